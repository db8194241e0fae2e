package model

import (
	"encoding/binary"
	"hash/maphash"
)

// index maps a flow key to its slot: open addressing with linear probing
// over 4-byte entries (slot+1, 0 is empty), about 8 bytes per flow where a
// Go map would take 60. Keys are compared against the store, so the index
// holds no copies of them. The hash is seeded at random: the tuples are
// chosen by whoever sends packets, and a predictable hash would let a flood
// pile its flows into one probe chain.
type index struct {
	seed  maphash.Seed
	slots []int32
	mask  uint64
	n     int
}

func newIndex(hint int) index {
	size := 1024
	for size*3 < hint*4 {
		size *= 2
	}
	return index{seed: maphash.MakeSeed(), slots: make([]int32, size), mask: uint64(size - 1)}
}

func (x *index) hash(k *Key) uint64 {
	var b [44]byte
	copy(b[0:16], k.Orig.Src[:])
	copy(b[16:32], k.Orig.Dst[:])
	binary.LittleEndian.PutUint16(b[32:], k.Orig.SrcPort)
	binary.LittleEndian.PutUint16(b[34:], k.Orig.DstPort)
	binary.LittleEndian.PutUint32(b[36:], k.ID)
	binary.LittleEndian.PutUint16(b[40:], k.Zone)
	b[42] = k.Proto
	return maphash.Bytes(x.seed, b[:])
}

// find returns the slot holding k, or -1.
func (x *index) find(s *store, k *Key) int32 {
	i := x.hash(k) & x.mask
	for {
		e := x.slots[i]
		if e == 0 {
			return -1
		}
		if s.flow(e - 1).hasKey(k) {
			return e - 1
		}
		i = (i + 1) & x.mask
	}
}

// insert adds slot under k, which must not be present.
func (x *index) insert(s *store, k *Key, slot int32) {
	if (x.n+1)*4 > len(x.slots)*3 {
		x.resize(s, len(x.slots)*2)
	}
	i := x.hash(k) & x.mask
	for x.slots[i] != 0 {
		i = (i + 1) & x.mask
	}
	x.slots[i] = slot + 1
	x.n++
}

// remove deletes k, which must map to slot, by shifting the rest of its
// probe chain back (no tombstones, so lookups never slow down with churn).
func (x *index) remove(s *store, k *Key) {
	i := x.hash(k) & x.mask
	for {
		e := x.slots[i]
		if e == 0 {
			return
		}
		if s.flow(e - 1).hasKey(k) {
			break
		}
		i = (i + 1) & x.mask
	}
	x.n--
	j := i
	for {
		j = (j + 1) & x.mask
		e := x.slots[j]
		if e == 0 {
			break
		}
		kj := s.flow(e - 1).Key()
		h := x.hash(&kj) & x.mask
		// Move e back into the hole at i unless its home h lies
		// cyclically in (i, j].
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			x.slots[i] = e
			i = j
		}
	}
	x.slots[i] = 0
	if len(x.slots) > 1024 && x.n*8 < len(x.slots) {
		x.resize(s, len(x.slots)/2)
	}
}

func (x *index) resize(s *store, size int) {
	old := x.slots
	x.slots = make([]int32, size)
	x.mask = uint64(size - 1)
	for _, e := range old {
		if e == 0 {
			continue
		}
		k := s.flow(e - 1).Key()
		i := x.hash(&k) & x.mask
		for x.slots[i] != 0 {
			i = (i + 1) & x.mask
		}
		x.slots[i] = e
	}
}
