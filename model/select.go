package model

import (
	"slices"
	"sync"
)

// selection is the result of one pass over the table for a rebuild: the
// number of matching flows, the items of the windows the screen needs
// (unordered), and, if asked, every matching item in two halves.
type selection struct {
	n      int
	head   []sortItem // the need smallest items
	tail   []sortItem // the need largest items
	pivot  sortItem
	hasPiv bool
	rank   int        // items before the pivot
	below  []sortItem // the need largest items before the pivot
	above  []sortItem // the need smallest items after the pivot
	halves [2][]sortItem
}

// selector is one half's share of a selection pass.
type selector struct {
	l                        *List
	need                     int
	head, tail, below, above boundHeap
	pivot                    sortItem
	hasPiv                   bool
	n, rank                  int
	items                    []sortItem
	collectAll               bool
	lo, hi                   int
}

// selectPass runs the pass over the whole table, in two halves on two
// goroutines for a big table (the owner waits, so the table does not
// change meanwhile). collect says whether to keep every matching item.
func (l *List) selectPass(collect bool) *selection {
	n := int(l.t.Slots())
	need := l.needRows
	if need <= 0 {
		need = defaultNeed
	}
	var piv sortItem
	hasPiv := false
	if s := l.needSlot; s >= 0 && s < l.t.Slots() {
		if f := l.t.At(s); f.Family != 0 && l.match(f) {
			c := l.t.CountersAt(s)
			piv, hasPiv = l.col.item(f, &c, s), true
		}
	}
	sel := &selection{pivot: piv, hasPiv: hasPiv}
	var buf []sortItem
	if collect {
		buf = make([]sortItem, n)
	}
	mid := n / 2
	parts := [2]*selector{}
	for i := range parts {
		lo, hi := 0, mid
		if i == 1 {
			lo, hi = mid, n
		}
		parts[i] = &selector{l: l, need: need, pivot: piv, hasPiv: hasPiv, lo: lo, hi: hi, collectAll: collect}
		if collect {
			parts[i].items = buf[lo:lo]
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); parts[1].run() }()
	parts[0].run()
	wg.Wait()
	for i, p := range parts {
		sel.n += p.n
		sel.rank += p.rank
		sel.head = append(sel.head, p.head.items...)
		sel.tail = append(sel.tail, p.tail.items...)
		sel.below = append(sel.below, p.below.items...)
		sel.above = append(sel.above, p.above.items...)
		sel.halves[i] = p.items
	}
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

// run passes over the selector's slots.
func (s *selector) run() {
	l := s.l
	s.head = boundHeap{l: l, k: s.need, keepLow: true}
	s.tail = boundHeap{l: l, k: s.need}
	s.below = boundHeap{l: l, k: s.need}
	s.above = boundHeap{l: l, k: s.need, keepLow: true}
	for slot := int32(s.lo); slot < int32(s.hi); slot++ {
		f := l.t.At(slot)
		if f.Family == 0 || !l.match(f) {
			continue
		}
		c := l.t.CountersAt(slot)
		it := l.col.item(f, &c, slot)
		s.n++
		if s.collectAll {
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

// boundHeap keeps the k lowest (keepLow) or highest items offered. Its
// root is the worst item kept; an item that cannot enter is rejected on
// its k1 alone in most cases, so a pass over a million flows costs little
// more than reading them.
type boundHeap struct {
	l       *List
	k       int
	keepLow bool
	items   []sortItem
}

// worse reports whether x would be evicted before y.
func (h *boundHeap) worse(x, y *sortItem) bool {
	if h.keepLow {
		return h.l.compare(x, y) > 0
	}
	return h.l.compare(x, y) < 0
}

func (h *boundHeap) offer(x *sortItem) {
	if len(h.items) < h.k {
		h.items = append(h.items, *x)
		h.up(len(h.items) - 1)
		return
	}
	if h.k == 0 {
		return
	}
	root := &h.items[0]
	// Inline rejection on k1: most items never get past this.
	if h.keepLow {
		if x.k1 > root.k1 {
			return
		}
	} else if x.k1 < root.k1 {
		return
	}
	if !h.worse(root, x) {
		return
	}
	*root = *x
	h.down(0)
}

func (h *boundHeap) up(j int) {
	for j > 0 {
		p := (j - 1) / 2
		if !h.worse(&h.items[j], &h.items[p]) {
			return
		}
		h.items[p], h.items[j] = h.items[j], h.items[p]
		j = p
	}
}

func (h *boundHeap) down(j int) {
	n := len(h.items)
	for {
		c := 2*j + 1
		if c >= n {
			return
		}
		if c+1 < n && h.worse(&h.items[c+1], &h.items[c]) {
			c++
		}
		if !h.worse(&h.items[c], &h.items[j]) {
			return
		}
		h.items[j], h.items[c] = h.items[c], h.items[j]
		j = c
	}
}
