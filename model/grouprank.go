package model

import (
	"slices"
	"sort"
)

// The ranking of a grouping's rows by flows is kept up to date as the
// groups change, so that a frame does not rank a million groups to show
// forty: g.top holds, in order, the best len(g.top) groups (every group
// outside it ranks below its last), or every group (topAll). A change
// moves its group within g.top, into it when it now ranks above the last,
// or out of it; only when fewer groups are ranked than a view asks for
// does rank rank them all again, twice as deep as asked.

// rankSlack is the least number of ranks kept beyond the depth asked for.
const rankSlack = 64

func (g *Groups) inTop(i int32) bool {
	w := int(i >> 6)
	return w < len(g.topSet) && g.topSet[w]&(1<<(i&63)) != 0
}

func (g *Groups) setInTop(i int32, on bool) {
	w := int(i >> 6)
	if w >= len(g.topSet) {
		g.topSet = append(g.topSet, make([]uint64, w+1-len(g.topSet)+len(g.topSet)/4)...)
	}
	if on {
		g.topSet[w] |= 1 << (i & 63)
	} else {
		g.topSet[w] &^= 1 << (i & 63)
	}
}

// dropFromTop takes group i out of the ranking if it is in it.
func (g *Groups) dropFromTop(i int32) {
	if !g.inTop(i) {
		return
	}
	if p := slices.Index(g.top, i); p >= 0 {
		g.top = slices.Delete(g.top, p, p+1)
	}
	g.setInTop(i, false)
}

// noteChanged follows a change of group i's flows (or a new group i).
func (g *Groups) noteChanged(i int32) {
	if !g.topOK {
		return
	}
	g.dropFromTop(i)
	n := len(g.top)
	if !g.topAll && (n == 0 || compareGroups(&g.list[i], &g.list[g.top[n-1]]) >= 0) {
		return // ranks below every ranked group: stays out
	}
	p := sort.Search(n, func(j int) bool { return compareGroups(&g.list[g.top[j]], &g.list[i]) > 0 })
	g.top = slices.Insert(g.top, p, i)
	g.setInTop(i, true)
	if len(g.top) > g.topCap {
		g.setInTop(g.top[len(g.top)-1], false)
		g.top = g.top[:len(g.top)-1]
		g.topAll = false
	}
}

// noteGone follows the removal of group i (before another takes its index).
func (g *Groups) noteGone(i int32) {
	if g.topOK {
		g.dropFromTop(i)
	}
}

// noteMoved follows group from moving to index to.
func (g *Groups) noteMoved(from, to int32) {
	if !g.topOK || !g.inTop(from) {
		return
	}
	if p := slices.Index(g.top, from); p >= 0 {
		g.top[p] = to
	}
	g.setInTop(from, false)
	g.setInTop(to, true)
}

// rank makes g.top hold at least the first min(depth, Len) ranks in order.
func (g *Groups) rank(depth int) {
	g.ensure()
	depth = min(max(depth, 0), len(g.list))
	if g.topOK && (g.topAll || len(g.top) >= depth) {
		return
	}
	for _, i := range g.top {
		g.setInTop(i, false)
	}
	want := min(len(g.list), max(2*depth, depth+rankSlack))
	g.rankFull(want)
	g.topAll = want == len(g.list)
	g.topCap = max(2*want, rankSlack)
	for _, i := range g.top {
		g.setInTop(i, true)
	}
	g.topOK = true
}

// rankFull sets g.top to the first depth ranks, from scratch.
func (g *Groups) rankFull(depth int) {
	less := func(a, b int32) int { return compareGroups(&g.list[a], &g.list[b]) }
	g.top = g.top[:0]
	if depth*4 >= len(g.list) {
		for i := range g.list {
			g.top = append(g.top, int32(i))
		}
		slices.SortFunc(g.top, less)
		g.top = g.top[:depth]
		return
	}
	// A bounded heap whose root is the worst of the best depth so far.
	h := g.top
	for i := range g.list {
		x := int32(i)
		if len(h) < depth {
			h = append(h, x)
			for j := len(h) - 1; j > 0; {
				p := (j - 1) / 2
				if less(h[p], h[j]) >= 0 {
					break
				}
				h[p], h[j] = h[j], h[p]
				j = p
			}
			continue
		}
		if depth == 0 || less(x, h[0]) >= 0 {
			continue
		}
		h[0] = x
		for j := 0; ; {
			c := 2*j + 1
			if c >= len(h) {
				break
			}
			if c+1 < len(h) && less(h[c+1], h[c]) > 0 {
				c++
			}
			if less(h[j], h[c]) >= 0 {
				break
			}
			h[j], h[c] = h[c], h[j]
			j = c
		}
	}
	slices.SortFunc(h, less)
	g.top = h
}
