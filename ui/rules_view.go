package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/format"
)

// The rules dialog's drawing: what will happen, the warnings, the settings
// SYNPROXY depends on and the keys, above the rule text (rules.go has its
// state and keys).

// entries writes a count of set entries: "1 entry", "3 entries".
func entries(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return format.Int(int64(n)) + " entries"
}

// merges reports whether the rules make fewer set entries than rules.
func (st *rulesState) merges() bool {
	return !st.loading && st.err == nil && st.preview.Entries > 0 && st.preview.Entries < len(st.rules)
}

// renderRules draws the dialog: what will happen, warnings, the exact rule
// text (scrollable), and the keys.
func (m *Model) renderRules(w, h int) []string {
	st := m.rules
	return scrolled(m.rulesHead(w), st.body(w), st.scroll, h, w)
}

// rulesHead is the dialog above the rule text: what will happen, warnings,
// the keys or the input, the rule text's title.
func (m *Model) rulesHead(w int) []string {
	s := &m.styles
	st := m.rules
	lines := []string{"", s.Title.Render(fmt.Sprintf("Apply %s for %s?", format.Plural(len(st.rules), "rule"), durText(st.dur)))}
	if st.merges() {
		// The nft text says the same in its comment: one word for one
		// thing, the rules the user chose, and the entries they make.
		lines = append(lines, textLines(s.Bold, "  They make "+entries(st.preview.Entries)+" of cttop's set: adjacent addresses merge into one prefix.", w, "  ")...)
	}
	if st.note != "" {
		lines = append(lines, s.Bold.Render("  "+st.note))
	}
	lines = append(lines, ruleNames(st.rules, w, 2)...)
	if st.guarding {
		lines = append(lines, s.Dim.Render("  checking what the rules could cut off"+s.Glyphs.ellipsis))
	} else {
		lines = append(lines, guardLines(st.guard, len(st.rules), s)...)
	}
	lines = append(lines, m.checkLines(w)...)
	if st.loading {
		lines = append(lines, s.Dim.Render("  preparing the rules"+s.Glyphs.ellipsis))
	}
	if st.err != nil {
		lines = append(lines, textLines(s.Alarm, format.Printable(st.err.Error()), w, "  ")...)
	}
	switch {
	case st.editing == "" && st.unready() != "":
		lines = append(lines, s.Dim.Render("  t duration  esc cancel"))
	case st.editing == "":
		lines = append(lines, s.Dim.Render("  a apply  t duration  s save  c copy  i nft/iptables  j/k scroll  esc cancel"))
	default:
		lines = append(lines, "  "+st.input.View())
	}
	kind := "nft"
	if st.showIPT {
		kind = "iptables"
	}
	lines = wrapLines(lines, w)
	return append(lines, s.Bold.Render(strings.Repeat(s.Glyphs.rule, 2)+" "+kind+" "+strings.Repeat(s.Glyphs.rule, max(0, w-8-len(kind)))))
}

// ruleNames lists the rules ("drop from 10.0.0.5, drop from 10.0.0.6")
// in at most maxLines lines of width w, the rest counted ("and 998 more").
// It measures as it goes: ten thousand rules cost one pass, not one per
// rule left out.
func ruleNames(rules []action.Target, w, maxLines int) []string {
	budget := maxLines * max(w-4, 8)
	text := func(shown int) string {
		var b strings.Builder
		b.WriteString("  ")
		for i, r := range rules[:shown] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(r.String())
		}
		if shown < len(rules) {
			fmt.Fprintf(&b, " and %s more", format.Commas(uint64(len(rules)-shown)))
		}
		return b.String()
	}
	shown, width := 0, 2
	for _, r := range rules {
		if add := len(r.String()) + 2; shown > 0 && width+add > budget {
			break
		} else {
			width += add
		}
		shown++
	}
	for {
		if lines := wrapLine(text(shown), w); len(lines) <= maxLines || shown <= 1 {
			return lines
		}
		shown--
	}
}

// maxWarnings is how many strong warnings the dialog spells out; the rest
// are counted (each still asks for the typed yes).
const maxWarnings = 4

// guardLines are the guard's findings, one line each (the dialog wraps
// them): each strong warning, and the note of the weak evidence.
func guardLines(g GuardReport, rules int, s *Styles) []string {
	var lines []string
	for i, d := range g.Warnings {
		if i == maxWarnings {
			lines = append(lines, s.Alarm.Render(fmt.Sprintf("  %s and %s more", s.Glyphs.warn, format.Plural(len(g.Warnings)-i, "warning"))))
			break
		}
		lines = append(lines, s.Alarm.Render("  "+s.Glyphs.warn+" "+d))
	}
	if g.SSH > 0 {
		ports := make([]string, len(g.SSHPorts))
		for i, p := range g.SSHPorts {
			ports[i] = strconv.Itoa(int(p))
		}
		verb := "have"
		if g.SSH == 1 {
			verb = "has"
		}
		lines = append(lines, fmt.Sprintf("  note: %d of %s %s an ESTABLISHED SSH flow to this host (port %s): not asked about, since during an SSH brute force every attacker has one; a colleague's session among them would end",
			g.SSH, format.Plural(rules, "rule"), verb, strings.Join(ports, ", ")))
	}
	return lines
}

// checkLines says, for SYNPROXY, the settings it depends on and whether
// each is as it needs ("tcp_syncookies 1 ok"), as many to a line as fit;
// the rule text below says what each means.
func (m *Model) checkLines(w int) []string {
	s := &m.styles
	var lines []string
	line := "  needs:"
	for _, c := range m.rules.preview.Checks {
		name := c.Setting[strings.LastIndex(c.Setting, ".")+1:]
		item := " " + name + " " + c.Value + " "
		verdict := s.Dim.Render("ok")
		if !c.OK {
			verdict = s.Alarm.Render("PROBLEM")
		}
		if lipgloss.Width(line+item+"PROBLEM,") > w && line != "  needs:" {
			lines = append(lines, line)
			line = "        "
		}
		line += item + verdict
	}
	if line != "  needs:" {
		lines = append(lines, line)
	}
	return lines
}
