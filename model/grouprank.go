package model

import (
	"cmp"
	"slices"
	"sort"
	"sync/atomic"
)

// The ranking of a grouping's rows by flows is kept in two windows, up to
// date as the groups change, so that a frame does not rank a million
// groups to show forty: head holds, in order, the first len(head.idx)
// ranks (every group outside ranks after its last), tail the last ranks,
// from the very last one up (every group outside ranks before them);
// either may hold every group (all). A change moves its group within a
// window, into it when it now ranks within it, or out of it; only when a
// window holds fewer ranks than a view asks for is it selected again, in
// one pass over the groups, twice as deep as asked. So the first screen
// and the last (End) of a new order each cost one pass, not a sort of a
// million groups.
//
// The order is by flows, descending (ascending when reversed), then by
// key, ascending in both directions, as the flows view orders equal
// values.

// rankSlack is the least number of ranks kept beyond the depth asked for.
const rankSlack = 64

// rankWin is one window of the ranking: the best len(idx) groups under
// its comparison, in order. The bit of group i in set is on exactly while
// i is in idx, valid or not.
type rankWin struct {
	idx []int32
	set []uint64
	ok  bool
	all bool // idx holds every group
	cap int
	// last makes it the window of the last ranks: its comparison is the
	// order's, reversed, so idx[0] is the last rank.
	last bool
}

// compareRanked orders two groups as the ranking does: by flows,
// descending unless asc, then by key, ascending.
func compareRanked(a, b *Group, asc bool) int {
	return compareRanks(a.Flows, b.Flows, &a.Key, &b.Key, asc)
}

// compareRecs orders two groups of a list as compareRanked does.
func compareRecs(a, b *groupRec, asc bool) int {
	return compareRanks(a.flows, b.flows, &a.key, &b.key, asc)
}

// compareRanks is the ranking's order of groups of af and bf flows and
// keys ak and bk.
func compareRanks[N cmp.Ordered](af, bf N, ak, bk *GroupKey, asc bool) int {
	c := cmp.Compare(bf, af)
	if asc {
		c = -c
	}
	if c != 0 {
		return c
	}
	return compareGroupKeys(ak, bk)
}

// winCompare orders groups i and j of list in window w's comparison.
func winCompare(list []groupRec, last, asc bool, i, j int32) int {
	if last {
		return compareRecs(&list[j], &list[i], asc)
	}
	return compareRecs(&list[i], &list[j], asc)
}

func (w *rankWin) has(i int32) bool {
	k := int(i >> 6)
	return k < len(w.set) && w.set[k]&(1<<(i&63)) != 0
}

func (w *rankWin) mark(i int32, on bool) {
	k := int(i >> 6)
	if k >= len(w.set) {
		w.set = append(w.set, make([]uint64, k+1-len(w.set)+len(w.set)/4)...)
	}
	if on {
		w.set[k] |= 1 << (i & 63)
	} else {
		w.set[k] &^= 1 << (i & 63)
	}
}

// drop takes group i out of the window if it is in it.
func (w *rankWin) drop(i int32) {
	if !w.has(i) {
		return
	}
	if p := slices.Index(w.idx, i); p >= 0 {
		w.idx = slices.Delete(w.idx, p, p+1)
	}
	w.mark(i, false)
}

// invalidate forgets the window's ranks (their marks go with them).
func (w *rankWin) invalidate() {
	for _, i := range w.idx {
		w.mark(i, false)
	}
	w.idx = w.idx[:0]
	w.ok, w.all = false, false
}

// wins are the ranking's windows.
func (g *Groups) wins() [2]*rankWin { return [2]*rankWin{&g.head, &g.tail} }

// dropRanks forgets both windows, and the ranks of a selection aside:
// the groups or the order changed.
func (g *Groups) dropRanks() {
	g.head.invalidate()
	g.tail.invalidate()
	g.rankGen++
	if g.aside != nil {
		g.aside.stop.Store(true)
	}
}

