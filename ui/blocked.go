package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/format"
)

// listState is the list B opens: what cttop has blocked or untracked.
type listState struct {
	entries []action.Entry
	cursor  int
	err     error
	loading bool
	loaded  bool   // a list (or its error) has come since B opened it
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
	case "u": // only the advertised key removes (not delete or backspace)
		switch {
		case !l.loaded:
			// A u sent with the B that opened the list: the list is still
			// being read, and u acts on a row the user has seen.
			m.status = "reading the rules" + m.styles.Glyphs.ellipsis + " nothing removed: press u once they are listed"
		case l.err != nil:
			m.status = "nothing removed: the rules could not be read: " + l.err.Error()
		case l.cursor >= len(l.entries):
			m.status = "nothing to remove: cttop has no rule in place"
		default:
			r := l.entries[l.cursor].Target
			if m.cfg.Yes {
				return removeRule(m.cfg.Actions, r)
			}
			m.ask("Remove "+r.String()+"?", func() tea.Cmd { return removeRule(m.cfg.Actions, r) })
		}
	case "r":
		l.loading = true
		return listRules(m.cfg.Actions)
	default:
		m.unknownKey(msg, "u removes the rule, esc closes")
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
	title, hint := "Blocked, untracked and protected by cttop", "(table inet cttop; u removes, esc closes)"
	if !l.loaded || len(l.entries) == 0 {
		hint = "(table inet cttop; esc closes)" // no row u could remove
	}
	lines := []string{"", s.Title.Render(title) + s.Dim.Render("  "+hint), ""}
	if len(title)+2+len(hint) > w {
		lines = []string{"", s.Title.Render(title), s.Dim.Render(hint), ""}
	}
	switch {
	case l.err != nil:
		return append(lines, textLines(s.Alarm, format.Printable(l.err.Error()), w, "  ")...)
	case len(l.entries) == 0 && l.loading:
		return append(lines, s.Dim.Render("  loading"+s.Glyphs.ellipsis))
	case len(l.entries) == 0:
		return append(lines, s.Dim.Render("  nothing"))
	}
	// Every column as wide as its widest cell, so no number is cut.
	rows := [][]string{{"RULE", "LEFT", "FOR", "PACKETS"}}
	for _, e := range l.entries {
		left, total := "no limit", "-"
		if e.Timeout > 0 {
			left, total = durText(e.Expires), durText(e.Timeout)
		}
		rows = append(rows, []string{e.Target.String(), left, total, counterText(e.Counter)})
	}
	cw := columnWidths(rows)
	// Only the rule's address (cut in its middle) gives way to the
	// numbers when the line is too narrow for all of them.
	cw[0] = min(cw[0], max(20, w-2-3-cw[1]-cw[2]-cw[3]))
	row := func(c []string) string {
		return "  " + pad(c[0], cw[0]) + " " + pad(c[1], cw[1]) + " " + pad(c[2], cw[2]) + " " + padLeft(c[3], cw[3])
	}
	lines = append(lines, s.Bold.Render(row(rows[0])))
	for i, c := range rows[1:] {
		c[0] = m.fitRule(l.entries[i].Target, cw[0])
		line := pad(row(c), w)
		if i == l.cursor {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	lines = append(lines, "")
	note := "PACKETS: matched since the rule was added: dropped (drop), untracked (notrack), SYNs answered (synproxy); - unknown."
	for _, l := range strings.Split(strings.TrimSuffix(format.Wrap(note, w, "  ", "  "), "\n"), "\n") {
		lines = append(lines, s.Dim.Render(l))
	}
	return lines
}

// counterText is an entry's packet count, or "-" when the kernel keeps
// none for it (a set made by an older cttop): unknown, never 0.
func counterText(c action.Counter) string {
	if !c.Known {
		return "-"
	}
	return format.Commas(c.Packets)
}

// fitRule is t's text in w cells: its words whole and, only when they do
// not fit, its address shortened in the middle (the last resort the
// project allows; a rule's words are never cut).
func (m *Model) fitRule(t action.Target, w int) string {
	text := t.String()
	if len(text) <= w || t.IsService() {
		return text
	}
	addr := action.PrefixString(t.Addr)
	words := strings.TrimSuffix(text, addr)
	return words + m.fit(addr, max(w-len(words), 9))
}
