package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/cttop/cttop/format"
)

// hint is a key the status line offers, with what it does. Hints with a
// lower prio stay longer when the line is too narrow for all of them; the
// one of prio 0 (help) stays at every width.
type hint struct {
	key, desc string
	prio      int
}

// hints are the keys the status line offers in the current mode, in the
// order they are shown.
func (m *Model) hints() []hint {
	help := hint{"?", "help", 0}
	switch m.mode() {
	case modePrompt:
		// ? is typed text here, so the way to the help is F1, its other
		// key ("?/F1 help" in the help's own list).
		return []hint{{"enter", "apply", 1}, {"esc", "cancel", 1}, {"F1", "help", 0}}
	case modeHelp:
		// Inside the help the way out stays: "esc close", as its title
		// says ("esc closes, j/k scroll").
		if _, h := frameHeights(m.headerHeight(), m.height); len(m.helpLines(m.width)) > h-3 {
			return []hint{{"j/k", "more keys", 1}, {"esc", "close", 0}} // some are below
		}
		return []hint{{"esc", "close", 0}}
	case modeConfirm:
		return []hint{help}
	case modeDetail:
		return []hint{{"esc", "close", 1}, help}
	case modeTune:
		return []hint{{"j/k", "scroll", 2}, {"s", "save", 1}, {"esc", "close", 1}, help}
	case modeRules:
		if m.rules != nil && m.rules.editing != "" {
			return []hint{{"enter", map[string]string{"duration": "set", "path": "save", "danger": "confirm"}[m.rules.editing], 1},
				{"esc", "back", 1}, {"F1", "help", 0}}
		}
		if m.rules != nil && m.rules.unready() != "" {
			return []hint{{"esc", "cancel", 1}, help}
		}
		if !m.rulesOverflow() {
			return []hint{{"a", "apply", 1}, {"esc", "cancel", 1}, help}
		}
		return []hint{{"a", "apply", 1}, {"j/k", "scroll", 2}, {"esc", "cancel", 1}, help}
	case modeBlocked:
		if l := m.blocked; l == nil || !l.loaded || len(l.entries) == 0 {
			return []hint{{"esc", "close", 1}, help} // nothing u could remove yet
		}
		return []hint{{"u", "remove", 1}, {"esc", "close", 1}, help}
	}
	if _, hs, ok := m.hostStatus(); ok {
		return hs
	}
	other, enter := "top", "detail"
	if m.view == viewTop {
		other, enter = "flows", "drill in"
	}
	hs := []hint{{"/", "filter", 1}, {"tab", other, 2}, {">", "sort", 5}, {"enter", enter, 6}, {"space", "tag", 8}}
	if m.tagCount() > 0 {
		hs = append(hs, hint{"U", "untag all", 7})
	} else {
		hs = append(hs, hint{"*", "tag all", 10})
	}
	if m.cfg.Actions != nil {
		hs = append(hs, hint{"b", "block", 3})
	}
	if m.cfg.Tuning != nil {
		hs = append(hs, hint{"T", "tune", 7})
	}
	pause := "pause"
	if m.paused {
		pause = "resume"
	}
	return append(hs, hint{"p", pause, 9}, help, hint{"q", "quit", 4})
}

// renderHints writes hints as the status line shows them.
func (m *Model) renderHints(hs []hint) string {
	s := &m.styles
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = s.Bold.Render(h.key) + " " + s.StatusBar.Render(h.desc)
	}
	return strings.Join(parts, "  ")
}

// position is the status line's first part: the row of the cursor of how
// many, and how far the first dump has read.
func (m *Model) position() string {
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
	case n > 0:
		pos = fmt.Sprintf("%s/%s", format.Commas(uint64(cur+1)), format.Commas(uint64(n)))
		if m.view == viewTop {
			pos += " " + m.groups.Grouping().String() + " groups"
		}
	}
	if loading != "" {
		pos += "  " + loading
	}
	return pos
}

// renderStatusLines is the status line, or for a question too long for
// one line the question wrapped at word boundaries over up to maxLines
// lines (the last with [y/N] and the help): a question is never cut.
func (m *Model) renderStatusLines(width, maxLines int) []string {
	if m.mode() != modeConfirm {
		return m.messageLines(width, maxLines)
	}
	one := m.renderStatus(width)
	if maxLines <= 1 {
		return []string{one}
	}
	s := &m.styles
	q := m.confirm.text + " [y/N]"
	if lipgloss.Width(q)+2+len("? help") <= width {
		return []string{one}
	}
	lines := strings.Split(strings.TrimSuffix(format.Wrap(q, width, "", ""), "\n"), "\n")
	help := m.renderHints([]hint{{"?", "help", 0}})
	last := lines[len(lines)-1]
	if gap := width - lipgloss.Width(last) - lipgloss.Width(help); gap >= 2 {
		lines[len(lines)-1] = last + spaces(gap) + help
	}
	if len(lines) > maxLines {
		lines = append(lines[:maxLines-1], lines[len(lines)-1])
	}
	for i, l := range lines {
		lines[i] = s.Alarm.Render(l)
	}
	return lines
}