// noteChanged follows a change of group i's flows (or a new group i).
func (g *Groups) noteChanged(i int32) {
	for _, w := range g.wins() {
		if !w.ok {
			continue
		}
		w.drop(i)
		n := len(w.idx)
		less := func(a, b int32) int { return winCompare(g.list, w.last, g.asc, a, b) }
		if !w.all && (n == 0 || less(i, w.idx[n-1]) >= 0) {
			continue // ranks beyond the window: stays out
		}
		p := sort.Search(n, func(j int) bool { return less(w.idx[j], i) > 0 })
		w.idx = slices.Insert(w.idx, p, i)
		w.mark(i, true)
		if len(w.idx) > w.cap {
			w.mark(w.idx[len(w.idx)-1], false)
			w.idx = w.idx[:len(w.idx)-1]
			w.all = false
		}
	}
}

// noteGone follows the removal of group i (before another takes its index).
func (g *Groups) noteGone(i int32) {
	for _, w := range g.wins() {
		if w.ok {
			w.drop(i)
		}
	}
}

// noteMoved follows group from moving to index to.
func (g *Groups) noteMoved(from, to int32) {
	for _, w := range g.wins() {
		if !w.ok || !w.has(from) {
			continue
		}
		if p := slices.Index(w.idx, from); p >= 0 {
			w.idx[p] = to
		}
		w.mark(from, false)
		w.mark(to, true)
	}
}

// rank makes window w hold at least its first min(depth, Len) ranks
// (for the tail: the last ones). The other window, if it holds none, is
// selected as deep, off the frame for a big grouping (rankAside): a new
// order's first screen at once, its last (End) moments later.
func (g *Groups) rank(w *rankWin, depth int) {
	g.ensure()
	g.settleAside()
	n := len(g.list)
	depth = min(max(depth, 0), n)
	if w.covers(depth) {
		return
	}
	want := min(n, max(2*depth, depth+rankSlack))
	if want*4 >= n {
		k := [2]int{n, 0} // a sort: the head holds them all
		g.setRanks(selectRanks(g.list, g.asc, k, true), k)
		return
	}
	var now, aside [2]int
	for j, x := range g.wins() {
		switch {
		case x == w:
			now[j] = want
		case x.ok:
		case n >= g.asideMin():
			aside[j] = want
		default:
			now[j] = want
		}
	}
	g.setRanks(selectRanks(g.list, g.asc, now, true), now)
	if aside != [2]int{} {
		g.startAside(aside)
	}
}

// rankAside is a window selected off the frame, by a goroutine reading
// the groups, which do not change until it is done: every change to them
// settles it first (settleAside). Its ranks are taken unless the order
// changed meanwhile (gen).
type rankAside struct {
	k     [2]int
	gen   uint64
	ranks [2][]int32
	done  chan struct{}
	stop  atomic.Bool // the order changed: give up
}

// asideMin is the fewest groups whose windows are selected aside.
func (g *Groups) asideMin() int {
	if g.minAside > 0 {
		return g.minAside
	}
	return partialMin
}

// startAside starts selecting windows k (see selectRanks) aside, on one
// goroutine: the other core draws the frame.
func (g *Groups) startAside(k [2]int) {
	a := &rankAside{k: k, gen: g.rankGen, done: make(chan struct{})}
	g.aside = a
	list, asc := g.list, g.asc
	go func() {
		defer close(a.done)
		a.ranks = selectRanksUnless(&a.stop, list, asc, k, false)
	}()
}

// settleAside waits for a selection aside and takes its ranks; every
// change to the groups' list calls it first.
func (g *Groups) settleAside() {
	a := g.aside
	if a == nil {
		return
	}
	g.aside = nil
	<-a.done
	if a.gen == g.rankGen {
		g.setRanks(a.ranks, a.k)
	}
}

