package model

import (
	"cmp"
	"slices"
	"time"
)

// GroupOrder is the order of a grouping's rows.
type GroupOrder uint8

// Row orders.
const (
	// ByFlows ranks rows by flows, descending.
	ByFlows GroupOrder = iota
	// ByNewRate ranks rows by NEW/s, descending, then by flows: rows
	// that created no flow in the window follow, by flows. Reversed
	// (Groups.SetReversed), they come first, by flows ascending.
	ByNewRate
)

// TrackNew makes g count NEW/s per row over window (NewRateWindow when 0),
// from the batches' NEW events, or from the differences between dumps when
// the source sends none (nf_conntrack_events=0). Without it NewRate is
// never Known.
func (g *Groups) TrackNew(window time.Duration) {
	if window <= 0 {
		window = NewRateWindow
	}
	g.rates = &newRates{window: window, keys: NewRateKeys}
}

// NewWindow returns the window of NEW/s and how much of it has been
// measured since the grouping, its threshold or the filter changed.
func (g *Groups) NewWindow() (measured, window time.Duration) {
	if g.rates == nil {
		return 0, 0
	}
	var buf [newRateBuckets + 1]*rateBucket
	_, cover := g.rates.span(buf[:0])
	return min(cover, g.rates.window), g.rates.window
}

// NewRate returns the NEW/s of row k. A heavy hitter's leaves out the
// flows created under the rows listed beneath it, as its Flows does.
func (g *Groups) NewRate(k GroupKey) NewRate {
	if g.rates == nil {
		return NewRate{}
	}
	if !g.gr.IsAddr() {
		return g.rates.perSec(g.rates.counted(k, false))
	}
	n, exact, cover := g.rates.counted(asPrefix(k), true)
	if !g.auto() {
		return g.rates.perSec(n, exact, cover)
	}
	rows := g.heavyRows()
	for i := range rows {
		sub := &rows[i].Key
		if sub.Bits <= k.Bits || !k.Contains(sub.Family, sub.Addr) || g.underRow(rows, k, sub) {
			continue
		}
		m, ex, _ := g.rates.counted(*sub, true)
		n -= min(n, m)
		exact = exact && ex
	}
	return g.rates.perSec(n, exact, cover)
}

// asPrefix returns an address key as a prefix: a plain address as /32 or
// /128.
func asPrefix(k GroupKey) GroupKey {
	if k.Bits == 0 {
		k.Bits = uint8(AddrBits(k.Family))
	}
	return k
}

// AddrBits is the length of an address of family fam.
func AddrBits(fam uint8) int {
	if fam == IPv6 {
		return 128
	}
	return 32
}

// levelRanked returns the creations per row of an address grouping that
// is not Auto, summed from the counts of each family's level.
func (g *Groups) levelRanked() map[GroupKey]uint64 {
	var buf [newRateBuckets + 1]*rateBucket
	parts, _ := g.rates.span(buf[:0])
	sums := map[GroupKey]uint64{}
	for _, fam := range []uint8{IPv4, IPv6} {
		bits := g.gr.bits(fam)
		lv := levelFor(fam, uint8(familyBits(fam, bits)))
		for _, b := range parts {
			ss := b.ss[lv]
			if ss == nil {
				continue
			}
			for _, e := range ss.ents {
				k := e.key
				if g.gr.Bits4 == 0 {
					k.Bits = 0
				} else {
					k.Addr, k.Bits = maskAddr(k.Addr, bits), uint8(familyBits(fam, bits))
				}
				sums[k] += uint64(e.count)
			}
		}
	}
	return sums
}

// underRow reports whether another row lies between k and its sub-prefix
// sub.
func (g *Groups) underRow(rows []heavyRow, k GroupKey, sub *GroupKey) bool {
	for i := range rows {
		m := &rows[i].Key
		if m.Bits > k.Bits && m.Bits < sub.Bits && k.Contains(m.Family, m.Addr) && m.Contains(sub.Family, sub.Addr) {
			return true
		}
	}
	return false
}

// NewTotal returns the NEW/s of all the matched flows.
func (g *Groups) NewTotal() NewRate {
	if g.rates == nil {
		return NewRate{}
	}
	return g.rates.total()
}

