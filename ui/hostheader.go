package ui

import (
	"strconv"

	"charm.land/lipgloss/v2"
	"time"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// counterPart is a part of the counters line with its priority (lower
// stays longer when the line is too narrow).
type counterPart struct {
	text string
	prio int
}

// trendPart is where the table is heading, from its history ("full in
// ~3m20s", "draining"), for the counters line after drops.
func (m *Model) trendPart() []counterPart {
	s := &m.styles
	st := m.table.Stats()
	tr := m.history().TimeToFull(st.Max)
	if !st.Valid || trendText(tr) == "" {
		return nil
	}
	style := s.Warn
	switch tr.Kind {
	case model.TrendDraining:
		style = s.Good
	case model.TrendFull:
		style = s.Alarm
	}
	return []counterPart{{style.Render(trendText(tr)), 1}}
}

// hostCounterParts are the counters line's parts after invalid:
// clash_resolve and chaintoolong, and the expectation table when helpers
// use it.
func (m *Model) hostCounterParts() []counterPart {
	s := &m.styles
	st := m.table.Stats()
	var parts []counterPart
	if st.Valid && st.ExtraValid {
		parts = append(parts,
			counterPart{"clash_resolve " + format.Commas(st.ClashResolve), 4},
			counterPart{maybeAlarm(s, "chaintoolong "+format.Commas(st.ChainTooLong), st.ChainTooLong > 0), 4})
	}
	if st.Valid && st.ExpectValid && (st.Expect > 0 || st.ExpectCreated > 0) {
		text := "expect " + format.Commas(st.Expect) + "/" + format.Commas(st.ExpectMax)
		parts = append(parts, counterPart{maybeAlarm(s, text, st.ExpectMax > 0 && st.Expect >= st.ExpectMax), 2})
	}
	return parts
}

// sparkNotices are the notices line's last part: sparklines of the
// table's entries (against its limit) and drops over the last minute.
func (m *Model) sparkNotices() []string {
	hist := m.history()
	if hist.Len() < 2 {
		return nil
	}
	const cells = 20
	spark := "entries " + sparklineTo(hist.Values(model.SeriesEntries, 60), cells, float64(m.table.Stats().Max), m.styles.Glyphs) +
		" drops " + sparkline(hist.Values(model.SeriesDrops, 60), cells, m.styles.Glyphs)
	return []string{m.styles.Dim.Render(spark)}
}

// noticesWidth is the width parts take on the notices line, with the
// separator the next part needs.
func noticesWidth(parts []string) int {
	n := 0
	for _, p := range parts {
		n += lipgloss.Width(p) + 5 // "  •  "
	}
	return n
}

// kernelNotice is "kernel 4s ago: table full in netns 4026532177 (web1)
// · table full 12 (+340), SYN flood 1": the latest line about the table,
// then the count of each kind as far as width allows; "" before any line.
func (m *Model) kernelNotice(width int) string {
	s := &m.styles
	l, ok := m.host.klog.Latest()
	if !ok {
		return ""
	}
	text := "kernel: " + latestText(l, m.nsName)
	if now := m.now(); !now.IsZero() && !l.Time.IsZero() {
		text = "kernel " + logAge(now, l.Time) + " ago: " + latestText(l, m.nsName)
	}
	if cellWidth(text) > width {
		text = "kernel: " + latestText(l, m.nsName)
	}
	if cellWidth(text) > width {
		return "" // no room: the log pane (L) has it
	}
	sep := " " + m.styles.Glyphs.dot + " "
	for _, k := range model.LogKinds() {
		c := m.host.klog.Count(k)
		if c.Lines == 0 {
			continue
		}
		n := k.String() + " " + format.Commas(c.Lines)
		if c.Suppressed > 0 {
			n += " (+" + format.Commas(c.Suppressed) + ")"
		}
		if cellWidth(text)+len(sep)+cellWidth(n) > width {
			break
		}
		text += sep + n
		sep = ", "
	}
	if l.Kind == model.LogTableFull && !l.Buffered {
		return s.Alarm.Render(text)
	}
	return s.Warn.Render(text)
}

// hostStatus is the status line's position and key hints in the host's
// panes (ok false elsewhere).
func (m *Model) hostStatus() (pos string, hints []hint, ok bool) {
	help, back := hint{"?", "help", 0}, hint{"esc", "back", 1}
	switch m.bodyMode() {
	case modeNamespaces:
		v := &m.host.ns
		pos = "no namespaces"
		if len(v.rows) > 0 {
			pos = format.Commas(uint64(v.cursor()+1)) + "/" + format.Plural(len(v.rows), "namespace")
		}
		return pos, []hint{{"enter", "open", 1}, {"s", "sort", 2}, {"a", "idle", 3}, back, help}, true
	case modeLog:
		pos = format.Plural(m.host.klog.Len(), "line")
		if _, h := frameHeights(m.headerHeight(), m.height); logRowCount(m.host.klog, m.nsName, m.width) <= h-1 {
			return pos, []hint{back, help}, true // nothing to scroll
		}
		return pos, []hint{{"j/k", "scroll", 2}, back, help}, true
	case modeHistory:
		return format.Elapsed(time.Duration(m.history().Len())*time.Second) + " of history", []hint{{"w", "save", 2}, back, help}, true
	}
	return "", nil, false
}

// now is the time of the table's latest batch: the clock of the screen,
// so a paused or replayed screen does not age. Before the first batch it
// is the time of the latest host update (the kernel log's lines come
// first), zero when none came either.
func (m *Model) now() time.Time {
	if t := m.table.Now(); t != 0 {
		return time.Unix(int64(t), 0)
	}
	return m.host.at
}

// latestText says what a line is about, briefly, naming the namespace.
func latestText(l model.LogLine, names nsNamer) string {
	switch l.Kind {
	case model.LogTableFull:
		if l.NetNS == 0 {
			return "table full"
		}
		ino := strconv.FormatUint(l.NetNS, 10)
		if note := nsNote(l, names, false); note != "" {
			return "table full in netns " + ino + " (" + note + ")"
		}
		return "table full in netns " + ino
	case model.LogSYNFlood:
		return "SYN flood on port " + strconv.Itoa(l.Port)
	}
	return l.Kind.String()
}
