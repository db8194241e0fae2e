package model

import (
	"slices"
	"sync"
	"sync/atomic"
)

// selection is the result of one pass over the table for a rebuild: the
// number of matching flows, the items of the windows the screen needs
// (unordered), and, if there are at most collectMax of them, every
// matching item, in the two selectors' parts (complete reports whether
// they are all).
type selection struct {
	n        int
	head     []sortItem // the need smallest items
	tail     []sortItem // the need largest items
	pivot    sortItem
	hasPiv   bool
	rank     int        // items before the pivot
	below    []sortItem // the need largest items before the pivot
	above    []sortItem // the need smallest items after the pivot
	halves   [2][]sortItem
	complete bool
}

// selector is one goroutine's share of a selection pass.
type selector struct {
	l                        *List
	need                     int
	head, tail, below, above boundHeap
	pivot                    sortItem
	hasPiv                   bool
	n, rank                  int
	items                    []sortItem
	collectMax               int
	// next is the next chunk of slots to pass over, shared by both
	// selectors (selectPass).
	next *atomic.Int64
	n0   int // slots
}

// selectChunk is how many slots a selector takes at a time: both take
// chunks until none is left, so that a core busy with other work (the
// terminal, a worker) slows the pass by its share and not by half of it.
const selectChunk = 1 << 14

// selectPass runs the pass over the whole table, on two goroutines
// taking chunks of it in turn for a big table (the owner waits, so the
// table does not change meanwhile). It keeps every matching item if there are at most
// collectMax: a small result is sorted at once, a big one is read again by
// the worker, off the frame (partial.go).
func (l *List) selectPass(collectMax int) *selection {
	n := int(l.t.Slots())
	need := l.needRows
	if need <= 0 {
		need = defaultNeed
	}
	var piv sortItem
	hasPiv := false
	if s := l.needSlot; s >= 0 && s < l.t.Slots() {
		if f := l.t.At(s); f.Family != 0 && l.match(f, s) {
			c, _ := l.t.CountersAt(s)
			piv, hasPiv = l.item(f, &c, s), true
		}
	}
	sel := &selection{pivot: piv, hasPiv: hasPiv}
	var next atomic.Int64
	parts := [2]*selector{}
	for i := range parts {
		parts[i] = &selector{l: l, need: need, pivot: piv, hasPiv: hasPiv, next: &next, n0: n, collectMax: collectMax}
	}
	if n <= selectChunk {
		parts[0].run()
	} else {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); parts[1].run() }()
		parts[0].run()
		wg.Wait()
	}
	for i, p := range parts {
		sel.n += p.n
		sel.rank += p.rank
		sel.head = append(sel.head, p.head.items...)
		sel.tail = append(sel.tail, p.tail.items...)
		sel.below = append(sel.below, p.below.items...)
		sel.above = append(sel.above, p.above.items...)
		sel.halves[i] = p.items
	}
	sel.complete = sel.n <= collectMax
	return sel
}

// windows sorts the selected items (with the table: the owner calls it)
// and returns the exact windows of the ascending order they make.
func (sel *selection) windows(l *List) []window {
	need := l.needRows
	if need <= 0 {
		need = defaultNeed
	}
	sorted := func(items []sortItem, first bool) []listItem {
		slices.SortFunc(items, func(x, y sortItem) int { return l.compare(&x, &y) })
		if len(items) > need {
			if first {
				items = items[:need]
			} else {
				items = items[len(items)-need:]
			}
		}
		out := make([]listItem, len(items))
		for i := range items {
			out[i] = pack(&items[i])
		}
		return out
	}
	wins := []window{{lo: 0, items: sorted(sel.head, true)}}
	tail := sorted(sel.tail, false)
	wins = append(wins, window{lo: sel.n - len(tail), items: tail})
	if sel.hasPiv {
		below := sorted(sel.below, false)
		above := sorted(sel.above, true)
		mid := make([]listItem, 0, len(below)+1+len(above))
		mid = append(mid, below...)
		mid = append(mid, pack(&sel.pivot))
		mid = append(mid, above...)
		wins = append(wins, window{lo: sel.rank - len(below), items: mid})
	}
	return wins
}

// run passes over chunks of slots until none is left.
func (s *selector) run() {
	l := s.l
	if s.collectMax > 0 {
		s.items = make([]sortItem, 0, min(s.n0, s.collectMax))
	}
	s.head = boundHeap{l: l, k: s.need, keepLow: true}
	s.tail = boundHeap{l: l, k: s.need}
	s.below = boundHeap{l: l, k: s.need}
	s.above = boundHeap{l: l, k: s.need, keepLow: true}
	for {
		lo := int(s.next.Add(selectChunk)) - selectChunk
		if lo >= s.n0 {
			return
		}
		s.pass(lo, min(lo+selectChunk, s.n0))
	}
}

