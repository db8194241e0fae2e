package ui

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// No charting library for bubbletea v2 builds here (ntcharts, the
// maintained one, is on bubbletea v1 and has no v2 module on the proxy),
// so the history charts are this small renderer: column charts in eighth
// blocks, a y axis with the top value and zero, an x axis in time ago.

// resample fits vals into n columns: each column is the largest known
// value of its share of vals (a spike of drops stays visible however
// narrow the chart), NaN when none is known. Fewer values than columns
// are spread over several columns each.
func resample(vals []float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		lo, hi := i*len(vals)/n, (i+1)*len(vals)/n
		if hi <= lo {
			hi = lo + 1
		}
		v := math.NaN()
		for _, x := range vals[min(lo, len(vals)):min(hi, len(vals))] {
			if !math.IsNaN(x) && (math.IsNaN(v) || x > v) {
				v = x
			}
		}
		out[i] = v
	}
	return out
}

// maxKnown is the largest known value (0 if none).
func maxKnown(vals []float64) float64 {
	m := 0.0
	for _, v := range vals {
		if !math.IsNaN(v) && v > m {
			m = v
		}
	}
	return m
}

// sparkline draws vals in w cells, one level each, scaled from zero to
// the largest value; an unknown value is a blank.
func sparkline(vals []float64, w int, g glyphs) string { return sparklineTo(vals, w, 0, g) }

// sparklineTo is sparkline scaled from zero to top (the largest value
// if top is 0 or smaller than it): a table's entries against its limit.
func sparklineTo(vals []float64, w int, top float64, g glyphs) string {
	if w <= 0 || len(vals) == 0 {
		return ""
	}
	cols := resample(vals, min(w, len(vals)))
	top = max(top, maxKnown(cols))
	var b strings.Builder
	for _, v := range cols {
		switch {
		case math.IsNaN(v):
			b.WriteByte(' ')
		case top == 0:
			b.WriteRune(g.levels[0])
		default:
			i := int(math.Round(v / top * float64(len(g.levels)-1)))
			b.WriteRune(g.levels[max(0, min(i, len(g.levels)-1))])
		}
	}
	return b.String()
}

// chart draws vals (oldest first, spanning window) as a column chart of
// w x h cells: y labels on the left (the top value and 0, written by
// label), the x axis with times ago at the bottom. It returns h lines of
// exactly w cells, or nil when w x h is too small for any chart.
func chart(vals []float64, window time.Duration, w, h int, label func(float64) string, g glyphs) []string {
	top := maxKnown(vals)
	if top == 0 {
		top = 1
	}
	labels := []string{label(top), label(0)}
	lw := max(len(labels[0]), len(labels[1]))
	plotW, plotH := w-lw-1, h-1
	if plotW < 8 || plotH < 1 || len(vals) == 0 {
		return nil
	}
	cols := resample(vals, plotW)
	lines := make([]string, 0, h)
	for row := plotH - 1; row >= 0; row-- {
		var b strings.Builder
		switch row {
		case plotH - 1:
			b.WriteString(alignRight(labels[0], lw))
		case 0:
			b.WriteString(alignRight(labels[1], lw))
		default:
			b.WriteString(strings.Repeat(" ", lw))
		}
		b.WriteRune(g.vaxis)
		for _, v := range cols {
			b.WriteRune(cell(v, top, row, plotH, g))
		}
		lines = append(lines, b.String())
	}
	return append(lines, timeAxis(window, lw+1, plotW, g))
}

// cell is what column value v draws at row (0: the bottom) of rows.
func cell(v, top float64, row, rows int, g glyphs) rune {
	if math.IsNaN(v) {
		if row == 0 {
			return g.unknown
		}
		return ' '
	}
	eighths := int(math.Round(v / top * float64(rows*8)))
	switch fill := eighths - row*8; {
	case fill >= 8:
		return g.full
	case fill <= 0:
		return ' '
	default:
		return g.eighths[fill-1]
	}
}

// timeAxis is the x axis line: the corner under the y axis, then the
// times ago at their columns ("-15m", "-10m", ..., "now"), the axis rule
// between them.
func timeAxis(window time.Duration, indent, plotW int, g glyphs) string {
	line := []rune(strings.Repeat(" ", indent-1) + string(g.zero) + strings.Repeat(string(g.haxis), plotW))
	put := func(col int, s string) bool {
		start := indent + col
		if start < indent || start+len(s) > len(line) {
			return false
		}
		for i := start - 1; i <= start+len(s) && i < len(line); i++ {
			if i >= indent && line[i] != g.haxis {
				return false // would touch another label
			}
		}
		copy(line[start:], []rune(s))
		return true
	}
	put(plotW-3, "now")
	first := "-" + shortDuration(window)
	put(0, first)
	for _, step := range []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 6 * time.Hour} {
		n := int(window / step)
		if n < 2 || plotW/n < 10 {
			continue
		}
		for i := 1; i < n; i++ {
			ago := window - time.Duration(i)*step
			col := int(float64(i) * float64(step) / float64(window) * float64(plotW))
			s := "-" + shortDuration(ago)
			put(col-len(s)/2, s)
		}
		break
	}
	return string(line)
}

// shortDuration writes 15m, 1h, 1h30m, 45s.
func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d >= time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h" + strconv.Itoa(int(d%time.Hour/time.Minute)) + "m"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return strconv.Itoa(int(d/time.Second)) + "s"
}

// alignRight pads ASCII s with spaces on the left to w cells.
func alignRight(s string, w int) string {
	if len(s) >= w {
		return s
	}
	return strings.Repeat(" ", w-len(s)) + s
}
