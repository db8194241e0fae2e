package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// DefaultShare is the heavy-hitter threshold of an Auto grouping: 5% of
// the matched flows.
const DefaultShare = 0.05

// Shares a heavy-hitter threshold may take, from 0.1% to 50%.
const (
	MinShare = 0.001
	MaxShare = 0.5
)

// shareSteps are the thresholds RaiseShare and LowerShare step through.
var shareSteps = []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5}

// ParseShare parses a heavy-hitter threshold in percent ("5", "5%", "0.5"),
// from 0.1% to 50%.
func ParseShare(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || !(v/100 >= MinShare-1e-12 && v/100 <= MaxShare+1e-12) { // NaN fails both
		return 0, fmt.Errorf("%q: want a percentage from %g to %g", s, 100*MinShare, 100*MaxShare)
	}
	return v / 100, nil
}

// ShareText formats a threshold as ParseShare reads it: "5%", "0.5%".
func ShareText(share float64) string {
	return strconv.FormatFloat(100*share, 'f', -1, 64) + "%"
}

// StepShare returns the next threshold of a fixed series above (up true)
// or below share, or share at the end of the series.
func StepShare(share float64, up bool) float64 {
	if up {
		for _, s := range shareSteps {
			if s > share*(1+1e-9) {
				return s
			}
		}
		return share
	}
	for i := len(shareSteps) - 1; i >= 0; i-- {
		if shareSteps[i] < share*(1-1e-9) {
			return shareSteps[i]
		}
	}
	return share
}

// Share returns the heavy-hitter threshold of Auto groupings.
func (g *Groups) Share() float64 {
	if g.share == 0 {
		return DefaultShare
	}
	return g.share
}

// SetShare sets the heavy-hitter threshold of Auto groupings, a share of
// the matched flows (clamped to MinShare..MaxShare).
//
// An Auto grouping lists the hierarchical heavy hitters (HHH) of the
// addresses at its end of the flows: the most specific prefixes, from /8
// to /32 (IPv4) and /16 to /128 (IPv6) at any length and never wider, that
// each hold at least share of the matched flows once the flows of the
// heavy hitters listed beneath them are discounted. A row's Flows is that
// conditioned count; Groups.Total gives all the flows under its prefix.
// This is the definition of Cormode, Korn, Muthukrishnan and Srivastava,
// "Finding Hierarchical Heavy Hitters in Data Streams" (VLDB 2003) and
// "Finding hierarchical heavy hitters in streaming data" (ACM TKDD 2008),
// with the discounting ("overlap") rule, computed exactly here over the
// table's flows; Mitzenmacher, Steinke and Thaler, "Hierarchical Heavy
// Hitters with the Space Saving Algorithm" (ALENEX 2012) give the
// streaming variant that the Verdict uses on new flows.
func (g *Groups) SetShare(share float64) {
	share = min(max(share, MinShare), MaxShare)
	if share != g.Share() {
		g.share, g.heavyDirty = share, true
	}
}

// auto reports whether g lists heavy hitters.
func (g *Groups) auto() bool { return g.gr.Auto && g.gr.IsAddr() }

// endAddr is the address a grouping by addresses keys flow f by.
func endAddr(by GroupBy, f *Flow) Addr {
	if by == ByDst {
		return f.Orig.Dst
	}
	return f.Orig.Src
}

// addAuto counts (d 1) or uncounts (d -1) flow f in the trie, and in the
// state mix of its row when that is summed already.
func (g *Groups) addAuto(f *Flow, c *Counters, d int) {
	a := endAddr(g.gr.By, f)
	row := int32(-1)
	if d > 0 {
		row = g.trie.add(f.Family, a, f, c)
	} else {
		ok, r, gone := g.trie.remove(f.Family, a, f, c)
		if !ok {
			return
		}
		if row = r; gone {
			// A row's node went: the rows change, and which flows
			// each holds; they are summed again.
			clear(g.details)
			row = -1
		}
	}
	g.matched += d
	g.heavyDirty = true
	if row >= 0 {
		if det := g.details[row]; det != nil {
			det.account(f, c, d)
		}
	}
}

