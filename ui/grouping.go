package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// applyGrouping groups the top view by gr, forgetting the cursor and the
// tagged rows when it changes, and shows the top view.
func (m *Model) applyGrouping(gr model.Grouping) {
	if gr != m.groups.Grouping() {
		m.groups.SetGrouping(gr)
		m.top = topState{}
		clear(m.groupTags)
	}
	m.view = viewTop
	m.refresh()
}

// groupingKey handles 6 (heavy-hitter prefixes of the sources, or of the
// destinations when grouped by them), [ and ] (a wider or narrower
// prefix) and + and - (the heavy-hitter threshold).
func (m *Model) groupingKey(msg tea.KeyPressMsg) {
	k := &m.keys
	gr := m.groups.Grouping()
	switch {
	case key.Matches(msg, k.GroupAuto):
		by := model.BySrc
		if gr.By == model.ByDst {
			by = model.ByDst
		}
		m.applyGrouping(model.Grouping{By: by, Auto: true})
		m.status = "prefixes with " + model.ShareText(m.groups.Share()) + "+ of flows (+ - change it)"
	case key.Matches(msg, k.Widen, k.Narrow):
		switch {
		case gr.Auto:
			// Heavy prefixes find their own lengths: [ and ] have no
			// length to change, and say what does.
			m.status = "heavy prefixes find their own lengths: + - change the threshold; [ ] change a fixed prefix (1 [ for src/24)"
			return
		case !gr.IsAddr():
			m.status = "[ and ] change the prefix of a grouping by source (1) or destination (2)"
			return
		}
		next, ok := gr.Widen()
		if key.Matches(msg, k.Narrow) {
			next, ok = gr.Narrow()
		}
		if !ok {
			m.status = "the prefix is already as " + map[bool]string{true: "narrow", false: "wide"}[key.Matches(msg, k.Narrow)] +
				" as it goes (IPv4 /8 to /32, IPv6 /16 to /128)"
			return
		}
		m.applyGrouping(next)
		m.status = "grouped by " + groupingTitle(next)
	case key.Matches(msg, k.ShareUp, k.ShareDown):
		share := model.StepShare(m.groups.Share(), key.Matches(msg, k.ShareUp))
		m.groups.SetShare(share)
		m.verdict.SetShare(share)
		m.top = topState{}
		m.refresh()
		m.status = "heavy prefixes hold at least " + model.ShareText(share) + " of the flows"
		if !gr.Auto {
			m.status += " (src/auto, key 6, and the verdict)"
		}
	}
}

// groupingTitle names a grouping for the status line: "src /24 (IPv6
// /64)", "dst/auto", "dport".
func groupingTitle(gr model.Grouping) string {
	if gr.IsPrefix() {
		return gr.By.String() + " " + gr.Lengths()
	}
	return gr.String()
}

// toggleTopOrder ranks the top view's rows by flows or by NEW/s, in the
// same direction.
func (m *Model) toggleTopOrder() {
	if m.groups.Order() == model.ByFlows {
		m.groups.SetOrder(model.ByNewRate)
	} else {
		m.groups.SetOrder(model.ByFlows)
	}
	m.status = m.topOrderText()
	m.top.moved = false
	m.refresh()
}

// reverseTop reverses the top view's order, as r reverses the flows
// view's: fewest flows (or NEW/s) first, and back.
func (m *Model) reverseTop() {
	m.groups.SetReversed(!m.groups.Reversed())
	m.status = m.topOrderText()
	m.top.moved = false
	m.refresh()
}

// topOrderText says how the top view's rows are ranked, for the status
// line.
func (m *Model) topOrderText() string {
	rev := m.groups.Reversed()
	switch {
	case m.groups.Order() == model.ByFlows && rev:
		return "sorted by flows, fewest first (r reverses)"
	case m.groups.Order() == model.ByFlows:
		return "sorted by flows"
	case rev:
		return "sorted by NEW/s, fewest first (r reverses)"
	}
	return "sorted by NEW/s: the rows creating flows now first"
}

// newRateText is a row's NEW/s: "-" when unknown (a replay, or less than
// a second measured), "~12" for a Space-Saving estimate.
func newRateText(r model.NewRate) string {
	if !r.Known {
		return "-"
	}
	t := format.Rate(r.PerSec)
	if !r.Exact {
		t = "~" + t
	}
	return t
}
