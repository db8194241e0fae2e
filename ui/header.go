package ui

import (
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// Gauge thresholds: warn at 80% full, alarm at 95%.
const (
	gaugeWarn  = 0.80
	gaugeAlarm = 0.95
)

// sourceLabel names where the flows come from.
func sourceLabel(info model.SourceInfo) string {
	switch info.Kind {
	case "demo":
		return "DEMO (synthetic data)"
	case "replay":
		return "replay of " + format.Name(info.Name)
	case "kernel":
		if info.Name != "" {
			return "netns " + format.Name(info.Name)
		}
		return "kernel"
	}
	return "waiting for data"
}

// renderHeader draws the three header lines: the fill gauge and flow rates;
// the kernel's drop counters; notices about what the view can and cannot see.
func (m *Model) renderHeader(width int) []string {
	st, info, r := m.table.Stats(), m.table.Info(), m.table.Rates()
	s := &m.styles

	// Line 1: gauge.
	left := s.Title.Render("cttop") + " " + s.Dim.Render(sourceLabel(info))
	rates := fmt.Sprintf("  new %s/s  gone %s/s", format.Rate(r.New), format.Rate(r.Gone))
	if info.Kind == "replay" || info.Kind == "" {
		rates = "" // a saved table does not move; no batch yet: unknown
	}
	var gauge string
	if st.Valid && st.Max > 0 {
		frac := float64(st.Count) / float64(st.Max)
		style := s.GaugeOK
		switch {
		case frac >= gaugeAlarm:
			style = s.GaugeAlarm
		case frac >= gaugeWarn:
			style = s.GaugeWarn
		}
		text := fmt.Sprintf("%s / %s (%.1f%%)", format.Commas(st.Count), format.Commas(st.Max), 100*frac)
		barW := width - lipgloss.Width(left) - len(text) - len(rates) - 4
		barW = min(barW, 30)
		gauge = "  " + style.Render(text)
		if barW >= 5 {
			full := min(barW, int(frac*float64(barW)+0.5))
			filled, empty := s.Glyphs.bars(full, barW)
			gauge += " " + style.Render(filled) + s.GaugeEmpty.Render(empty)
		}
	} else if st.Valid {
		gauge = "  " + s.Bold.Render(format.Commas(st.Count)+" flows")
	} else if n := m.table.Len(); info.Loading && n == 0 {
		gauge = "  " + s.Bold.Render("no flows read yet")
	} else if info.Loading {
		gauge = "  " + s.Bold.Render(format.Commas(uint64(n))+" flows so far")
	} else if info.Kind != "" {
		gauge = "  " + s.Bold.Render(format.Commas(uint64(n))+" flows")
	}
	line1 := left + gauge + s.Dim.Render(rates)
	if lipgloss.Width(line1) > width {
		// Too long (a replay's long path): the rates go first, then the
		// path gives way to the file's name, then the count goes; none
		// is cut.
		lefts := []string{left}
		if info.Kind == "replay" && filepath.Base(info.Name) != info.Name {
			lefts = append(lefts, s.Title.Render("cttop")+" "+s.Dim.Render("replay of "+format.Name(filepath.Base(info.Name))))
		}
		line1 = fitLine([]linePart{{lefts, 0}, {[]string{strings.TrimPrefix(gauge, "  ")}, 0}, {[]string{s.Dim.Render(strings.TrimPrefix(rates, "  "))}, 1}}, width)
	}

	// The notices line drops whole parts that do not fit, but its first
	// (a filter longer than the line) wraps rather than lose its end and
	// its match count.
	lines := append([]string{line1, m.renderCounters(width)}, wrapLine(m.renderNotices(width), width)...)
	if v := m.renderVerdict(width); v != "" {
		lines = append(lines, v)
	}
	return lines
}

// renderCounters is the second header line: what the kernel refuses, and
// whether the view is complete. Parts give way, least important first,
// when the terminal is too narrow for all of them (fitLine): the loading
// indicator shortens its words before it goes, and none is ever cut.
func (m *Model) renderCounters(width int) string {
	st, info, r := m.table.Stats(), m.table.Info(), m.table.Rates()
	s := &m.styles
	var parts []linePart
	add := func(prio int, forms ...string) { parts = append(parts, linePart{forms, prio}) }
	if st.Unrecorded {
		st.Valid = false // the file recorded no kernel counters
	}
	// While the table loads, its progress stays longest, unless the
	// kernel is dropping (that says more).
	loading := info.Loading
	if loading && !(st.Valid && r.Drop > 0) {
		add(0, m.loadingForms()...)
		loading = false
	}
	if st.Valid {
		// The kernel's counters run since boot (or since the namespace
		// was made): only drops seen while cttop watches are coloured;
		// the total says since when.
		drops := st.Drop + st.EarlyDrop
		seen := m.dropsSeen()
		boot := format.Commas(drops) + " " + countersSince(info)
		switch {
		case r.Drop > 0:
			alarm := s.Alarm.Render("DROPPING " + format.Rate(r.Drop) + "/s")
			add(0, alarm+" ("+boot+")", alarm)
		case seen > 0:
			warn := s.Warn.Render(format.Commas(seen) + " dropped since cttop started")
			add(0, warn+" ("+boot+")", warn)
		default:
			add(0, "drops "+boot)
		}
		for _, p := range m.trendPart() {
			add(p.prio, p.text)
		}
		add(2, maybeAlarm(s, "insert_failed "+format.Commas(st.InsertFailed), r.InsertFailed > 0))
		add(3, "early_drop "+format.Commas(st.EarlyDrop))
		add(4, "invalid "+format.Commas(st.Invalid))
		for _, p := range m.hostCounterParts() {
			add(p.prio, p.text)
		}
	} else if what := noStatistics(info); what != "" {
		add(0, s.Dim.Render(what))
	}
	switch {
	case loading:
		add(0, m.loadingForms()...)
	case info.Loading:
	case info.Stale:
		why := info.StaleWhy
		if why == "" {
			why = "events missed"
		}
		add(0, s.Alarm.Render("RESYNCING: "+why+", view may be stale"), s.Alarm.Render("RESYNCING: "+why), s.Alarm.Render("RESYNCING"))
	case info.Resyncs > 0:
		add(1, s.Warn.Render(fmt.Sprintf("resyncs %d", info.Resyncs)))
	case info.Kind == "kernel":
		add(1, "resyncs 0")
	}
	return fitLine(parts, width)
}

// noStatistics says why the table has no statistics: none came yet (no
// batch), a replay is still reading its file (it may hold them), a saved
// table did not record them; "" when there is nothing to say yet.
func noStatistics(info model.SourceInfo) string {
	switch {
	case info.Kind == "" || info.Loading:
		return ""
	case info.Kind == "replay":
		return "a saved table: its max and drop counters were not recorded"
	}
	return "no kernel statistics"
}

func maybeAlarm(s *Styles, text string, on bool) string {
	if on {
		return s.Alarm.Render(text)
	}
	return text
}

// renderNotices is the third header line: the filter prompt while one is
// typed; else the active filter with its match count, tags, paused, the
// event mode, the counters.
func (m *Model) renderNotices(width int) string {
	s := &m.styles
	if m.mode() == modePrompt {
		if res, ok := m.promptResult(width); ok {
			return m.prompt.View() + "  " + res
		}
		return m.prompt.View() // the result goes to the status line
	}
	if m.mode() == modeSave {
		return m.renderSavePrompt()
	}
	info := m.table.Info()
	var parts []string
	// PAUSED goes first: the parts that do not fit go, and a frozen view
	// must say so whatever else the line holds (a filter, the top view's
	// notices).
	if m.paused {
		parts = append(parts, s.Alarm.Render("PAUSED")+s.Dim.Render(" (view frozen, p resumes)"))
	}
	keep := len(parts) // PAUSED, the filter: never dropped
	if f := m.filterText(); f != "" {
		keep++
		parts = append(parts, s.Notice.Render("filter: "+f)+fmt.Sprintf("  matched %s of %s",
			format.Commas(uint64(m.list.Len())), format.Commas(uint64(m.table.Len()))))
	}
	if n := m.tagCount(); n > 0 {
		parts = append(parts, s.Bold.Render(format.Commas(uint64(n))+" tagged"))
	}
	for _, n := range m.topNotices() {
		parts = append(parts, s.Dim.Render(n))
	}
	if k := m.kernelNotice(width - noticesWidth(parts)); k != "" {
		parts = append(parts, k)
	}
	if info.Note != "" {
		parts = append(parts, s.Warn.Render(info.Note))
	}
	if m.table.Overflow() > 0 {
		parts = append(parts, s.Alarm.Render("some flows not shown: cttop holds at most "+format.Commas(model.MaxFlows)))
	}
	if info.Kind == "kernel" {
		switch info.EventMode {
		case model.EventsAuto:
			parts = append(parts, s.Notice.Render("events: auto")+s.Dim.Render(" (re-dump on count drift, at least every "+format.Elapsed(info.DumpEvery)+"; dump "+format.Elapsed(info.DumpTime)+")"))
		case model.EventsOff:
			parts = append(parts, s.Warn.Render("events: off")+s.Dim.Render(" (nf_conntrack_events=0; dump every "+format.Elapsed(info.DumpEvery)+")"))
		}
		if info.AcctKnown && !info.Acct {
			parts = append(parts, s.Dim.Render("counters off (nf_conntrack_acct=0)"))
		}
	}
	parts = append(parts, m.sparkNotices()...)
	// Whole parts only: one that does not fit goes, with those after it;
	// PAUSED and the filter stay (renderHeader wraps a line they make too
	// long).
	sep := s.Dim.Render("  " + s.Glyphs.bullet + "  ")
	line := ""
	for i, p := range parts {
		next := p
		if i > 0 {
			next = line + sep + p
		}
		if lipgloss.Width(next) > width && i >= keep {
			break
		}
		line = next
	}
	return line
}

// loadingForms say how much of the table the first load has read, in
// forms from the longest to the shortest (fitLine): the flows in view of
// the kernel's count when known, with a bar; for a replay, the bytes read
// of the file's size.
func (m *Model) loadingForms() []string {
	s := &m.styles
	info, st := m.table.Info(), m.table.Stats()
	n := uint64(m.table.Len())
	var long, short []string // with a bar, and then without
	frac := -1.0
	switch {
	case info.Kind == "replay" && info.FileBytes > 0:
		frac = min(1, float64(info.ReadBytes)/float64(info.FileBytes))
		long = []string{"LOADING the file: " + format.Bytes(info.ReadBytes) + " of " + format.Bytes(info.FileBytes) + " read"}
		short = []string{"LOADING the file: " + pctFloor(frac), "LOADING " + pctFloor(frac)}
	case info.Kind == "replay":
		long = []string{"LOADING the file: " + format.Bytes(info.ReadBytes) + " read"}
		short = []string{"LOADING " + format.Bytes(info.ReadBytes), "LOADING"}
	case !st.Valid || st.Count == 0:
		long = []string{"LOADING: " + format.Commas(n) + " flows read"}
		short = []string{"LOADING"}
	default:
		frac = min(1, float64(n)/float64(st.Count))
		long = []string{
			fmt.Sprintf("LOADING %s of the kernel's %s flows", format.Commas(n), format.Commas(st.Count)),
			fmt.Sprintf("LOADING %s of %s flows", format.Commas(n), format.Commas(st.Count)),
		}
		short = []string{"LOADING " + pctFloor(frac)}
	}
	var forms []string
	if frac >= 0 {
		for _, barW := range []int{20, 10} {
			filled, empty := s.Glyphs.bars(int(frac*float64(barW)+0.5), barW)
			forms = append(forms, s.Notice.Render(long[0])+" "+s.GaugeOK.Render(filled)+s.GaugeEmpty.Render(empty))
		}
	}
	for _, t := range append(long, short...) {
		forms = append(forms, s.Notice.Render(t))
	}
	return forms
}

// pctFloor writes a share as a whole percentage, rounded down: 99% until
// the end.
func pctFloor(frac float64) string { return fmt.Sprintf("%d%%", int(100*frac)) }

// loadingPercent is the share of the kernel's flows the first dump has
// read, for the status line ("" when not loading).
func (m *Model) loadingPercent() string {
	info, st := m.table.Info(), m.table.Stats()
	switch {
	case !info.Loading:
		return ""
	case info.Kind == "replay" && info.FileBytes > 0:
		return "loading " + pctFloor(min(1, float64(info.ReadBytes)/float64(info.FileBytes)))
	case !st.Valid || st.Count == 0:
		return "loading"
	}
	return fmt.Sprintf("loading %d%%", min(100, 100*uint64(m.table.Len())/st.Count))
}

// dropsSeen is how many packets the kernel dropped (drop + early_drop)
// since cttop first saw this table's statistics: 0 for a replay, whose
// counters do not move.
func (m *Model) dropsSeen() uint64 {
	st := m.table.Stats()
	if !st.Valid || m.dropBase.t != m.table {
		return 0
	}
	return st.Drop + st.EarlyDrop - min(m.dropBase.n, st.Drop+st.EarlyDrop)
}

// promptResult is what the filter being typed does, styled: the parse
// error, or how many flows it matches; ok says whether it fits beside the
// prompt in width cells (else the status line says it).
func (m *Model) promptResult(width int) (res string, ok bool) {
	s := &m.styles
	p := m.preview
	switch {
	case p.err != nil:
		res = s.Alarm.Render(p.err.Error())
	case p.text == "":
		res = s.Dim.Render("empty: show every flow")
	case p.counting:
		res = s.Dim.Render(fmt.Sprintf("%s counting the matches of %s%s", s.Glyphs.arrow, format.Commas(uint64(m.table.Len())), s.Glyphs.ellipsis))
	default:
		res = s.Notice.Render(fmt.Sprintf("%s %s of %s match", s.Glyphs.arrow, format.Commas(uint64(p.matched)), format.Commas(uint64(m.table.Len()))))
	}
	return res, lipgloss.Width(m.prompt.View())+2+lipgloss.Width(res) <= width
}

// countersSince says what the kernel's cumulative counters count from:
// boot in the initial namespace; the namespace's making in another
// (--netns, or cttop itself run in one: the header's first line names
// it), whose counters start with it; for a replay, whatever the file
// recorded.
func countersSince(info model.SourceInfo) string {
	switch {
	case info.Kind == "replay":
		return "as recorded"
	case info.Kind == "kernel" && info.Name != "":
		return "since the namespace was made"
	}
	return "since boot"
}
