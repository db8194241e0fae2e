package model

// chunkBits sets the size of a storage chunk: 4096 flows, 400 KiB. Chunks
// grow the store without ever copying it, so a million flows take a
// million flows' memory and not twice that while a slice doubles.
const (
	chunkBits = 12
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

type chunk struct {
	flows [chunkSize]Flow
	// ctrs is allocated on the first flow with counters in this chunk.
	ctrs *[chunkSize]Counters
}

// store is a growable array of flows addressed by slot, with counters kept
// apart and allocated only where some flow has them.
type store struct {
	chunks []*chunk
	n      int32 // slots in use, including free ones in a Table
}

func (s *store) flow(slot int32) *Flow {
	return &s.chunks[slot>>chunkBits].flows[slot&chunkMask]
}

func (s *store) counters(slot int32) Counters {
	c := s.chunks[slot>>chunkBits].ctrs
	if c == nil {
		return Counters{}
	}
	return c[slot&chunkMask]
}

func (s *store) setCounters(slot int32, c *Counters) {
	ch := s.chunks[slot>>chunkBits]
	if ch.ctrs == nil {
		if *c == (Counters{}) {
			return
		}
		ch.ctrs = new([chunkSize]Counters)
	}
	ch.ctrs[slot&chunkMask] = *c
}

// grow returns a new slot at the end.
func (s *store) grow() int32 {
	slot := s.n
	if int(slot>>chunkBits) == len(s.chunks) {
		s.chunks = append(s.chunks, new(chunk))
	}
	s.n++
	return slot
}

func (s *store) bytes() int {
	b := 0
	for _, c := range s.chunks {
		b += chunkSize * 100
		if c.ctrs != nil {
			b += chunkSize * 32
		}
	}
	return b
}

// Snapshot is a complete dump of a table, as a source reads it.
type Snapshot struct {
	s store
}

// Add appends a flow and its counters (nil when it has none).
func (sn *Snapshot) Add(f *Flow, c *Counters) {
	slot := sn.s.grow()
	*sn.s.flow(slot) = *f
	if c != nil && f.Attrs&HasCounters != 0 {
		sn.s.setCounters(slot, c)
	}
}

// Len returns the number of flows.
func (sn *Snapshot) Len() int { return int(sn.s.n) }

// At returns flow i and its counters.
func (sn *Snapshot) At(i int) (*Flow, Counters) {
	return sn.s.flow(int32(i)), sn.s.counters(int32(i))
}
