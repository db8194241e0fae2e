package model

// spaceSaving counts the occurrences of keys in a stream with at most cap
// counters: the Space-Saving algorithm of Metwally, Agrawal and El Abbadi,
// "Efficient Computation of Frequent and Top-k Elements in Data Streams"
// (ICDT 2005). A key not counted yet takes over the counter of the least
// counted key, inheriting its count as its error. Every key that occurred
// more than total/cap times is counted, and a counted key's true count lies
// between count-err and count; an absent key occurred at most min() times
// (none at all while nothing was ever evicted).
//
// The counters stay in their slots (ents, in no order) and a min-heap of
// slot numbers orders them by count, so that an update costs a map
// look-up and O(log cap) swaps of two int32s: swapping the counters
// themselves rewrote two map entries a level (a new key from a spoofed
// source sifts down the whole heap, as most counts tie). Hand-written: it
// is on the path of every new flow, and the standard library has none.
type spaceSaving[K comparable] struct {
	cap     int
	idx     map[K]int32 // slot in ents
	ents    []ssEntry[K]
	heap    []int32 // slots, a min-heap on their counts
	pos     []int32 // each slot's position in heap
	evicted bool    // some key lost its counter
	total   uint64  // occurrences counted
}

type ssEntry[K comparable] struct {
	key        K
	count, err uint32
}

func newSpaceSaving[K comparable](capacity int) *spaceSaving[K] {
	return &spaceSaving[K]{cap: max(capacity, 1), idx: make(map[K]int32)}
}

// reset forgets every key, keeping the memory.
func (s *spaceSaving[K]) reset() {
	clear(s.idx)
	s.ents, s.heap, s.pos = s.ents[:0], s.heap[:0], s.pos[:0]
	s.evicted = false
	s.total = 0
}

// add counts n occurrences of key.
func (s *spaceSaving[K]) add(key K, n uint32) {
	s.total += uint64(n)
	if i, ok := s.idx[key]; ok {
		s.ents[i].count += n
		s.down(int(s.pos[i]))
		return
	}
	if len(s.ents) < s.cap {
		slot := int32(len(s.ents))
		s.ents = append(s.ents, ssEntry[K]{key: key, count: n})
		s.idx[key] = slot
		s.heap = append(s.heap, slot)
		s.pos = append(s.pos, int32(len(s.heap)-1))
		s.up(len(s.heap) - 1)
		return
	}
	slot := s.heap[0]
	low := s.ents[slot]
	delete(s.idx, low.key)
	s.ents[slot] = ssEntry[K]{key: key, count: low.count + n, err: low.count}
	s.idx[key] = slot
	s.evicted = true
	s.down(0)
}

// get returns key's count and error, and whether key has a counter.
func (s *spaceSaving[K]) get(key K) (count, err uint32, ok bool) {
	i, ok := s.idx[key]
	if !ok {
		return 0, 0, false
	}
	e := &s.ents[i]
	return e.count, e.err, true
}

// min returns the most an absent key may have occurred.
func (s *spaceSaving[K]) min() uint32 {
	if !s.evicted || len(s.heap) == 0 {
		return 0
	}
	return s.ents[s.heap[0]].count
}

// countAt is the count of the counter at position i of the heap.
func (s *spaceSaving[K]) countAt(i int) uint32 { return s.ents[s.heap[i]].count }

func (s *spaceSaving[K]) swap(i, j int) {
	s.heap[i], s.heap[j] = s.heap[j], s.heap[i]
	s.pos[s.heap[i]], s.pos[s.heap[j]] = int32(i), int32(j)
}

func (s *spaceSaving[K]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if s.countAt(p) <= s.countAt(i) {
			return
		}
		s.swap(i, p)
		i = p
	}
}

func (s *spaceSaving[K]) down(i int) {
	for {
		c := 2*i + 1
		if c >= len(s.heap) {
			return
		}
		if c+1 < len(s.heap) && s.countAt(c+1) < s.countAt(c) {
			c++
		}
		if s.countAt(i) <= s.countAt(c) {
			return
		}
		s.swap(i, c)
		i = c
	}
}
