package ui

import (
	"math"
	"strconv"
	"time"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// historySeries are the series the history pane charts, most important
// first: a short terminal shows the first ones.
var historySeries = []model.Series{model.SeriesEntries, model.SeriesDrops, model.SeriesNew, model.SeriesGone, model.SeriesInsertFailed}

// renderHistory draws the history pane (H) in w x h cells: a title with
// the window and where the table is heading, then a chart of each series
// that fits (a label line and at least two chart lines each). what names
// the table; limit is nf_conntrack_max (0: unknown).
func renderHistory(hist *model.History, what string, limit uint64, w, h int, g glyphs, s *Styles) []string {
	lines := []string{historyTitle(hist, what, limit, w, s)}
	if hist == nil || hist.Len() == 0 {
		for _, l := range wrapText("no history yet: cttop keeps one sample a second", w) {
			lines = append(lines, s.Dim.Render(l))
		}
		return lines[:min(len(lines), max(h, 1))]
	}
	n := min(len(historySeries), (h-1)/3)
	if n == 0 {
		return lines[:min(len(lines), h)]
	}
	spare := h - 1 - 3*n
	for i, series := range historySeries[:n] {
		chartH := 2 + spare/n
		if i < spare%n {
			chartH++
		}
		vals := windowValues(hist, series)
		lines = append(lines, seriesLabel(series, vals, limit, w, s))
		c := chart(vals, hist.Window(), w, chartH, compactNumber, g)
		if c == nil {
			c = make([]string, chartH)
		}
		lines = append(lines, c...)
	}
	return lines
}

// windowValues is the series over the whole window, oldest first, NaN
// before the history began, so the time axis is right from the start.
func windowValues(hist *model.History, series model.Series) []float64 {
	secs := int(hist.Window() / time.Second)
	vals := hist.Values(series, secs)
	if len(vals) == secs {
		return vals
	}
	out := make([]float64, secs-len(vals), secs)
	for i := range out {
		out[i] = math.NaN()
	}
	return append(out, vals...)
}

// seriesLabel is the line above a chart: the series, its latest and
// peak values, and the table's limit for entries.
func seriesLabel(series model.Series, vals []float64, limit uint64, w int, s *Styles) string {
	now := "?"
	for i := len(vals) - 1; i >= 0; i-- {
		if !math.IsNaN(vals[i]) {
			now = exactNumber(vals[i], series)
			break
		}
	}
	parts := []string{series.String(), "now " + now, "peak " + exactNumber(maxKnown(vals), series)}
	if series == model.SeriesEntries && limit > 0 {
		parts = append(parts, "max "+format.Commas(limit))
	}
	return fitParts(parts, w, s)
}

// exactNumber writes entries with separators and rates as rates.
func exactNumber(v float64, series model.Series) string {
	if series == model.SeriesEntries {
		return format.Commas(uint64(math.Max(v, 0)))
	}
	return format.Rate(v)
}

// compactNumber labels a chart's y axis: 0, 7, 1.2k, 262k.
func compactNumber(v float64) string { return format.Rate(v) }

// historyTitle is the pane's first line.
func historyTitle(hist *model.History, what string, limit uint64, w int, s *Styles) string {
	parts := []string{"history of " + format.Name(what)}
	if hist != nil {
		if t := trendText(hist.TimeToFull(limit)); t != "" {
			parts = append(parts, t)
		}
		parts = append(parts, "last "+shortDuration(hist.Window())+", a sample a second")
	}
	return fitParts(parts, w, s)
}

// trendText says where the table is heading: "full in ~3m20s",
// "draining", "FULL"; nothing when flat or unknown.
func trendText(t model.Trend) string {
	switch t.Kind {
	case model.TrendRising:
		return "full in ~" + roughDuration(t.TimeToFull)
	case model.TrendDraining:
		return "draining"
	case model.TrendFull:
		return "FULL"
	}
	return ""
}

// roughDuration rounds an estimate to what it is worth: 10-second steps
// below 10 minutes (3m20s), minutes below 2 hours (47m), then hours.
func roughDuration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return strconv.Itoa(max(int(d/time.Second), 0)) + "s"
	case d < 10*time.Minute:
		d = d.Round(10 * time.Second)
		m, sec := int(d/time.Minute), int(d%time.Minute/time.Second)
		if m == 0 {
			return strconv.Itoa(sec) + "s"
		}
		return strconv.Itoa(m) + "m" + leadingZero(sec) + "s"
	case d < 2*time.Hour:
		return strconv.Itoa(int(d.Round(time.Minute)/time.Minute)) + "m"
	}
	return strconv.Itoa(int(d.Round(time.Hour)/time.Hour)) + "h"
}

func leadingZero(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
