package model

import (
	"math"
	"math/rand"
	"testing"
	"time"
)

var h0 = time.Unix(1_700_000_000, 0)

func entriesSample(at time.Time, entries float64) HistorySample {
	s := unknownSample(at)
	s.V[SeriesEntries] = entries
	return s
}

func TestHistoryRing(t *testing.T) {
	h := NewHistory(time.Minute)
	if h.Window() != time.Minute {
		t.Fatalf("window %v", h.Window())
	}
	for i := 0; i < 100; i++ {
		h.Add(entriesSample(h0.Add(time.Duration(i)*time.Second), float64(i)))
	}
	if h.Len() != 60 {
		t.Fatalf("len %d, want 60 (bounded)", h.Len())
	}
	s := h.Samples()
	if s[0].V[SeriesEntries] != 40 || s[59].V[SeriesEntries] != 99 || !s[59].Time.Equal(h0.Add(99*time.Second)) {
		t.Errorf("oldest %v newest %v", s[0], s[59])
	}
	if v := h.Values(SeriesEntries, 3); len(v) != 3 || v[0] != 97 || v[2] != 99 {
		t.Errorf("values %v", v)
	}
	if v := h.Values(SeriesEntries, 1000); len(v) != 60 {
		t.Errorf("values beyond the length: %d", len(v))
	}
}

func TestHistoryAddSecondsAndGaps(t *testing.T) {
	h := NewHistory(0)
	if h.Window() != DefaultHistoryWindow {
		t.Errorf("default window %v", h.Window())
	}
	h.Add(entriesSample(h0.Add(100*time.Millisecond), 1))
	h.Add(entriesSample(h0.Add(900*time.Millisecond), 2)) // same second: replaces
	if h.Len() != 1 || h.Values(SeriesEntries, 1)[0] != 2 {
		t.Fatalf("same second: %v", h.Samples())
	}
	h.Add(entriesSample(h0.Add(-time.Second), 9)) // older: ignored
	h.Add(entriesSample(h0.Add(3*time.Second), 5))
	s := h.Samples()
	if len(s) != 4 || s[1].Known(SeriesEntries) || s[2].Known(SeriesEntries) || !s[2].Time.Equal(h0.Add(2*time.Second)) || s[3].V[SeriesEntries] != 5 {
		t.Errorf("gap not kept as unknown: %v", s)
	}
	// A gap longer than the window forgets everything.
	h.Add(entriesSample(h0.Add(time.Hour), 7))
	if h.Len() != 1 {
		t.Errorf("after a long gap: %d samples", h.Len())
	}
}

func TestSampleOf(t *testing.T) {
	s := SampleOf(h0.Add(1500*time.Millisecond), TableStats{}, Rates{})
	for i := Series(0); i < NumSeries; i++ {
		if s.Known(i) {
			t.Errorf("%v known without stats or rates", i)
		}
	}
	if !s.Time.Equal(h0.Add(time.Second)) {
		t.Errorf("time %v", s.Time)
	}
	s = SampleOf(h0, TableStats{Valid: true, Count: 10}, Rates{Valid: true, New: 1, Gone: 2, Drop: 3, InsertFailed: 4})
	if s.V != [NumSeries]float64{10, 1, 2, 3, 4} {
		t.Errorf("%v", s.V)
	}
	// Rates from events without statistics: drops stay unknown.
	s = SampleOf(h0, TableStats{}, Rates{Valid: true, New: 1})
	if s.Known(SeriesEntries) || !s.Known(SeriesNew) || s.Known(SeriesDrops) {
		t.Errorf("%v", s.V)
	}
}

// TestTimeToFullSyntheticFill: a table that fills at a steady 50 entries/s
// with noise of ±30 is "full in" within 20% of the true time.
func TestTimeToFullSyntheticFill(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, tc := range []struct {
		rate  float64
		max   uint64
		start float64
	}{{50, 20000, 1000}, {5, 262144, 200000}, {1000, 1000000, 0}} {
		h := NewHistory(0)
		for i := 0; i <= 90; i++ {
			y := tc.start + tc.rate*float64(i) + (rng.Float64()*2-1)*30
			h.Add(entriesSample(h0.Add(time.Duration(i)*time.Second), math.Round(y)))
		}
		truth := (float64(tc.max) - (tc.start + tc.rate*90)) / tc.rate
		tr := h.TimeToFull(tc.max)
		if tr.Kind != TrendRising {
			t.Fatalf("rate %v: %+v, want rising", tc.rate, tr)
		}
		got := tr.TimeToFull.Seconds()
		if math.Abs(got-truth)/truth > 0.2 {
			t.Errorf("rate %v: full in %.0fs, truth %.0fs", tc.rate, got, truth)
		}
		if tr.Points != 60 {
			t.Errorf("fit over %d points, want the last minute's 60", tr.Points)
		}
	}
}

func TestTimeToFullKinds(t *testing.T) {
	build := func(f func(i int) float64) *History {
		h := NewHistory(0)
		for i := 0; i < 60; i++ {
			h.Add(entriesSample(h0.Add(time.Duration(i)*time.Second), f(i)))
		}
		return h
	}
	for name, tc := range map[string]struct {
		h    *History
		max  uint64
		want TrendKind
	}{
		"draining":      {build(func(i int) float64 { return 5000 - 20*float64(i) }), 10000, TrendDraining},
		"flat":          {build(func(i int) float64 { return 5000 + float64(i%3) }), 10000, TrendFlat},
		"slow is flat":  {build(func(i int) float64 { return 5000 + float64(i)/10 }), 262144, TrendFlat},
		"full":          {build(func(i int) float64 { return math.Min(10000, 9000+100*float64(i)) }), 10000, TrendFull},
		"unknown max":   {build(func(i int) float64 { return float64(i) * 100 }), 0, TrendUnknown},
		"few points":    {NewHistory(0), 100, TrendUnknown},
		"all unknown":   {build(func(int) float64 { return math.NaN() }), 100, TrendUnknown},
		"short span":    {build(func(i int) float64 { return map[bool]float64{true: float64(i), false: math.NaN()}[i > 52] }), 100, TrendUnknown},
		"slow but tiny": {build(func(i int) float64 { return float64(i) / 10 }), 1000, TrendRising},
		// A change of regime within the minute: what happens now wins.
		"fill stopped": {build(func(i int) float64 { return 1000 + 500*math.Min(float64(i), 40) }), 262144, TrendFlat},
		"fills after a block": {build(func(i int) float64 {
			if i < 45 {
				return 60000 + 100*float64(i)
			}
			return 10000 + 500*float64(i-45) // 54,000 flows deleted at 45s
		}), 262144, TrendRising},
		"fill just began":     {build(func(i int) float64 { return 5000 + 800*math.Max(0, float64(i-50)) }), 262144, TrendRising},
		"drains after a fill": {build(func(i int) float64 { return 1000 + 300*math.Min(float64(i), 45) - 400*math.Max(0, float64(i-45)) }), 262144, TrendDraining},
	} {
		if got := tc.h.TimeToFull(tc.max); got.Kind != tc.want {
			t.Errorf("%s: %+v, want kind %v", name, got, tc.want)
		}
	}
}
