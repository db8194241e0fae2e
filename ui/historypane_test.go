package ui

import (
	"math"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/cttop/cttop/model"
)

// fillingHistory is two minutes of a table filling at 50 entries/s with
// drops starting at the end, and seconds with no sample.
func fillingHistory() *model.History {
	h := model.NewHistory(0)
	t0 := time.Unix(1_700_000_000, 0)
	for i := 0; i <= 120; i++ {
		if i == 30 || i == 31 {
			continue // no sample: unknown, not zero
		}
		s := model.SampleOf(t0.Add(time.Duration(i)*time.Second),
			model.TableStats{Valid: true, Count: uint64(1000 + 50*i), Max: 20000},
			model.Rates{Valid: true, New: 60, Gone: 10, Drop: math.Max(0, float64(i-110))})
		h.Add(s)
	}
	return h
}

func TestRenderHistory(t *testing.T) {
	s := NewStyles(true)
	for _, size := range [][2]int{{80, 20}, {160, 46}, {80, 4}, {40, 12}} {
		w, h := size[0], size[1]
		lines := renderHistory(fillingHistory(), "netns web1", 20000, w, h, unicodeGlyphs, &s)
		if len(lines) != h {
			t.Errorf("%dx%d: %d lines", w, h, len(lines))
		}
		for i, l := range lines {
			if lw := lipgloss.Width(l); lw > w {
				t.Errorf("%dx%d: line %d is %d cells: %q", w, h, i, lw, ansi.Strip(l))
			}
		}
		text := ansi.Strip(strings.Join(lines, "\n"))
		if !strings.Contains(text, "full in ~4m") {
			t.Errorf("%dx%d: no time to full in\n%s", w, h, text)
		}
		if h >= 20 {
			for _, want := range []string{"entries", "now 7,000", "max 20,000", "drops/s", "-15m", "now"} {
				if !strings.Contains(text, want) {
					t.Errorf("%dx%d: no %q in\n%s", w, h, want, text)
				}
			}
		}
		if h >= 46 && !strings.Contains(text, "insert_failed/s") {
			t.Errorf("%dx%d: not every series:\n%s", w, h, text)
		}
	}
	empty := renderHistory(model.NewHistory(0), "kernel", 0, 80, 10, unicodeGlyphs, &s)
	if !strings.Contains(ansi.Strip(strings.Join(empty, "\n")), "no history yet") {
		t.Errorf("%q", empty)
	}
}

func TestTrendText(t *testing.T) {
	for _, tc := range []struct {
		tr   model.Trend
		want string
	}{
		{model.Trend{Kind: model.TrendRising, TimeToFull: 200 * time.Second}, "full in ~3m20s"},
		{model.Trend{Kind: model.TrendRising, TimeToFull: 204 * time.Second}, "full in ~3m20s"},
		{model.Trend{Kind: model.TrendRising, TimeToFull: 45 * time.Minute}, "full in ~45m"},
		{model.Trend{Kind: model.TrendRising, TimeToFull: 5 * time.Hour}, "full in ~5h"},
		{model.Trend{Kind: model.TrendRising, TimeToFull: 7 * time.Second}, "full in ~7s"},
		{model.Trend{Kind: model.TrendRising, TimeToFull: 42 * time.Second}, "full in ~40s"},
		{model.Trend{Kind: model.TrendDraining}, "draining"},
		{model.Trend{Kind: model.TrendFull}, "FULL"},
		{model.Trend{Kind: model.TrendFlat}, ""},
		{model.Trend{}, ""},
	} {
		if got := trendText(tc.tr); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.tr, got, tc.want)
		}
	}
}