// messageLines is the status line, or for a message too long to share it
// with the position and "? help", the message wrapped at word boundaries
// on up to maxLines-1 lines above a status line without it: a message is
// never cut (only a terminal too short for its lines shortens the last
// after a whole word).
func (m *Model) messageLines(width, maxLines int) []string {
	msg := m.statusMessage(width)
	one, cut := m.renderStatusWith(width, msg)
	if !cut || maxLines <= 1 || width <= 0 {
		return []string{one}
	}
	rest, _ := m.renderStatusWith(width, "")
	lines := wrapText(msg, width)
	if len(lines) > maxLines-1 {
		// The last line that fits says the rest is missing: its words and
		// the ellipsis, a word fewer when they do not fit.
		lines = lines[:maxLines-1]
		el := m.styles.Glyphs.ellipsis
		last := lines[len(lines)-1]
		for last != "" && lipgloss.Width(last)+1+lipgloss.Width(el) > width {
			i := strings.LastIndexByte(last, ' ')
			last = last[:max(i, 0)]
		}
		lines[len(lines)-1] = strings.TrimPrefix(last+" "+el, " ")
	}
	for i, l := range lines {
		lines[i] = m.styles.StatusBar.Render(l)
	}
	return append(lines, rest)
}

// statusMessage is the message the status line shows: the last one, the
// question's (none: the question is the message), or while a filter is
// typed, what the header has no room for and the NAT trap.
func (m *Model) statusMessage(width int) string {
	switch m.mode() {
	case modeConfirm:
		return ""
	case modePrompt:
		var parts []string
		if res, ok := m.promptResult(width); !ok {
			parts = append(parts, ansi.Strip(res))
		}
		if m.preview.note != "" {
			parts = append(parts, m.preview.note)
		}
		return strings.Join(parts, "; ")
	}
	return m.status
}

// renderStatus is the bottom line: the position, the last message, notes
// (a terminal without a size), and the key hints, which drop by priority
// when the line is too narrow; "? help" stays at every width, and a
// message too long is shortened after a whole word, never inside one
// (messageLines puts such a message on lines of its own instead).
func (m *Model) renderStatus(width int) string {
	line, _ := m.renderStatusWith(width, m.statusMessage(width))
	return line
}

// renderStatusWith is renderStatus with the message msg; cut reports
// whether msg was shortened or left out to fit.
func (m *Model) renderStatusWith(width int, msg string) (line string, cut bool) {
	s := &m.styles
	var left []string
	switch {
	case m.mode() == modeConfirm:
		left = append(left, s.Alarm.Render(m.confirm.text)+s.Bold.Render(" [y/N]"))
	case m.busy != nil:
		b := m.busy
		left = append(left, s.Notice.Render(fmt.Sprintf("%s%s %s/%s", b.what, s.Glyphs.ellipsis,
			format.Commas(uint64(b.done)), format.Commas(uint64(b.total)))))
	default:
		pos := m.position()
		if hp, _, ok := m.hostStatus(); ok {
			pos = hp
		}
		left = append(left, s.StatusBar.Render(pos))
	}
	if m.sizeNote != "" {
		left = append(left, s.Warn.Render(m.sizeNote))
	}
	// The note of what the table does not show is last on the left,
	// and goes before the message is shortened (a message is news, this
	// note is not).
	cn := m.columnsNote(width)
	hiddenNote := cn != nil
	if hiddenNote {
		left = append(left, s.Dim.Render(cn.text()))
	}
	hs := m.hints()
	whole := msg
	for {
		line, ok := m.statusLine(left, msg, hs, width)
		if ok {
			return line, msg != whole
		}
		// Beside a message or the note of hidden columns only the hints
		// below keepBeside give way: the note goes first, and a message
		// that does not fit beside the others goes on lines of its own
		// (messageLines).
		floor := 0
		if msg != "" || hiddenNote {
			floor = keepBeside
		}
		switch {
		case dropHint(&hs, floor):
		case hiddenNote && cn.shrink():
			// The note names fewer columns ("hidden: SPORT FLAGS +3"),
			// then only counts them ("4 columns hidden"), and outlasts
			// "> sort" then, not "q quit" nor "tab" (nor a message).
			left[len(left)-1] = s.Dim.Render(cn.text())
		case hiddenNote && msg == "" && dropHint(&hs, keepBeside-1):
		case hiddenNote:
			left, hiddenNote = left[:len(left)-1], false
		case msg != "":
			// Shorten the message to whole words, else drop it.
			room := width - lipgloss.Width(strings.Join(left, "  ")) - 4 - lipgloss.Width(m.renderHints(hs))
			msg = shortenWords(msg, room, s.Glyphs.ellipsis)
		case len(left) > 1:
			left = left[:len(left)-1]
		case len(left) == 1 && len(hs) > 0:
			left = nil
		default:
			// Only the help remains: as much of it as fits.
			cut = whole != ""
			if len(hs) == 0 {
				return "", cut
			}
			h := hs[0]
			if width >= len(h.key)+1+len(h.desc) {
				return m.renderHints(hs), cut
			}
			return s.Bold.Render(h.key[:min(len(h.key), width)]), cut
		}
	}
}

