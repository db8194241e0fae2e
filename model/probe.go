package model

// probeTable is the open-addressing core the table's index (index.go) and
// the groups' index (groupindex.go) share: linear probing over 8-byte
// entries, 32 bits of the key's hash beside place+1 (0 is empty). The
// stored bits give each entry's home, so deleting and growing never read
// the keys; looking a key up does, and stays with each index.
type probeTable struct {
	slots []uint64 // entries: hash32<<32 | place+1; 0 is empty
	mask  uint64
	n     int
}

func entry(h uint32, place int32) uint64 { return uint64(h)<<32 | uint64(uint32(place+1)) }

func entrySlot(e uint64) int32 { return int32(uint32(e)) - 1 }

// full reports whether one more entry would overfill the table (3/4).
func (x *probeTable) full() bool { return (x.n+1)*4 > len(x.slots)*3 }

// fill stores place at an empty position a probe returned, for a key of
// hash h.
func (x *probeTable) fill(pos uint64, h uint32, place int32) {
	x.slots[pos] = entry(h, place)
	x.n++
}

// locate returns the position of entry e of hash h, or false if it is not
// in the table.
func (x *probeTable) locate(e uint64, h uint32) (uint64, bool) {
	for i := uint64(h) & x.mask; ; i = (i + 1) & x.mask {
		switch x.slots[i] {
		case e:
			return i, true
		case 0:
			return 0, false
		}
	}
}

// deleteAt removes the entry at position i by shifting the rest of its
// probe chain back (no tombstones, so lookups never slow down with
// churn), and halves a table that fell under 1/8 full.
func (x *probeTable) deleteAt(i uint64) {
	x.n--
	for j := i; ; {
		j = (j + 1) & x.mask
		e := x.slots[j]
		if e == 0 {
			break
		}
		home := (e >> 32) & x.mask
		// Move e back into the hole at i unless its home lies cyclically
		// in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			x.slots[i] = e
			i = j
		}
	}
	x.slots[i] = 0
	if len(x.slots) > 1024 && x.n*8 < len(x.slots) {
		x.resize(len(x.slots) / 2)
	}
}

// resize moves the entries into a table of size slots (a power of two).
func (x *probeTable) resize(size int) {
	old := x.slots
	x.slots = make([]uint64, size)
	x.mask = uint64(size - 1)
	for _, e := range old {
		if e == 0 {
			continue
		}
		i := (e >> 32) & x.mask
		for x.slots[i] != 0 {
			i = (i + 1) & x.mask
		}
		x.slots[i] = e
	}
}
