package model

import (
	"math"
	"time"
)

// TrendKind says where a table's size is heading.
type TrendKind uint8

// Trend kinds.
const (
	// TrendUnknown: too few known samples in the fit window to say.
	TrendUnknown TrendKind = iota
	// TrendFlat: the size changes by less than FlatShare of the maximum
	// over the fit window; nothing to say.
	TrendFlat
	// TrendRising: the size grows; TimeToFull says when it reaches max.
	TrendRising
	// TrendDraining: the size falls.
	TrendDraining
	// TrendFull: the size is at the maximum now.
	TrendFull
)

// Trend is the fit of a table's size over the last minute.
type Trend struct {
	Kind TrendKind
	// Slope is the fitted change of entries per second.
	Slope float64
	// TimeToFull is how long until the size reaches the maximum at the
	// fitted rate (TrendRising only).
	TimeToFull time.Duration
	// Points is how many samples the fit used.
	Points int
}

// Fit parameters of TimeToFull.
const (
	// FitWindow is how far back the fit reaches.
	FitWindow = time.Minute
	// FitMinPoints and FitMinSpan: a fit needs this many known samples
	// spread over this much time.
	FitMinPoints = 5
	FitMinSpan   = 10 * time.Second
	// FlatShare: a size that moves by less than this share of the
	// maximum over FitWindow (and by less than two entries) is flat.
	FlatShare = 0.001
)

// TimeToFull fits a least-squares line to the known entries of the last
// FitWindow and says whether the table fills ("full in ~3m20s": the time
// for the newest size to reach max at the fitted slope), drains, or stays
// flat. max is nf_conntrack_max (0: unknown, and so is the trend).
// Least squares: slope = Σ(t-t̄)(y-ȳ) / Σ(t-t̄)², over (seconds, entries).
//
// A minute can span a change of regime: a fill that stopped, or a block
// that deleted most flows after which the table fills again. The minute's
// line then says "full in ~2h" for a table that no longer grows, or
// "draining" for one that grows now. So the last RecentWindow is fitted
// too, and when it goes the other way beyond the flat threshold, or is flat
// at under a quarter of the minute's slope, the recent fit is the trend:
// what is happening now.
func (h *History) TimeToFull(max uint64) Trend {
	last, ok := h.Last()
	if !ok || max == 0 {
		return Trend{}
	}
	tr := h.fit(last.Time.Add(-FitWindow), FitMinSpan, max)
	if tr.Kind == TrendUnknown || tr.Kind == TrendFull {
		return tr
	}
	now := h.fit(last.Time.Add(-RecentWindow), RecentMinSpan, max)
	switch {
	case now.Kind == TrendUnknown || now.Kind == tr.Kind:
	case now.Kind == TrendRising || now.Kind == TrendDraining:
		// The other way, beyond the flat threshold: the regime changed
		// (ten noisy seconds do not reverse a steady fill).
		if tr.Kind == TrendFlat || math.Signbit(now.Slope) != math.Signbit(tr.Slope) {
			return now
		}
	case now.Kind == TrendFlat && math.Abs(now.Slope) < math.Abs(tr.Slope)/4:
		// The minute's growth stopped: under a quarter of its slope now.
		return now
	}
	return tr
}

// RecentWindow is the span of the fit that says what happens now, and
// RecentMinSpan how much of it known samples must cover.
const (
	RecentWindow  = 10 * time.Second
	RecentMinSpan = 5 * time.Second
)

// fit is TimeToFull's fit over the known samples after from, spread over
// at least minSpan. Flatness is judged on the change the slope makes over
// FitWindow, whatever the window, so both fits use one scale.
func (h *History) fit(from time.Time, minSpan time.Duration, max uint64) Trend {
	var ts, ys []float64
	var first, lastKnown time.Time
	var lastY float64
	for i := 0; i < h.n; i++ {
		s := h.at(i)
		if !s.Time.After(from) || !s.Known(SeriesEntries) {
			continue
		}
		if first.IsZero() {
			first = s.Time
		}
		lastKnown, lastY = s.Time, s.V[SeriesEntries]
		ts = append(ts, s.Time.Sub(from).Seconds())
		ys = append(ys, s.V[SeriesEntries])
	}
	if len(ts) < FitMinPoints || lastKnown.Sub(first) < minSpan {
		return Trend{Points: len(ts)}
	}
	slope := leastSquaresSlope(ts, ys)
	tr := Trend{Slope: slope, Points: len(ts)}
	flat := math.Max(2, FlatShare*float64(max))
	switch {
	case lastY >= float64(max):
		tr.Kind = TrendFull
	case math.Abs(slope)*FitWindow.Seconds() < flat:
		tr.Kind = TrendFlat
	case slope > 0:
		tr.Kind = TrendRising
		tr.TimeToFull = time.Duration((float64(max) - lastY) / slope * float64(time.Second))
	default:
		tr.Kind = TrendDraining
	}
	return tr
}

func leastSquaresSlope(xs, ys []float64) float64 {
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(ys))
	var num, den float64
	for i := range xs {
		dx := xs[i] - mx
		num += dx * (ys[i] - my)
		den += dx * dx
	}
	if den == 0 {
		return 0
	}
	return num / den
}
