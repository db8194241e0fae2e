package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// renderHelp lays the key map's groups out in as many columns as fit,
// wrapping to further rows on narrow terminals: every key is listed.
func (m *Model) renderHelp(w int) []string {
	var blocks []string
	for _, g := range m.keys.FullHelp() {
		blocks = append(blocks, m.help.FullHelpView([][]key.Binding{g}))
	}
	var rows []string
	var cur []string
	curW := 0
	for _, b := range blocks {
		bw := lipgloss.Width(b) + 4
		if curW > 0 && curW+bw > w {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, cur...), "")
			cur, curW = nil, 0
		}
		cur = append(cur, lipgloss.NewStyle().PaddingRight(4).Render(b))
		curW += bw
	}
	if len(cur) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, cur...))
	}
	out := []string{"", m.styles.Title.Render("Keys") + m.styles.Dim.Render("  (any key closes this help)"), ""}
	return append(out, strings.Split(strings.Join(rows, "\n"), "\n")...)
}