// account adds (d 1) or removes (d -1) flow f with counters c to a row's
// sum, as a tally counts it.
func (gr *Group) account(f *Flow, c *Counters, d int) {
	gr.Flows += d
	s, _ := f.State()
	gr.Mix.Add(s, int32(d))
	if f.Attrs&HasCounters == 0 {
		return
	}
	gr.Counted += d
	if d > 0 {
		gr.Bytes += c.Bytes()
		gr.Packets += c.Packets()
	} else {
		gr.Bytes -= min(gr.Bytes, c.Bytes())
		gr.Packets -= min(gr.Packets, c.Packets())
	}
}

// resetAuto empties the trie for a rebuild.
func (g *Groups) resetAuto() {
	if g.trie == nil {
		g.trie = newPrefixTrie(true)
	}
	g.trie.reset()
	g.heavyDirty = true
	g.rowNodes = g.rowNodes[:0]
	clear(g.details)
}

// heavyRows returns the heavy hitters in the ranking's order: largest
// conditioned count first (last when reversed).
func (g *Groups) heavyRows() []heavyRow {
	g.ensure()
	if !g.heavyDirty {
		if g.heavyAsc != g.asc {
			g.sortHeavy()
		}
		return g.heavy
	}
	prev := g.prevRows[:0]
	for _, r := range g.heavy {
		prev = append(prev, rowRef{r.node, r.Key})
	}
	g.prevRows = prev
	g.heavy = g.trie.heavy(g.gr.By, g.Share()*float64(g.matched), g.heavy[:0])
	g.sortHeavy()
	g.syncRows(prev)
	g.heavyDirty = false
	g.sumDetails()
	return g.heavy
}

// rowRef is a heavy-hitter row as the last ranking had it.
type rowRef struct {
	node int32
	key  GroupKey
}

// syncRows marks the nodes of the heavy hitters in the trie and drops the
// sums of the rows whose flows changed with the rows: a row that came,
// and the row above each row that came or went (its conditioned flows
// shrank or grew by that row's).
func (g *Groups) syncRows(prev []rowRef) {
	nodes := g.trie.nodes
	for _, n := range g.rowNodes {
		if int(n) < len(nodes) {
			nodes[n].row = false
		}
	}
	g.rowNodes = g.rowNodes[:0]
	for _, r := range g.heavy {
		nodes[r.node].row = true
		g.rowNodes = append(g.rowNodes, r.node)
	}
	if g.details == nil {
		g.details = map[int32]*Group{}
	}
	above := func(k GroupKey) {
		if n := g.trie.rowAbove(k.Family, k.Addr, prefixBits(k.Family, int(k.Bits))); n >= 0 {
			delete(g.details, n)
		}
	}
	was := make(map[int32]GroupKey, len(prev))
	for _, p := range prev {
		was[p.node] = p.key
		if i, ok := g.heavyAt[p.node]; !ok || g.heavy[i].Key != p.key {
			delete(g.details, p.node)
			above(p.key)
		}
	}
	for _, r := range g.heavy {
		if k, ok := was[r.node]; !ok || k != r.Key {
			delete(g.details, r.node)
			above(r.Key)
		}
	}
	for n := range g.details {
		if _, ok := g.heavyAt[n]; !ok {
			delete(g.details, n)
		}
	}
}

// sumDetails gives the rows their state mix and counters: those summed
// before, kept up to date by every change since (addAuto), and, while
// the bound of SetDetailLimit allows, the others, each summed whole over
// its addresses.
func (g *Groups) sumDetails() {
	budget := g.detailLimit
	if budget <= 0 {
		budget = g.trie.leaves
	}
	g.detailPending = false
	for i := range g.heavy {
		r := &g.heavy[i]
		det := g.details[r.node]
		if det != nil && det.Flows != r.Flows {
			det = nil // a sum that disagrees is summed again, never shown
		}
		if det == nil && budget > 0 {
			det = &Group{}
			budget -= g.trie.detail(r.node, det)
			g.details[r.node] = det
		}
		r.detailed = det != nil
		if !r.detailed {
			g.detailPending = true
			continue
		}
		key := r.Key
		r.Group = *det
		r.Key = key
	}
}

