package model

import (
	"slices"
	"sync"
	"sync/atomic"
)

// The selection of a ranking's windows (grouprank.go): one pass over the
// groups, on two goroutines, keeping the first ranks of the order and the
// last ones with a bounded buffer each.

// rankBuffer sets the size of a rank selector's buffer: this many times
// k, plus k.
const rankBuffer = 32

// rankChunk is how many groups a rank selector takes at a time: the two
// take chunks in turn until none is left, so that a core busy with other
// work (the terminal) slows the pass by its share, not by half of it.
const rankChunk = 1 << 14

// selectRanks returns the first k[0] groups of list in the order (asc:
// by flows ascending) and the last k[1], from the last up (0: none), each
// in that order, in one pass, on two goroutines for a big list if two
// (the caller waits). Groups enter a window's buffer once they beat its threshold, the
// k-th best of its last compaction, most of them rejected on their flows,
// or their address, alone; a full buffer keeps its k best (a quickselect),
// or, when the groups came in order (each better than the one before: a
// table filled in address order, read for the last ranks), its last k.
func selectRanks(list []groupRec, asc bool, k [2]int, two bool) (out [2][]int32) {
	return selectRanksUnless(nil, list, asc, k, two)
}

// selectRanksUnless is selectRanks, given up (its result incomplete) once
// stop is set, if not nil.
func selectRanksUnless(stop *atomic.Bool, list []groupRec, asc bool, k [2]int, two bool) (out [2][]int32) {
	n := len(list)
	if max(k[0], k[1])*4 >= n {
		all := make([]int32, n)
		for i := range all {
			all[i] = int32(i)
		}
		slices.SortFunc(all, func(a, b int32) int { return winCompare(list, false, asc, a, b) })
		out[0] = all[:k[0]]
		out[1] = slices.Clone(all[n-k[1]:])
		slices.Reverse(out[1])
		return out
	}
	var next atomic.Int64
	var parts [2]rankPass
	for p := range parts {
		parts[p] = rankPass{list: list, next: &next, stop: stop}
		for j := range k {
			parts[p].sels[j] = newRankSel(list, k[j], j == 1, asc)
		}
	}
	if n <= rankChunk || !two {
		parts[0].run()
	} else {
		var wg sync.WaitGroup
		wg.Go(parts[1].run)
		parts[0].run()
		wg.Wait()
	}
	for j := range k {
		a, b := &parts[0].sels[j], &parts[1].sels[j]
		best := append(a.best(), b.best()...)
		slices.SortFunc(best, a.less)
		out[j] = best[:min(k[j], len(best))]
	}
	return out
}

// rankPass is one goroutine's share of selectRanks: a selector for each
// window.
type rankPass struct {
	list []groupRec
	next *atomic.Int64
	stop *atomic.Bool
	sels [2]rankSel
}

// run offers chunks of the list until none is left.
func (p *rankPass) run() {
	for j := range p.sels {
		if s := &p.sels[j]; s.k > 0 {
			s.buf = make([]int32, 0, s.k*(rankBuffer+1))
		}
	}
	h, t := &p.sels[0], &p.sels[1]
	for {
		lo := int(p.next.Add(rankChunk)) - rankChunk
		if lo >= len(p.list) || p.stop != nil && p.stop.Load() {
			return
		}
		for i := lo; i < min(lo+rankChunk, len(p.list)); i++ {
			if h.k > 0 {
				h.offer(p.list, i)
			}
			if t.k > 0 {
				t.offer(p.list, i)
			}
		}
	}
}

// rankSel selects the first k ranks of a window's order.
type rankSel struct {
	k         int
	last      bool // keys descending: the window of the last ranks
	moreFirst bool // more flows rank first in the window's order
	less      func(a, b int32) int
	buf       []int32
	ordered   bool  // buf is in order of betterness, the best last
	thr       int32 // the k-th best of the last compaction, or -1
}

func newRankSel(list []groupRec, k int, last, asc bool) rankSel {
	return rankSel{k: k, last: last, moreFirst: asc == last, ordered: true, thr: -1,
		less: func(a, b int32) int { return winCompare(list, last, asc, a, b) }}
}

// better reports whether g ranks before t in the window's order.
func (s *rankSel) better(g, t *groupRec) bool {
	if g.flows != t.flows {
		return (g.flows > t.flows) == s.moreFirst
	}
	c := compareGroupKeys(&g.key, &t.key)
	return c != 0 && (c > 0) == s.last
}

// offer offers group i.
func (s *rankSel) offer(list []groupRec, i int) {
	g := &list[i]
	switch {
	case s.ordered && len(s.buf) > 0 && s.better(g, &list[s.buf[len(s.buf)-1]]):
		// Better than the best so far, so than the threshold: the
		// buffer stays in order.
	case s.thr >= 0 && !s.better(g, &list[s.thr]):
		return
	default:
		s.ordered = s.ordered && len(s.buf) == 0
	}
	s.buf = append(s.buf, int32(i))
	if len(s.buf) == cap(s.buf) {
		s.buf, s.thr = keepBest(s.buf, s.k, s.ordered, s.less)
		s.ordered = true
	}
}

// best returns the selector's k best, in no order.
func (s *rankSel) best() []int32 {
	if len(s.buf) > s.k {
		s.buf, _ = keepBest(s.buf, s.k, s.ordered, s.less)
	}
	return s.buf
}