// Order returns the order of the rows.
func (g *Groups) Order() GroupOrder { return g.order }

// SetOrder ranks the rows by flows or by NEW/s.
func (g *Groups) SetOrder(o GroupOrder) { g.order = o }

func (g *Groups) resetNew() {
	if g.rates != nil {
		g.rates.reset()
	}
}

// isRow reports whether k is a row now, and its flows.
func (g *Groups) isRow(k GroupKey) (int, bool) {
	if g.auto() {
		i := slices.IndexFunc(g.heavyRows(), func(r heavyRow) bool { return r.Key == k })
		if i < 0 {
			return 0, false
		}
		return g.heavy[i].Flows, true
	}
	g.ensure()
	i := g.idx.find(g.list, &k)
	if i < 0 {
		return 0, false
	}
	return int(g.list[i].flows), true
}

// ratedRow is a row that created flows in the window: its key, NEW/s
// count and flows, all a ranking by NEW/s compares.
type ratedRow struct {
	key   GroupKey
	rate  float64
	flows int
}

// rated returns the rows that created flows in the window, by NEW/s,
// then flows, descending (ascending when reversed), then key. It keeps
// only what it compares, so that ranking the some ten thousand keys NEW/s
// tracks neither copies their rows nor looks each up twice in a million
// groups (rowOf gives the rows shown).
func (g *Groups) rated() []ratedRow {
	if g.rates == nil {
		return nil
	}
	var rows []ratedRow
	if g.auto() {
		for _, r := range g.heavyRows() {
			if nr := g.NewRate(r.Key); nr.PerSec > 0 {
				rows = append(rows, ratedRow{r.Key, nr.PerSec, r.Flows})
			}
		}
	} else if g.gr.IsAddr() {
		for k, c := range g.levelRanked() {
			if flows, ok := g.isRow(k); ok && c > 0 {
				rows = append(rows, ratedRow{k, float64(c), flows})
			}
		}
	} else {
		for _, rk := range g.rates.rank() {
			if flows, ok := g.isRow(rk.key); ok && rk.count > 0 {
				rows = append(rows, ratedRow{rk.key, float64(rk.count), flows})
			}
		}
	}
	asc := g.asc
	slices.SortFunc(rows, func(a, b ratedRow) int {
		c := cmp.Compare(b.rate, a.rate)
		if c == 0 {
			c = cmp.Compare(b.flows, a.flows)
		}
		if asc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return compareGroupKeys(&a.key, &b.key)
	})
	return rows
}

func (g *Groups) rowOf(k GroupKey) Group {
	if g.auto() {
		for _, r := range g.heavyRows() {
			if r.Key == k {
				return r.Group
			}
		}
		return Group{}
	}
	return g.list[g.idx.find(g.list, &k)].row(&g.mixes)
}

// topByNew is Top in the ByNewRate order: the rows that created flows in
// the window (rated), then the others by flows; reversed, the others by
// flows ascending, then the rated ones, fewest NEW/s first.
func (g *Groups) topByNew(offset, n int, dst []Group) []Group {
	rated := g.rated()
	total := g.Len()
	offset = max(offset, 0)
	hi := min(offset+n, total)
	var seen map[GroupKey]bool
	if len(rated) > 0 {
		seen = make(map[GroupKey]bool, len(rated))
		for _, r := range rated {
			seen[r.key] = true
		}
	}
	// The rated rows are at ranks [ra, ra+len(rated)), the others at
	// [ua, ua+rest).
	rest := total - len(rated)
	ra, ua := 0, len(rated)
	if g.asc {
		ra, ua = rest, 0
	}
	addRated := func() {
		for r := max(offset, ra); r < min(hi, ra+len(rated)); r++ {
			dst = append(dst, g.rowOf(rated[r-ra].key))
		}
	}
	addRest := func() {
		if lo, h := max(offset, ua), min(hi, ua+rest); lo < h {
			dst = g.byFlows(lo-ua, h-lo, seen, dst)
		}
	}
	if g.asc {
		addRest()
		addRated()
	} else {
		addRated()
		addRest()
	}
	return dst
}