// sortHeavy puts the heavy hitters in the ranking's order and indexes
// their nodes.
func (g *Groups) sortHeavy() {
	asc := g.asc
	slices.SortFunc(g.heavy, func(a, b heavyRow) int { return compareRanked(&a.Group, &b.Group, asc) })
	g.heavyAsc = asc
	if g.heavyAt == nil {
		g.heavyAt = map[int32]int{}
	}
	clear(g.heavyAt)
	for i, r := range g.heavy {
		g.heavyAt[r.node] = i
	}
}

// SetDetailLimit bounds the addresses whose state mix and counters are
// summed afresh for the rows of an Auto grouping in one ranking (0: no
// bound). A row is summed whole once, when it becomes a row (or the rows
// beneath it change), and kept up to date by each change after; a row
// beyond the bound has its Flows only (Detailed false) until MoreDetail
// sums it.
func (g *Groups) SetDetailLimit(addrs int) { g.detailLimit = addrs }

// DetailPending reports whether some row of an Auto grouping still waits
// for its state mix and counters (SetDetailLimit); MoreDetail sums more.
func (g *Groups) DetailPending() bool { return g.auto() && g.valid && g.detailPending }

// MoreDetail sums the state mix of more of the rows that wait for it,
// within the bound of SetDetailLimit.
func (g *Groups) MoreDetail() {
	if g.DetailPending() && !g.heavyDirty {
		g.sumDetails()
	}
}

// Detailed reports whether row k has its state mix and counters; only the
// rows of an Auto grouping may lack them (SetDetailLimit).
func (g *Groups) Detailed(k GroupKey) bool {
	if !g.auto() {
		return true
	}
	for _, r := range g.heavyRows() {
		if r.Key == k {
			return r.detailed
		}
	}
	return false
}

// Total returns the flows under key k: for a heavy-hitter row all the
// flows under its prefix, those of the rows listed beneath it included;
// for other rows their Flows. It returns 0 for a key that is not a row.
func (g *Groups) Total(k GroupKey) int {
	if g.auto() {
		for _, r := range g.heavyRows() {
			if r.Key == k {
				return r.total
			}
		}
		return 0
	}
	g.ensure()
	if i := g.idx.find(g.list, &k); i >= 0 {
		return int(g.list[i].flows)
	}
	return 0
}

// Addresses returns the number of distinct addresses the matched flows
// have at the grouping's end (source or destination), for an Auto
// grouping; -1 for others.
func (g *Groups) Addresses() int {
	if !g.auto() {
		return -1
	}
	g.ensure()
	return g.trie.leaves
}

// KeyOf returns the row flow f belongs to: its key for the grouping, for
// an Auto grouping the longest heavy-hitter prefix holding its address. It
// reports false when f is under no row (Auto only).
func (g *Groups) KeyOf(f *Flow) (GroupKey, bool) {
	if !g.auto() {
		return groupKeyOf(&g.gr, f), true
	}
	rows := g.heavyRows()
	if i := g.trie.deepest(f.Family, endAddr(g.gr.By, f), g.heavyAt); i >= 0 {
		return rows[i].Key, true
	}
	return GroupKey{}, false
}

// touchBlock is how many changes' paths touchAuto loads at once.
const touchBlock = 16

// touchAuto loads the trie paths of the addresses of a block of changes,
// one level of every path per round, so that their cache misses overlap
// instead of following one another down each path (a million distinct
// addresses make paths of some twenty nodes, most of them out of cache).
func (g *Groups) touchAuto(block []Change) {
	var cur [2 * touchBlock]int32
	var as [2 * touchBlock]Addr
	n := 0
	for i := range block {
		c := &block[i]
		if c.Had {
			as[n], cur[n] = endAddr(g.gr.By, &c.Old), g.trie.root[famRoot(c.Old.Family)]
			n++
		}
		if f := g.t.At(c.Slot); f.Family != 0 {
			as[n], cur[n] = endAddr(g.gr.By, f), g.trie.root[famRoot(f.Family)]
			n++
		}
	}
	g.trie.touch(cur[:n], as[:n])
}
