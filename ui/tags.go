package ui

import (
	"github.com/cttop/cttop/format"
)

// tagLimit is the most rows * tags at once: every tag is checked against
// the table each frame, and a million of them would cost a frame its
// time. D deletes every matching flow however many there are.
const tagLimit = 100_000

// tagFlow toggles the tag of the selected flow and moves down, so a run of
// space presses tags a run of rows.
func (m *Model) tagFlow() {
	if m.list.Len() == 0 {
		m.status = "no flow here to tag"
		return
	}
	if _, ok := m.tags[m.sel]; ok {
		delete(m.tags, m.sel)
	} else {
		m.tags[m.sel] = struct{}{}
	}
	m.move(1)
}

// tagGroup toggles the tag of the selected top row and moves down.
func (m *Model) tagGroup() {
	if !m.top.hasSel {
		m.status = "no row here to tag"
		return
	}
	if _, ok := m.groupTags[m.top.sel]; ok {
		delete(m.groupTags, m.top.sel)
	} else {
		m.groupTags[m.top.sel] = struct{}{}
	}
	m.topMove(1)
}

// pruneTags forgets tagged flows that have ended.
func (m *Model) pruneTags() {
	for k := range m.tags {
		if m.table.Find(k) < 0 {
			delete(m.tags, k)
		}
	}
}

// tagCount is the number of tagged rows the header reports.
func (m *Model) tagCount() int { return len(m.tags) + len(m.groupTags) }

// tagAll (*) tags every row the filter matches: in the flows view its
// flows, in the top view its rows (each row's flows), as they are now,
// up to tagLimit; the status line says how many.
func (m *Model) tagAll() {
	what := ""
	if f := m.filterText(); f == "" {
		what = "no filter: every flow"
	} else {
		what = "'" + f + "'"
	}
	if m.view == viewTop {
		if counting, _ := m.groups.Counting(); counting {
			m.status = "wait: the groups are still being counted"
			return
		}
		n := m.groups.Len()
		for _, g := range m.groups.Top(0, min(n, tagLimit), nil) {
			m.groupTags[g.Key] = struct{}{}
		}
		m.status = m.tagReport(len(m.groupTags), n, "row", what)
		return
	}
	n := 0
	for s := int32(0); s < m.table.Slots(); s++ {
		f := m.table.At(s)
		if f.Family == 0 || !m.filter.Match(f, m.table.ExtAt(s)) {
			continue
		}
		n++
		if len(m.tags) < tagLimit {
			m.tags[f.Key()] = struct{}{}
		}
	}
	m.status = m.tagReport(len(m.tags), n, "flow", what)
}

// tagReport says what * tagged: "tagged 10,000 flows matching 'port 80'";
// when the limit left some out, how many match, and D where it acts (no
// screen offers an action key without actions).
func (m *Model) tagReport(tagged, matching int, unit, what string) string {
	s := "tagged " + format.Plural(tagged, unit) + " matching " + what
	if tagged < matching {
		all := "D deletes all " + format.Commas(uint64(matching))
		if m.cfg.Actions == nil {
			all = format.Commas(uint64(matching)) + " match"
		}
		s += " (" + format.Commas(uint64(tagged)) + " at most; " + all + ")"
	}
	return s
}

// clearTags (U) untags every row, flows and top rows.
func (m *Model) clearTags() {
	n := m.tagCount()
	clear(m.tags)
	clear(m.groupTags)
	m.status = "untagged " + format.Plural(n, "row")
}
