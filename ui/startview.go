package ui

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/tuning"
)

// StartView is the view cttop starts in.
type StartView uint8

// Start views.
const (
	// StartFlows starts in the flows view (the zero value).
	StartFlows StartView = iota
	// StartTop starts in the top view.
	StartTop
	// StartAuto starts in the flows view, and lands in the top view by
	// the grouping that concentrates the flows when the table is under
	// pressure at start (model.PressureFill full when the first dump
	// ends, or the kernel dropping within the first second), unless a key
	// was pressed first.
	StartAuto
)

var startViewNames = [...]string{"flows", "top", "auto"}

func (v StartView) String() string { return startViewNames[v] }

// ParseStartView reads a --start-view value: flows, top or auto.
func ParseStartView(s string) (StartView, error) {
	for i, n := range startViewNames {
		if s == n {
			return StartView(i), nil
		}
	}
	return 0, fmt.Errorf("unknown start view %q (want %s)", s, strings.Join(startViewNames[:], ", "))
}

// dropWindow is how long after the first statistics drops still decide
// the start view.
const dropWindow = time.Second

// startState is the automatic start view's decision, made once.
type startState struct {
	pending bool      // still deciding: no key yet, no decision
	since   time.Time // the batch of the first valid statistics
	drops0  uint64    // drop + early_drop then
}

// decideStart lands where the answer is when the table is under pressure
// at start: once the first dump is complete, a table at least
// model.PressureFill full switches at once; otherwise drops that rise
// within dropWindow of the first statistics do. Later pressure changes
// nothing: the view never moves under the user.
func (m *Model) decideStart(b *model.Batch) {
	s := &m.start
	if !s.pending {
		return
	}
	st, info := m.table.Stats(), m.table.Info()
	if !st.Valid {
		if info.Kind != "" && !info.Loading {
			s.pending = false // a source without statistics: no pressure to see
		}
		return
	}
	drops := st.Drop + st.EarlyDrop
	if s.since.IsZero() || b.Time.Before(s.since) {
		s.since, s.drops0 = b.Time, drops
	}
	if info.Loading {
		return // the fill is not known before the dump ends
	}
	full := st.Max > 0 && float64(st.Count) >= model.PressureFill*float64(st.Max)
	dropping := drops > s.drops0
	elapsed := b.Time.Sub(s.since)
	switch {
	case full || dropping:
		s.pending = false
		m.landOnPressure(full, dropping)
	case elapsed >= dropWindow:
		s.pending = false
	}
}

// landOnPressure switches to the top view by the grouping that
// concentrates the flows and says why in the status line, with the key
// that acts.
func (m *Model) landOnPressure(full, dropping bool) {
	c := chooseStart(m.table, m.filter, m.cfg.Actions != nil)
	if c.gr != m.groups.Grouping() {
		m.groups.SetGrouping(c.gr)
		clear(m.groupTags)
	}
	m.view, m.top = viewTop, topState{}
	var why []string
	if full {
		st := m.table.Stats()
		why = append(why, pct(float64(st.Count)/float64(st.Max))+" full")
	}
	if dropping {
		why = append(why, "dropping")
	}
	// The key first: a narrow status line shortens the end.
	m.status = c.why + "; table " + strings.Join(why, ", ")
	m.refresh()
}

// startChoice is where cttop lands under pressure and what it says.
type startChoice struct {
	gr  model.Grouping
	why string
}

// startSample bounds the flows chooseStart reads: every n-th slot, so a
// million-flow table costs what 65,536 flows do. Shares of a few percent
// and more, the only ones that decide, are estimated within a percent.
const startSample = 1 << 16

// Thresholds of chooseStart: a source stands out at 10% of the flows (or
// three at 30%), a prefix at 30%, a service or a state at 50%.
const (
	startSourceShare  = 0.10
	startTop3Share    = 0.30
	startPrefixShare  = 0.30
	startServiceShare = 0.50
)

