package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/cttop/cttop/format"
)

// Titles of the help: how it closes (helpKey), over the flows or top view
// and over a dialog, a question or the detail pane.
const (
	helpTitle       = "  (esc, ? or q closes, j/k scroll; any other key closes it and acts)"
	helpTitleDialog = "  (esc closes, j/k scroll; any other key only closes it)"
)

// overPrompt reports whether the help was opened from the filter prompt
// (F1 there): it then shows the filter's words, not the keys.
func (m *Model) overPrompt() bool {
	n := len(m.modes)
	return n >= 2 && m.modes[n-1] == modeHelp && m.modes[n-2] == modePrompt
}

// renderHelp lays every key of the key map out for width w (helpBody),
// under a title that says how the help closes and, when the action keys
// are unavailable, why; the list scrolls when it is longer than the h
// lines it has. Over the filter prompt it shows the filter's words.
func (m *Model) renderHelp(w, h int) []string {
	if m.overPrompt() {
		head := []string{"", m.styles.Title.Render("Filter") + m.styles.Dim.Render(filterHelpTitle), ""}
		return scrolled(wrapLines(head, w), m.filterHelpBody(w), m.helpScroll, h, w)
	}
	title := helpTitle
	if len(m.modes) >= 2 {
		title = helpTitleDialog
	}
	head := []string{"", m.styles.Title.Render("Keys") + m.styles.Dim.Render(title)}
	if why := m.keys.Unavailable; why != "" {
		var names []string
		for _, b := range m.keys.actionKeys() {
			names = append(names, b.Help().Key)
		}
		head = append(head, m.styles.Warn.Render("unavailable ("+why+"): "+strings.Join(names, " ")))
	} else {
		head = append(head, "")
	}
	return scrolled(wrapLines(head, w), m.helpBody(w), m.helpScroll, h, w)
}

// helpLines is the help's body at width w, wrapped: the filter's words
// over the prompt, else the keys.
func (m *Model) helpLines(w int) []string {
	if m.overPrompt() {
		return wrapLines(m.filterHelpBody(w), w)
	}
	return wrapLines(m.helpBody(w), w)
}

// helpBody lays the keys out in as few lines as fit width w: the groups in
// order, in columns of equal height, each as wide as its widest entry.
func (m *Model) helpBody(w int) []string {
	type entry struct{ key, desc string }
	var entries []entry
	keyW := 0
	for _, g := range m.keys.FullHelp() {
		for _, b := range g {
			h := b.Help()
			entries = append(entries, entry{h.Key, h.Desc})
			keyW = max(keyW, lipgloss.Width(h.Key))
		}
	}
	st := m.help.Styles
	const gap = 3
	// layout splits the entries into n columns of equal height and
	// returns them with their widths and the total width.
	layout := func(n int) (cols [][]entry, widths []int, total int) {
		per := (len(entries) + n - 1) / n
		for i := 0; i < len(entries); i += per {
			col := entries[i:min(i+per, len(entries))]
			cw := 0
			for _, e := range col {
				cw = max(cw, keyW+1+lipgloss.Width(e.desc))
			}
			cols, widths = append(cols, col), append(widths, cw)
			total += cw
		}
		return cols, widths, total + gap*(len(cols)-1)
	}
	cols, widths, _ := layout(1)
	for n := 2; n <= len(entries); n++ {
		c, wd, total := layout(n)
		if total > w {
			break
		}
		cols, widths = c, wd
	}
	var out []string
	for r := range cols[0] {
		var line strings.Builder
		for c, col := range cols {
			if r >= len(col) {
				continue
			}
			if c > 0 {
				line.WriteString(spaces(gap))
			}
			e := col[r]
			line.WriteString(st.FullKey.Render(pad(e.key, keyW)) + " " + st.FullDesc.Render(e.desc))
			if c < len(cols)-1 {
				line.WriteString(spaces(widths[c] - keyW - 1 - lipgloss.Width(e.desc)))
			}
		}
		out = append(out, line.String())
	}
	return append(out, wrapLines(cellsHelp(m.styles.Glyphs.text), w)...)
}

// cellsHelp says what the table's cells mean (format's one rendering of a
// flow), for the help: the FLAGS letters, "-", ICMP's and GRE's columns.
func cellsHelp(text func(string) string) []string {
	return []string{"",
		"Columns: - is unknown (the kernel did not say) or does not apply. TTL and ages read 59s, 1m38s, 4d23h.",
		"FLAGS: " + format.FlagLegend(format.AllFlags()) + ".",
		"ICMP: SPORT is its id (id 7), DPORT its type/code (8/0). GRE: SPORT and DPORT are its keys (0x1f4).",
		"Top view: BYTES and PKTS sum a group's flows; 1.2M+ when some of them have no counters (at least that much).",
		text("NAT: dst→ and src→ what the kernel rewrites the destination and source to."),
	}
}

// helpKey handles a key in the help. j/k and the page keys scroll it;
// esc, ?, F1 and q only close it; any other key closes it and does what
// it does in the flows or top view beneath (in a dialog, a question, the
// detail pane or the filter prompt beneath, it only closes the help, so
// that no key read in the help answers a question by accident): as its
// titles say.
func (m *Model) helpKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	if key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown) || msg.String() == "space" {
		_ = scrollKey(msg, &m.helpScroll)
		return nil
	}
	m.leave(modeHelp)
	m.helpScroll = 0
	if key.Matches(msg, k.Back, k.Help, k.Quit) || m.mode() != modeBrowse {
		return nil
	}
	return m.browseKey(msg)
}
