package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/cttop/cttop/format"
)

// helpTitle heads the help: how it closes (helpKey).
const helpTitle = "  (esc closes, j/k scroll; any other key closes this help and acts)"

// renderHelp lays the key map's groups out in as many columns as fit,
// wrapping to further rows on narrow terminals: every key is listed, and
// the list scrolls when it is longer than the h lines it has.
func (m *Model) renderHelp(w, h int) []string {
	head := []string{"", m.styles.Title.Render("Keys") + m.styles.Dim.Render(helpTitle), ""}
	return scrolled(wrapLines(head, w), m.helpBody(w), m.helpScroll, h, w)
}

// helpBody is the list of keys laid out for width w.
func (m *Model) helpBody(w int) []string {
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
	out := strings.Split(strings.Join(rows, "\n"), "\n")
	return append(out, wrapLines(cellsHelp(m.styles.Glyphs.text), w)...)
}

// cellsHelp says what the table's cells mean (format's one rendering of a
// flow), for the help: the FLAGS letters, "-", ICMP's and GRE's columns.
func cellsHelp(text func(string) string) []string {
	return []string{"",
		"Columns: - is unknown (the kernel did not say) or does not apply. TTL and ages read 59s, 1m38s, 4d23h.",
		"FLAGS: " + format.FlagLegend(format.AllFlags()) + ".",
		"ICMP: SPORT is its id (id 7), DPORT its type/code (8/0). GRE: SPORT and DPORT are its keys (0x1f4).",
		text("NAT: dst→ and src→ what the kernel rewrites the destination and source to."),
	}
}

// helpKey handles a key in the help. j/k and the page keys scroll it;
// esc, ?, F1 and q only close it; any other key closes it and does what
// it does in the flows or top view beneath (in a dialog, a question or
// the detail pane beneath, it only closes the help, so that no key read
// in the help answers a question by accident).
func (m *Model) helpKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	if key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown) || msg.String() == "space" {
		scrollKey(msg, &m.helpScroll)
		return nil
	}
	m.leave(modeHelp)
	m.helpScroll = 0
	if key.Matches(msg, k.Back, k.Help, k.Quit) || m.mode() != modeBrowse {
		return nil
	}
	return m.browseKey(msg)
}