// chooseStart finds the grouping that concentrates the flows the filter
// matches: a few sources (block them), a prefix (src/auto: many sources
// of one network), one service (a flood from everywhere: protect it), one
// state (old flows fill the table: tune the timeouts); by source when
// none stands out.
func chooseStart(t *model.Table, f *filter.Filter, canAct bool) startChoice {
	srcs := map[netip.Addr]int{}
	nets := map[netip.Prefix]int{}
	svcs := map[[2]uint16]int{}
	states := map[string]int{}
	n := 0
	step := max(1, int(t.Slots())/startSample)
	for s := int32(0); s < t.Slots(); s += int32(step) {
		fl := t.At(s)
		if fl.Family == 0 || (f != nil && !f.Match(fl, t.ExtAt(s))) {
			continue
		}
		n++
		a := fl.Orig.Src.In(fl.Family)
		srcs[a]++
		bits := []int{16, 24}
		if a.Is6() {
			bits = []int{32, 48, 64}
		}
		for _, b := range bits {
			if p, err := a.Prefix(b); err == nil {
				nets[p]++
			}
		}
		port := uint16(0)
		if model.HasPorts(fl.Proto) {
			port = fl.Orig.DstPort
		}
		svcs[[2]uint16{uint16(fl.Proto), port}]++
		states[format.State(fl)]++
	}
	if n == 0 {
		return startChoice{model.Plain(model.BySrc), "no flows to rank"}
	}
	share := func(c int) float64 { return float64(c) / float64(n) }
	top := topCounts(srcs, 3)
	top3 := 0
	for _, e := range top {
		top3 += e.n
	}
	second := 0
	if len(top) > 1 {
		second = top[1].n
	}
	switch {
	case share(top[0].n) >= startSourceShare && tuning.StandsOut(top[0].n, second):
		if !canAct { // say what would help, offering no key that cannot act
			return startChoice{model.Plain(model.BySrc), top[0].k.String() + " makes " + pct(share(top[0].n)) +
				" of flows: blocking it would help"}
		}
		return startChoice{model.Plain(model.BySrc), "b blocks " + top[0].k.String() + ", " + pct(share(top[0].n)) +
			" of flows; space tags more"}
	case share(top[0].n) >= startSourceShare || share(top3) >= startTop3Share:
		// Busy sources alike (a load test, a proxy tier): no offender.
		return startChoice{model.Plain(model.BySrc), fmt.Sprintf("%d sources make %s of flows in like shares, none stands out: T advises",
			len(top), pct(share(top3)))}
	}
	if p, ok := narrowest(nets, startPrefixShare*float64(n)); ok {
		// src/auto lists the most specific prefixes that stand out.
		return startChoice{model.Grouping{By: model.BySrc, Auto: true}, "enter lists " + p.String() + ", " +
			pct(share(nets[p])) + " of flows from " + format.Commas(uint64(len(srcs))) + " sources"}
	}
	if sv := topCounts(svcs, 1); share(sv[0].n) >= startServiceShare {
		name := model.ProtoName(uint8(sv[0].k[0]))
		if model.HasPorts(uint8(sv[0].k[0])) {
			name += "/" + fmt.Sprint(sv[0].k[1])
		}
		return startChoice{model.Plain(model.ByDport), "T for advice: " + name + " gets " + pct(share(sv[0].n)) +
			" of flows from " + format.Commas(uint64(len(srcs))) + " sources"}
	}
	if st := topCounts(states, 1); share(st[0].n) >= startServiceShare {
		return startChoice{model.Plain(model.ByState), "T for tuning advice: " + st[0].k + " holds " +
			pct(share(st[0].n)) + " of flows"}
	}
	return startChoice{model.Plain(model.BySrc), "no source stands out: 3 groups by service, T advises"}
}

// pct writes a share as a whole percentage: 60%.
func pct(share float64) string { return fmt.Sprintf("%.0f%%", 100*share) }

// counted is a key and its count.
type counted[K comparable] struct {
	k K
	n int
}

// topCounts returns the n largest counts, largest first (ties by nothing
// in particular: the shares decide, not the order of equals).
func topCounts[K comparable](m map[K]int, n int) []counted[K] {
	out := make([]counted[K], 0, n+1)
	for k, c := range m {
		i := len(out)
		for i > 0 && out[i-1].n < c {
			i--
		}
		if i >= n {
			continue
		}
		out = append(out, counted[K]{})
		copy(out[i+1:], out[i:])
		out[i] = counted[K]{k, c}
		out = out[:min(len(out), n)]
	}
	if len(out) == 0 {
		out = append(out, counted[K]{})
	}
	return out
}

// narrowest returns the longest prefix counted at least least times, the
// busier of two as long.
func narrowest(nets map[netip.Prefix]int, least float64) (netip.Prefix, bool) {
	var best netip.Prefix
	found := false
	for p, c := range nets {
		if float64(c) < least {
			continue
		}
		if !found || p.Bits() > best.Bits() || p.Bits() == best.Bits() && c > nets[best] {
			best, found = p, true
		}
	}
	return best, found
}
