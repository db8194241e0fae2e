package model

import (
	"encoding/binary"
	"hash/maphash"
)

// index maps a flow key to its slot: open addressing with linear probing
// over 8-byte entries, 32 bits of the key's hash beside slot+1 (0 is empty).
// Keys are compared against the store, so the index holds no copies of them,
// but only after the hash bits matched: a probe that passes other keys' entries
// (and a lookup of a new key, every one during a dump) reads no flow at all,
// where a 4-byte slot-only entry cost a cache miss into the 100 MB store per
// entry passed. The stored bits also give each entry's home without
// rehashing its flow, so deletion and growth never touch the store either.
// About 17 bytes per flow at 1M flows. With Table.touch loading a block of
// events' entries and flows ahead, BenchmarkIngest went from 594 to 263
// ns/event at a million flows.
//
// The hash is seeded at random: the tuples are chosen by whoever sends
// packets, and a predictable hash would let a flood pile its flows into one
// probe chain.
type index struct {
	seed maphash.Seed
	probeTable
}

func newIndex(hint int) index {
	size := 1024
	for size*3 < hint*4 {
		size *= 2
	}
	return index{seed: maphash.MakeSeed(), probeTable: probeTable{slots: make([]uint64, size), mask: uint64(size - 1)}}
}

// hash returns 32 bits of k's hash: the home is hash&mask (tables up to 2^32
// entries), the rest tells keys of one home apart.
func (x *index) hash(k *Key) uint32 {
	var b [44]byte
	copy(b[0:16], k.Orig.Src[:])
	copy(b[16:32], k.Orig.Dst[:])
	binary.LittleEndian.PutUint16(b[32:], k.Orig.SrcPort)
	binary.LittleEndian.PutUint16(b[34:], k.Orig.DstPort)
	binary.LittleEndian.PutUint32(b[36:], k.ID)
	binary.LittleEndian.PutUint16(b[40:], k.Zone)
	b[42] = k.Proto
	b[43] = uint8(k.ZoneDir) | k.Family<<2
	h := maphash.Bytes(x.seed, b[:])
	return uint32(h ^ h>>32)
}

// find returns the slot holding k, or -1.
func (x *index) find(s *store, k *Key) int32 { return x.findHash(s, k, x.hash(k)) }

// findHash is find for a key of hash h.
func (x *index) findHash(s *store, k *Key, h uint32) int32 {
	hi := uint64(h) << 32
	i := uint64(h) & x.mask
	for {
		e := x.slots[i]
		if e == 0 {
			return -1
		}
		if e&^0xffffffff == hi {
			if slot := entrySlot(e); s.flow(slot).hasKey(k) {
				return slot
			}
		}
		i = (i + 1) & x.mask
	}
}

// probe returns the slot holding k (of hash h), or -1 with the empty
// position where k goes, for fill: one hash and one probe chain serve a lookup
// and the insert after it. It grows the index first if one more entry would
// overfill it, so that the position stays valid.
func (x *index) probe(s *store, k *Key, h uint32) (slot int32, pos uint64) {
	if x.full() {
		x.resize(len(x.slots) * 2)
	}
	hi := uint64(h) << 32
	i := uint64(h) & x.mask
	for {
		e := x.slots[i]
		if e == 0 {
			return -1, i
		}
		if e&^0xffffffff == hi {
			if slot := entrySlot(e); s.flow(slot).hasKey(k) {
				return slot, 0
			}
		}
		i = (i + 1) & x.mask
	}
}

// remove deletes the entry of k, which must map to slot (none if it is
// not there).
func (x *index) remove(k *Key, slot int32) {
	h := x.hash(k)
	if i, ok := x.locate(entry(h, slot), h); ok {
		x.deleteAt(i)
	}
}

// touch loads what a lookup of a key of hash h will read first: its home
// entry and the flow it points to. Done for a block of keys before looking
// them up, the cache misses of the block overlap instead of queuing one
// after the other (two per event, the whole cost of an event). No branch
// depends on what it loads, or a misprediction would wait for the load.
func (x *index) touch(s *store, h uint32) uint32 {
	if len(s.chunks) == 0 {
		return 0
	}
	e := x.slots[uint64(h)&x.mask]
	slot := entrySlot(e)
	slot &^= slot >> 31 // an empty entry: slot 0
	return s.flow(slot).id
}