// setRanks makes windows with k[j] > 0 hold ranks[j], the first k[j]
// ranks of their order.
func (g *Groups) setRanks(ranks [2][]int32, k [2]int) {
	for j, w := range g.wins() {
		if k[j] == 0 {
			continue
		}
		w.invalidate()
		w.idx = append(w.idx, ranks[j]...)
		w.all = k[j] == len(g.list)
		w.cap = max(2*k[j], rankSlack)
		for _, i := range w.idx {
			w.mark(i, true)
		}
		w.ok = true
	}
	if g.head.all && g.tail.ok {
		g.tail.invalidate() // the head answers for every rank
	}
}

// covers reports whether window w holds at least depth ranks now.
func (w *rankWin) covers(depth int) bool { return w.ok && (w.all || len(w.idx) >= depth) }

// byFlows appends to dst the rows at ranks [lo, lo+n) of the ranking by
// flows leaving out the rows in skip, which must all be rows.
func (g *Groups) byFlows(lo, n int, skip map[GroupKey]bool, dst []Group) []Group {
	lo = max(lo, 0)
	if g.auto() {
		r := 0
		for _, row := range g.heavyRows() {
			if skip[row.Key] {
				continue
			}
			if r >= lo+n {
				break
			}
			if r >= lo {
				dst = append(dst, row.Group)
			}
			r++
		}
		return dst
	}
	g.ensure()
	total := len(g.list) - len(skip)
	hi := min(lo+n, total)
	if lo >= hi {
		return dst
	}
	if w := g.window(lo, hi, len(skip)); !w.last {
		r := 0
		for _, i := range w.idx {
			if r >= hi {
				break
			}
			if skip != nil && skip[g.list[i].key] {
				continue
			}
			if r >= lo {
				dst = append(dst, g.list[i].row(&g.mixes))
			}
			r++
		}
		return dst
	}
	start, r := len(dst), total-1
	for _, i := range g.tail.idx {
		if r < lo {
			break
		}
		if skip != nil && skip[g.list[i].key] {
			continue
		}
		if r < hi {
			dst = append(dst, g.list[i].row(&g.mixes))
		}
		r--
	}
	slices.Reverse(dst[start:])
	return dst
}

// window returns the window that holds ranks [lo, hi) of the ranking by
// flows (of the groups but skip of them), ranking it if need be: the one
// that holds them already, else the nearer end's.
func (g *Groups) window(lo, hi, skip int) *rankWin {
	total := len(g.list) - skip
	headDepth, tailDepth := hi+skip, total-lo+skip
	switch {
	case g.head.covers(headDepth) || g.tail.covers(tailDepth):
	case lo <= total-hi:
		g.rank(&g.head, headDepth)
	default:
		g.rank(&g.tail, tailDepth)
	}
	if g.head.covers(headDepth) {
		return &g.head // a sort may have put every rank there
	}
	return &g.tail
}

// Rank returns the rank of row k, or -1 when it is not among the ranks
// [from, to) nor others the ranking holds already to answer for them (a
// cursor follows its row with it).
func (g *Groups) Rank(k GroupKey, from, to int) int {
	from = max(from, 0)
	if g.order == ByNewRate || g.auto() {
		rows := g.Top(from, to-from, nil)
		if i := slices.IndexFunc(rows, func(r Group) bool { return r.Key == k }); i >= 0 {
			return from + i
		}
		return -1
	}
	g.ensure()
	total := len(g.list)
	i := g.idx.find(g.list, &k)
	if i < 0 || from >= min(to, total) {
		return -1
	}
	w := g.window(from, min(to, total), 0)
	if !w.has(i) {
		return -1
	}
	p := slices.Index(w.idx, i)
	if w.last {
		return total - 1 - p
	}
	return p
}

// Reversed reports whether the rows are in the reverse order: fewest
// flows (or NEW/s) first.
func (g *Groups) Reversed() bool { return g.asc }

// SetReversed puts the rows in the reverse order (true) or back (false):
// the first screen of the new order costs one pass over the groups.
func (g *Groups) SetReversed(asc bool) {
	if asc != g.asc {
		g.asc = asc
		g.dropRanks()
	}
}
