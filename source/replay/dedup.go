package replay

import (
	"hash/maphash"

	"github.com/cttop/cttop/model"
)

// dedup finds records of a flow already loaded: the kernel never holds two
// entries with one original tuple and zone (model.Key), so a file that
// does (two dumps concatenated, a record pasted twice) repeats itself, and
// the copies count as duplicates, not as flows.
//
// It is an open-addressing hash set of indexes into the sink, each slot
// holding the low 32 bits of its key's hash beside the index, so that only
// a matching hash costs a look at the flow: 8 to 16 bytes a flow where a Go
// map of keys would take over 60. Hand-written for that reason.
type dedup struct {
	seed  maphash.Seed
	slots []uint64 // hash<<32 | index+1; 0 is empty
	n     int
	sink  flowSink
}

func newDedup(sink flowSink) *dedup {
	return &dedup{seed: maphash.MakeSeed(), slots: make([]uint64, 1024), sink: sink}
}

// seen reports whether a flow with f's key was added before; if not, it
// records that f is about to be added at index sink.Len(), which the
// caller must do before the next call.
func (d *dedup) seen(f *model.Flow) bool {
	if d.n*2 >= len(d.slots) {
		d.grow()
	}
	k := f.Key()
	h := uint32(maphash.Comparable(d.seed, k))
	mask := uint32(len(d.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := d.slots[i]
		if s == 0 {
			d.slots[i] = uint64(h)<<32 | uint64(d.sink.Len()+1)
			d.n++
			return false
		}
		if uint32(s>>32) == h {
			if g, _ := d.sink.At(int(uint32(s)) - 1); g.Key() == k {
				return true
			}
		}
	}
}

// grow doubles the table and puts every slot back.
func (d *dedup) grow() {
	old := d.slots
	d.slots = make([]uint64, 2*len(old))
	mask := uint32(len(d.slots) - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := uint32(s>>32) & mask
		for d.slots[i] != 0 {
			i = (i + 1) & mask
		}
		d.slots[i] = s
	}
}
