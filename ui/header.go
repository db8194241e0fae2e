package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
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
		return "replay of " + info.Name
	case "kernel":
		if info.Name != "" {
			return "netns " + info.Name
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
	rates := fmt.Sprintf("  new %s/s  gone %s/s", rate(r.New), rate(r.Gone))
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
		text := fmt.Sprintf("%s / %s (%.1f%%)", commas(st.Count), commas(st.Max), 100*frac)
		barW := width - lipgloss.Width(left) - len(text) - len(rates) - 4
		barW = min(barW, 30)
		gauge = "  " + style.Render(text)
		if barW >= 5 {
			full := min(barW, int(frac*float64(barW)+0.5))
			gauge += " " + style.Render(strings.Repeat("█", full)) + s.GaugeEmpty.Render(strings.Repeat("░", barW-full))
		}
	} else if st.Valid {
		gauge = "  " + s.Bold.Render(commas(st.Count)+" flows")
	} else {
		gauge = "  " + s.Bold.Render(commas(uint64(m.table.Len()))+" flows")
	}
	line1 := left + gauge + s.Dim.Render(rates)

	// Line 2: what the kernel refuses.
	var line2 string
	if st.Valid {
		drops := st.Drop + st.EarlyDrop
		dropText := fmt.Sprintf("drops %s", commas(drops))
		if r.Drop > 0 {
			dropText = s.Alarm.Render(fmt.Sprintf("DROPPING %s/s", rate(r.Drop))) + " " + s.Alarm.Render(fmt.Sprintf("(drops %s)", commas(drops)))
		} else if drops > 0 {
			dropText = s.Warn.Render(dropText)
		}
		parts := []string{dropText,
			fmt.Sprintf("early_drop %s", commas(st.EarlyDrop)),
			maybeAlarm(s, fmt.Sprintf("insert_failed %s", commas(st.InsertFailed)), r.InsertFailed > 0),
			fmt.Sprintf("invalid %s", commas(st.Invalid)),
		}
		line2 = strings.Join(parts, "  ")
	} else {
		line2 = s.Dim.Render("no kernel statistics")
	}
	resync := fmt.Sprintf("resyncs %d", info.Resyncs)
	if info.Stale {
		resync = s.Alarm.Render("RESYNCING: events were lost, view may be stale")
	} else if info.Resyncs > 0 {
		resync = s.Warn.Render(resync)
	}
	line2 += "  " + resync

	return []string{line1, line2, m.renderNotices(width)}
}

func maybeAlarm(s *Styles, text string, on bool) string {
	if on {
		return s.Alarm.Render(text)
	}
	return text
}

// renderNotices is the third header line: paused, the event mode, the
// counters, the filter.
func (m *Model) renderNotices(width int) string {
	s := &m.styles
	info := m.table.Info()
	var parts []string
	if m.paused {
		parts = append(parts, s.Alarm.Render("PAUSED")+s.Dim.Render(" (view frozen, p resumes)"))
	}
	if info.Kind == "kernel" {
		switch info.EventMode {
		case model.EventsAuto:
			parts = append(parts, s.Notice.Render("events: auto")+s.Dim.Render(" (older flows reconciled every "+shortDur(info.DumpEvery)+")"))
		case model.EventsOff:
			parts = append(parts, s.Warn.Render("events: off")+s.Dim.Render(" (nf_conntrack_events=0; dump every "+shortDur(info.DumpEvery)+")"))
		}
		if info.AcctKnown && !info.Acct {
			parts = append(parts, s.Dim.Render("counters off (nf_conntrack_acct=0)"))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, s.Dim.Render("  •  "))
}

func shortDur(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
