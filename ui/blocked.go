package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/action"
)

// listState is the list B opens: what cttop has blocked or untracked.
type listState struct {
	entries []action.Entry
	cursor  int
	err     error
	loading bool
	fetched uint32 // table time of the last fetch
}

func (m *Model) blockedKey(msg tea.KeyPressMsg) tea.Cmd {
	l := m.blocked
	switch msg.String() {
	case "esc", "q", "B":
		m.leave(modeBlocked)
	case "ctrl+c":
		return tea.Quit
	case "j", "down":
		l.cursor = min(l.cursor+1, max(len(l.entries)-1, 0))
	case "k", "up":
		l.cursor = max(l.cursor-1, 0)
	case "u", "delete", "backspace":
		if l.cursor < len(l.entries) {
			r := l.entries[l.cursor].Target
			if m.cfg.Yes {
				return removeRule(m.cfg.Actions, r)
			}
			m.ask("Remove "+r.String()+"?", func() tea.Cmd { return removeRule(m.cfg.Actions, r) })
		}
	case "r":
		l.loading = true
		return listRules(m.cfg.Actions)
	}
	return nil
}

// refreshBlocked refetches the list once a second of table time, so the
// remaining times count down.
func (m *Model) refreshBlocked() tea.Cmd {
	l := m.blocked
	if l == nil || l.loading || l.fetched == m.table.Now() {
		return nil
	}
	l.fetched, l.loading = m.table.Now(), true
	return listRules(m.cfg.Actions)
}

func (m *Model) renderBlocked(w int) []string {
	s := &m.styles
	l := m.blocked
	lines := []string{"", s.Title.Render("Blocked and untracked by cttop") + s.Dim.Render("  (table inet cttop; u removes, esc closes)"), ""}
	switch {
	case l.err != nil:
		return append(lines, s.Alarm.Render("  "+l.err.Error()))
	case len(l.entries) == 0 && l.loading:
		return append(lines, s.Dim.Render("  loading"+s.Glyphs.ellipsis))
	case len(l.entries) == 0:
		return append(lines, s.Dim.Render("  nothing"))
	}
	lines = append(lines, s.Bold.Render(fmt.Sprintf("  %-44s %-14s %s", "RULE", "LEFT", "FOR")))
	for i, e := range l.entries {
		left, total := "no limit", "-"
		if e.Timeout > 0 {
			left, total = durText(e.Expires.Round(1e9)), durText(e.Timeout)
		}
		line := pad(fmt.Sprintf("  %-44s %-14s %s", e.Target.String(), left, total), w)
		if i == l.cursor {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	return lines
}
