package ui

import (
	"fmt"

	"charm.land/lipgloss/v2"
	"github.com/cttop/cttop/format"
)

// renderStatus is the bottom line: position, the last message, key hints.
func (m *Model) renderStatus(width int) string {
	s := &m.styles
	n, cur, what := m.list.Len(), m.cursor, "flows"
	counting := false
	if m.view == viewTop {
		n, cur, what = 0, m.top.cursor, "groups"
		if counting, _ = m.groups.Counting(); !counting {
			n = m.groups.Len()
		}
	}
	pos := "no " + what
	loading := m.loadingPercent()
	switch {
	case counting:
		pos = "counting groups"
	case n == 0 && m.table.Info().Kind == "":
		pos = "waiting for data" // no batch yet
	case n == 0 && loading != "":
		pos = "no " + what + " yet"
	}
	if loading != "" {
		pos += "  " + loading
	}
	if n > 0 {
		pos = fmt.Sprintf("%s/%s", format.Commas(uint64(cur+1)), format.Commas(uint64(n)))
		if m.view == viewTop {
			pos += " " + m.groups.By().String() + " groups"
		}
		if loading != "" {
			pos += "  " + loading
		}
	}
	switch {
	case m.mode() == modeConfirm:
		return s.Alarm.Render(m.confirm.text) + s.Bold.Render(" [y/N]")
	case m.busy != nil:
		b := m.busy
		return s.Notice.Render(fmt.Sprintf("%s… %s/%s", b.what, format.Commas(uint64(b.done)), format.Commas(uint64(b.total))))
	}
	hints := m.help.ShortHelpView(m.keys.ShortHelp())
	if hp, hh, ok := m.hostStatus(); ok {
		pos, hints = hp, m.styles.Dim.Render(hh)
	}
	left := s.StatusBar.Render(pos)
	if m.status != "" {
		left += "  " + s.StatusBar.Render(m.status)
	}
	gap := width - lipgloss.Width(left) - lipgloss.Width(hints)
	if gap < 2 {
		return left
	}
	return left + spaces(gap) + hints
}

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}

// clip cuts the screen to width x height so nothing wraps or scrolls.
func clip(s string, width, height int) string {
	return lipgloss.NewStyle().MaxWidth(width).MaxHeight(height).Render(s)
}
