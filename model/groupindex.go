package model

import (
	"encoding/binary"
	"hash/maphash"
)

// groupIndex maps a group's key to its place in a Groups' list: the
// table's index (index.go) for groups, open addressing with linear probing
// over 8-byte entries, 32 bits of the key's hash beside place+1 (0 is
// empty), keys compared against the list. It holds no copy of the keys,
// where a Go map from GroupKey to int32 holds the 24-byte key again in
// every slot, with its control bytes and free slots. Hand-written for that
// memory, on the path of every change of a flow. The hash is seeded at
// random: the keys are addresses whoever sends packets chooses.
type groupIndex struct {
	seed maphash.Seed
	probeTable
}

// groupIndexMin is the fewest slots of an index in use.
const groupIndexMin = 64

// reset empties the index, keeping its memory.
func (x *groupIndex) reset() {
	if x.seed == (maphash.Seed{}) {
		x.seed = maphash.MakeSeed()
	}
	if len(x.slots) == 0 {
		x.slots, x.mask = make([]uint64, groupIndexMin), groupIndexMin-1
	}
	clear(x.slots)
	x.n = 0
}

// hash returns 32 bits of k's hash, as index.hash does.
func (x *groupIndex) hash(k *GroupKey) uint32 {
	var b [23]byte
	copy(b[:16], k.Addr[:])
	b[16], b[17], b[18], b[19], b[20] = k.Family, k.Proto, byte(k.State), k.Bits, byte(k.By)
	binary.LittleEndian.PutUint16(b[21:], k.Port)
	h := maphash.Bytes(x.seed, b[:])
	return uint32(h ^ h>>32)
}

// find returns the place of key k in list, or -1.
func (x *groupIndex) find(list []groupRec, k *GroupKey) int32 {
	if x.n == 0 {
		return -1
	}
	h := x.hash(k)
	hi := uint64(h) << 32
	for i := uint64(h) & x.mask; ; i = (i + 1) & x.mask {
		e := x.slots[i]
		if e == 0 {
			return -1
		}
		if e&^0xffffffff == hi {
			if p := entrySlot(e); list[p].key == *k {
				return p
			}
		}
	}
}

// probe returns the place of key k (of hash h) in list, or -1 with the
// empty position where k goes, for fill. It grows the index first if one
// more entry would overfill it, so that the position stays valid.
func (x *groupIndex) probe(list []groupRec, k *GroupKey, h uint32) (place int32, pos uint64) {
	if x.full() {
		x.resize(max(2*len(x.slots), groupIndexMin))
	}
	hi := uint64(h) << 32
	for i := uint64(h) & x.mask; ; i = (i + 1) & x.mask {
		e := x.slots[i]
		if e == 0 {
			return -1, i
		}
		if e&^0xffffffff == hi {
			if p := entrySlot(e); list[p].key == *k {
				return p, 0
			}
		}
	}
}

// at returns the position of the entry of key k at place, which must be
// in the index.
func (x *groupIndex) at(k *GroupKey, place int32) (uint64, uint32) {
	h := x.hash(k)
	i, _ := x.locate(entry(h, place), h)
	return i, h
}

// move records that key k went from place from to place to.
func (x *groupIndex) move(k *GroupKey, from, to int32) {
	i, h := x.at(k, from)
	x.slots[i] = entry(h, to)
}

// remove deletes the entry of key k at place by shifting the rest of its
// probe chain back.
func (x *groupIndex) remove(k *GroupKey, place int32) {
	i, _ := x.at(k, place)
	x.deleteAt(i)
}

// reserve makes room for n entries without growing.
func (x *groupIndex) reserve(n int) {
	size := len(x.slots)
	for size*3 < n*4 {
		size *= 2
	}
	if size > len(x.slots) {
		x.resize(size)
	}
}

// fit shrinks the index to the size its entries need, when it is four
// times that or more (a rebuild that reused the index of a grouping with
// more groups).
func (x *groupIndex) fit() {
	size := groupIndexMin
	for size*3 < x.n*4 {
		size *= 2
	}
	if len(x.slots) >= 4*size {
		x.resize(size)
	}
}
