package ui

import (
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/model"
)

// The status line's message and what it describes. A message set by a
// key describes the screen as that key left it ("sorted by NEW/s",
// "grouped by src /24", "tagged 10 flows matching 'port 80'"): it goes
// when the screen it describes changes (another view, grouping, order,
// threshold, filter or table), unless the change brought a message of
// its own. A message that reports an outcome (flows deleted, rules
// applied, a file saved) or a condition of the whole session (where the
// metrics are served, no system log) is kept: it stays until the next
// message replaces it.

// screenContext is what a message set by a key may describe.
type screenContext struct {
	view     viewKind
	grouping model.Grouping
	order    model.GroupOrder
	reversed bool
	share    float64
	sort     model.Column
	desc     bool
	filter   *filter.Filter
	table    *model.Table
}

// screenNow returns the screen's context as it is now.
func (m *Model) screenNow() screenContext {
	c, desc := m.list.Sort()
	return screenContext{view: m.view, grouping: m.groups.Grouping(), order: m.groups.Order(), reversed: m.groups.Reversed(), share: m.groups.Share(),
		sort: c, desc: desc, filter: m.filter, table: m.table}
}

// keepStatus sets a message that stays when the screen changes: an
// outcome or a condition of the session, not a description of the view.
func (m *Model) keepStatus(s string) {
	m.status, m.statusKeep = s, true
}

// settleStatus runs after each message the program handles, given the
// status line's message before it and whether that one was kept: a
// message the handler did not replace keeps its kind, and one that
// described the screen goes when the screen changed.
func (m *Model) settleStatus(before string, kept bool) {
	if m.status == before && !m.statusKeep {
		m.statusKeep = kept
	}
	now := m.screenNow()
	if now == m.screen {
		return
	}
	if m.status == before && !m.statusKeep {
		m.status, m.statusBrief = "", false
	}
	m.screen = now
}