// pass offers the matching flows of slots [lo, hi).
func (s *selector) pass(lo, hi int) {
	l := s.l
	counted := l.col.counted()
	for slot := int32(lo); slot < int32(hi); slot++ {
		f := l.t.At(slot)
		if f.Family == 0 || !l.match(f, slot) {
			continue
		}
		var c Counters
		if counted {
			c, _ = l.t.CountersAt(slot)
		}
		it := l.item(f, &c, slot)
		s.n++
		if len(s.items) < s.collectMax {
			s.items = append(s.items, it)
		}
		s.head.offer(&it)
		s.tail.offer(&it)
		if s.hasPiv && slot != s.pivot.slot {
			if l.compare(&it, &s.pivot) < 0 {
				s.rank++
				s.below.offer(&it)
			} else {
				s.above.offer(&it)
			}
		}
	}
}

// boundHeap keeps at least the k lowest (keepLow) or highest items
// offered, in no order (windows sorts them). Items go into a buffer once
// they beat the threshold, the k-th best item of the last compaction;
// when the buffer is full, a quickselect keeps the k best and sets the
// threshold anew. An item that cannot enter is rejected on its k1 alone
// in most cases, where a heap cost two comparisons per level of the heap.
//
// A table whose slots come in the order (conntrack IDs, a fill or a flood
// in address order, sorted one way for the head and the other way for the
// tail) makes every item beat the threshold. For those, the buffer
// remembers whether it is in order (each item better than the one before
// it, one comparison per item, on k1 in most cases): then its k best are
// its last k, kept by a copy instead of a quickselect. Without it, a
// re-sort by source address of such a table took twice the time of one by
// port (BenchmarkSelectInOrder).
type boundHeap struct {
	l       *List
	k       int
	keepLow bool
	items   []sortItem
	thr     sortItem
	hasThr  bool
	ordered bool // items are in increasing order of betterness
}

// bufferFactor sets the buffer's size: this many times k, plus k.
const bufferFactor = 32

// better reports whether x is kept before y; the summaries decide inline,
// as they do in most comparisons.
func (h *boundHeap) better(x, y *sortItem) bool {
	if x.k1 != y.k1 {
		return (x.k1 < y.k1) == h.keepLow
	}
	if h.keepLow {
		return h.l.compareTie(x, y) < 0
	}
	return h.l.compareTie(x, y) > 0
}

func (h *boundHeap) offer(x *sortItem) {
	if h.k == 0 {
		return
	}
	if h.hasThr {
		// Inline rejection on k1: most items never get past this.
		if h.keepLow {
			if x.k1 > h.thr.k1 {
				return
			}
		} else if x.k1 < h.thr.k1 {
			return
		}
		if x.k1 == h.thr.k1 && !h.better(x, &h.thr) {
			return
		}
	}
	if h.items == nil {
		h.items = make([]sortItem, 0, h.k*(bufferFactor+1))
		h.ordered = true
	}
	if h.ordered && len(h.items) > 0 && !h.better(x, &h.items[len(h.items)-1]) {
		h.ordered = false
	}
	h.items = append(h.items, *x)
	if len(h.items) == cap(h.items) {
		h.compact()
	}
}

// compact keeps the k best items of the buffer and makes the k-th the
// threshold; the kept items are in order, so that an ordered run after
// them can be seen as one.
func (h *boundHeap) compact() {
	h.items, h.thr = keepBest(h.items, h.k, h.ordered, func(x, y sortItem) int {
		switch {
		case h.better(&x, &y):
			return -1
		case h.better(&y, &x):
			return 1
		}
		return 0
	})
	h.hasThr, h.ordered = true, true
}

// keepBest keeps the k best of buf (less(a, b) < 0: a is better) and
// returns them in order of betterness, the best last, with the worst of
// them (the new threshold); ordered says buf is in that order already, and
// then its last k are kept by a copy. A quickselect otherwise, then a sort
// of the k kept (k log k comparisons, against the buffer's many more).
// The re-sort's selection (boundHeap) and the top view's ranking windows
// (rankSel) share it.
func keepBest[T any](buf []T, k int, ordered bool, less func(a, b T) int) ([]T, T) {
	if ordered {
		copy(buf, buf[len(buf)-k:])
		buf = buf[:k]
		return buf, buf[0]
	}
	lo, hi, want := 0, len(buf)-1, k-1
	for lo < hi {
		// Median of three as the pivot, moved to hi.
		mid := int(uint(lo+hi) >> 1)
		if less(buf[mid], buf[lo]) < 0 {
			buf[mid], buf[lo] = buf[lo], buf[mid]
		}
		if less(buf[hi], buf[lo]) < 0 {
			buf[hi], buf[lo] = buf[lo], buf[hi]
		}
		if less(buf[mid], buf[hi]) < 0 {
			buf[mid], buf[hi] = buf[hi], buf[mid]
		}
		p := buf[hi]
		i := lo
		for j := lo; j < hi; j++ {
			if less(buf[j], p) < 0 {
				buf[i], buf[j] = buf[j], buf[i]
				i++
			}
		}
		buf[i], buf[hi] = buf[hi], buf[i]
		switch {
		case i == want:
			lo, hi = want, want
		case i < want:
			lo = i + 1
		default:
			hi = i - 1
		}
	}
	buf = buf[:k]
	slices.SortFunc(buf, func(a, b T) int { return less(b, a) })
	return buf, buf[0]
}