// columnsNote is the status line's note of what the flows table does not
// show: the columns a narrow terminal hides, and the sort column when it
// has none. nil when there is nothing to say (or not in the flows view).
type columnsNote struct {
	hidden   []string
	shown    int // of hidden, named
	sortNote string
}

func (m *Model) columnsNote(width int) *columnsNote {
	if m.mode() != modeBrowse || m.view != viewFlows {
		return nil
	}
	_, _, hidden := m.flowColumns(width)
	n := &columnsNote{hidden: hidden, shown: len(hidden)}
	// Only --sort can sort by a column the table does not show (< and >
	// pass over them): the missing arrow is explained.
	nat, marked, zoned, counted := m.table.Extras()
	if c, _ := m.list.Sort(); !sortShown(c, [4]int{nat, marked, zoned, counted}) {
		n.sortNote = "sorted by " + c.String() + " (no column)"
	}
	if len(hidden) == 0 && n.sortNote == "" {
		return nil
	}
	return n
}

// text is the note: "hidden: SPORT FLAGS", "hidden: SPORT +3", "4
// columns hidden", and the sort column's.
func (n *columnsNote) text() string {
	var notes []string
	switch {
	case n.shown > 0 && n.shown < len(n.hidden):
		notes = append(notes, "hidden: "+strings.Join(n.hidden[:n.shown], " ")+" +"+strconv.Itoa(len(n.hidden)-n.shown))
	case n.shown > 0:
		notes = append(notes, "hidden: "+strings.Join(n.hidden, " "))
	case len(n.hidden) > 0:
		notes = append(notes, format.Plural(len(n.hidden), "column")+" hidden")
	}
	if n.sortNote != "" {
		notes = append(notes, n.sortNote)
	}
	return strings.Join(notes, "; ")
}

// shrink names a column fewer, and reports whether it could.
func (n *columnsNote) shrink() bool {
	if n.shown == 0 {
		return false
	}
	n.shown--
	return true
}

// statusLine joins the parts of the status line, the hints on the right;
// ok is false when they do not fit in width.
func (m *Model) statusLine(left []string, msg string, hs []hint, width int) (string, bool) {
	parts := left
	if msg != "" {
		parts = append(parts[:len(parts):len(parts)], m.styles.StatusBar.Render(msg))
	}
	l := strings.Join(parts, "  ")
	r := m.renderHints(hs)
	gap := width - lipgloss.Width(l) - lipgloss.Width(r)
	if l != "" && r != "" {
		if gap < 2 {
			return "", false
		}
		return l + spaces(gap) + r, true
	}
	if gap < 0 {
		return "", false
	}
	return l + spaces(gap) + r, true
}

// keepBeside is the least prio of the hints a message pushes out of the
// status line: /, tab, b, q and > stay (prio 1 to 5), so that a message
// never hides the way to the other view, to sorting or out; space, *,
// U, T, p and enter give way to it. The note of hidden columns makes
// the same way, and when only its count is left, outlasts > (renderStatusWith).
const keepBeside = 5

// dropHint removes the hint that goes first (the highest prio above
// floor), and reports whether there was one.
func dropHint(hs *[]hint, floor int) bool {
	worst := -1
	for i, h := range *hs {
		if h.prio > floor && (worst < 0 || h.prio > (*hs)[worst].prio) {
			worst = i
		}
	}
	if worst < 0 {
		return false
	}
	*hs = append((*hs)[:worst], (*hs)[worst+1:]...)
	return true
}

// shortenWords returns the words of s that fit in w cells with ellipsis
// after them (separated by a space, so no word looks cut), or "" when not
// even one word fits.
func shortenWords(s string, w int, ellipsis string) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	words := strings.Fields(s)
	out := ""
	for _, word := range words {
		next := word
		if out != "" {
			next = out + " " + word
		}
		if lipgloss.Width(next)+1+lipgloss.Width(ellipsis) > w {
			break
		}
		out = next
	}
	if out == "" {
		return ""
	}
	return out + " " + ellipsis
}

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(" ", n)
}

// clip cuts the screen to width x height so nothing wraps or scrolls.
func clip(s string, width, height int) string {
	return lipgloss.NewStyle().MaxWidth(width).MaxHeight(height).Render(s)
}
