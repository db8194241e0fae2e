package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/model"
)

// Browsing the flows and top views: their keys, moving the selection,
// sorting, pausing, switching views and groupings (ui.go has the model,
// its update loop and its frame).

// browseKey handles the keys of the flows and top views.
func (m *Model) browseKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	if cmd, ok := m.actionKey(msg); ok {
		return cmd
	}
	if cmd, ok := m.hostBrowseKey(msg); ok {
		return cmd
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.enter(modeHelp)
	case key.Matches(msg, k.Filter):
		return m.openPrompt()
	case key.Matches(msg, k.SwitchView):
		m.switchView()
	case key.Matches(msg, k.Pause):
		m.togglePause()
	case key.Matches(msg, k.Tune):
		return m.openTune()
	case key.Matches(msg, k.GroupSrc, k.GroupDst, k.GroupDport, k.GroupState, k.GroupProto):
		m.setGroup(msg)
	case key.Matches(msg, k.GroupAuto, k.Widen, k.Narrow, k.ShareUp, k.ShareDown):
		m.groupingKey(msg)
	case key.Matches(msg, k.Verdict):
		return m.actOnVerdict()
	case m.view == viewTop:
		if !m.topKey(msg) {
			m.unknownKey(msg, "in the top view")
		}
	default:
		if !m.flowsKey(msg) {
			m.unknownKey(msg, "in the flows view")
		}
	}
	return nil
}

// flowsKey handles the keys of the flows view; it reports whether msg was
// one of them.
func (m *Model) flowsKey(msg tea.KeyPressMsg) bool {
	k := &m.keys
	home := func() { m.atTop = true; m.refresh() }
	if m.navigate(msg, m.move, home, m.list.Len()) {
		return true
	}
	switch {
	case key.Matches(msg, k.SortPrev, k.SortNext):
		m.cycleSort(key.Matches(msg, k.SortNext))
	case key.Matches(msg, k.Reverse):
		c, desc := m.list.Sort()
		m.list.SetSort(c, !desc)
		m.refresh()
	case key.Matches(msg, k.Enter):
		if m.list.Len() == 0 {
			m.status = "no flow here to show"
		} else {
			m.openDetail()
		}
	case key.Matches(msg, k.Tag):
		m.tagFlow()
	case key.Matches(msg, k.TagAll):
		m.tagAll()
	case key.Matches(msg, k.ClearTags):
		m.clearTags()
	case key.Matches(msg, k.Back):
		m.popFilter()
	default:
		return false
	}
	return true
}

// navigate handles the cursor keys of a view with n rows: move by a row,
// a page or to the end, or go home. It reports whether msg was one.
func (m *Model) navigate(msg tea.KeyPressMsg, move func(int), home func(), n int) bool {
	k := &m.keys
	page := max(1, m.tableHeight()-1)
	switch {
	case key.Matches(msg, k.Up):
		move(-1)
	case key.Matches(msg, k.Down):
		move(1)
	case key.Matches(msg, k.PageUp):
		move(-page)
	case key.Matches(msg, k.PageDown):
		move(page)
	case key.Matches(msg, k.Home):
		home()
	case key.Matches(msg, k.End):
		move(n)
	default:
		return false
	}
	return true
}

// sortable are the columns < and > cycle through.
var sortable = []model.Column{
	model.ColProto, model.ColSrc, model.ColSport, model.ColDst, model.ColDport,
	model.ColState, model.ColTTL, model.ColAge, model.ColBytes, model.ColPkts,
	model.ColMark, model.ColZone,
}

// cycleSort sorts by the next (or previous) column of sortable that the
// table shows. Columns the screen does not show are skipped rather than
// shown for the sort: sorting by a value no cell shows (ages, which only
// the detail pane and JSON show; marks, zones and counters that no flow
// has) changes nothing the user can see and loses the arrow that says
// what the order is. --sort can still ask for them.
func (m *Model) cycleSort(next bool) {
	c, desc := m.list.Sort()
	nat, marked, zoned, counted := m.table.Extras()
	extras := [4]int{nat, marked, zoned, counted}
	i := 0
	for j, s := range sortable {
		if s == c {
			i = j
		}
	}
	step := 1
	if !next {
		step = len(sortable) - 1
	}
	for range sortable {
		if i = (i + step) % len(sortable); sortShown(sortable[i], extras) {
			break
		}
	}
	m.list.SetSort(sortable[i], desc)
	m.status = "sorted by " + sortable[i].String()
	m.refresh()
}

func (m *Model) togglePause() {
	m.paused = !m.paused
	if !m.paused && !m.host.saving && m.held != nil {
		b := m.held
		m.held = nil
		m.ingest(b)
	}
}

func (m *Model) switchView() {
	if m.view == viewFlows {
		m.view = viewTop
	} else {
		m.view = viewFlows
	}
	m.refresh()
}

func (m *Model) setGroup(msg tea.KeyPressMsg) {
	k := &m.keys
	by := model.BySrc
	switch {
	case key.Matches(msg, k.GroupDst):
		by = model.ByDst
	case key.Matches(msg, k.GroupDport):
		by = model.ByDport
	case key.Matches(msg, k.GroupState):
		by = model.ByState
	case key.Matches(msg, k.GroupProto):
		by = model.ByProto
	}
	m.applyGrouping(model.Plain(by))
}

// move moves the cursor by d rows and makes it follow the flow there.
func (m *Model) move(d int) {
	n := m.list.Len()
	if n == 0 {
		return
	}
	m.cursor = min(max(m.cursor+d, 0), n-1)
	m.atTop = false
	m.sel = m.table.At(m.list.Slot(m.cursor)).Key()
	m.hasSel = true
	m.refresh()
}
