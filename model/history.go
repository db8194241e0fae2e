package model

import (
	"math"
	"time"
)

// Series names one line of a table's history.
type Series uint8

// The series a History keeps, each a value per second.
const (
	// SeriesEntries is the table's size (the kernel's count).
	SeriesEntries Series = iota
	// SeriesNew and SeriesGone are flows created and removed per second,
	// from events.
	SeriesNew
	SeriesGone
	// SeriesDrops is drop + early_drop per second: flows refused for lack
	// of room.
	SeriesDrops
	// SeriesInsertFailed is insert_failed per second.
	SeriesInsertFailed
	NumSeries
)

// String is the series' name as the history pane and files call it.
func (s Series) String() string {
	switch s {
	case SeriesEntries:
		return "entries"
	case SeriesNew:
		return "new/s"
	case SeriesGone:
		return "gone/s"
	case SeriesDrops:
		return "drops/s"
	case SeriesInsertFailed:
		return "insert_failed/s"
	}
	return "?"
}

// HistorySample is one second of a table's history. A value that was not
// known that second (no statistics, rates not yet valid, a second with
// no sample) is NaN, never zero.
type HistorySample struct {
	// Time is the second the sample stands for (truncated to a second).
	Time time.Time
	V    [NumSeries]float64
}

// Known reports whether series s has a value in the sample.
func (s *HistorySample) Known(series Series) bool { return !math.IsNaN(s.V[series]) }

func unknownSample(at time.Time) HistorySample {
	s := HistorySample{Time: at}
	for i := range s.V {
		s.V[i] = math.NaN()
	}
	return s
}

// SampleOf builds a sample from a table's statistics and rates at time
// at: entries from st when valid, the rates when valid.
func SampleOf(at time.Time, st TableStats, r Rates) HistorySample {
	s := unknownSample(at.Truncate(time.Second))
	if st.Valid {
		s.V[SeriesEntries] = float64(st.Count)
	}
	if r.Valid {
		s.V[SeriesNew], s.V[SeriesGone] = r.New, r.Gone
		if st.Valid {
			s.V[SeriesDrops], s.V[SeriesInsertFailed] = r.Drop, r.InsertFailed
		}
	}
	return s
}

// DefaultHistoryWindow is how far back a History reaches by default.
const DefaultHistoryWindow = 15 * time.Minute

// History keeps one sample per second of a table over a window, in a
// ring: its memory is fixed by the window (about 64 bytes a second, 58
// KiB for 15 minutes). Time comes with the samples; it has no clock. It is
// not safe for concurrent use.
type History struct {
	ring []HistorySample
	head int // index of the newest sample
	n    int
}

// NewHistory keeps window (at least a minute; DefaultHistoryWindow if
// zero) of per-second samples.
func NewHistory(window time.Duration) *History {
	if window <= 0 {
		window = DefaultHistoryWindow
	}
	secs := int(window / time.Second)
	if secs < 60 {
		secs = 60
	}
	return &History{ring: make([]HistorySample, secs), head: -1}
}

// Window is how far back the history reaches when full.
func (h *History) Window() time.Duration { return time.Duration(len(h.ring)) * time.Second }

// Len is the number of seconds kept.
func (h *History) Len() int { return h.n }

// Add records s for the second s.Time falls in. A later sample in the
// same second replaces the earlier one (the latest rates win); seconds
// skipped since the last sample are kept as unknown; a sample older than
// the newest is ignored.
func (h *History) Add(s HistorySample) {
	s.Time = s.Time.Truncate(time.Second)
	if h.n > 0 {
		last := h.ring[h.head].Time
		switch {
		case s.Time.Equal(last):
			h.ring[h.head] = s
			return
		case s.Time.Before(last):
			return
		}
		gap := int(s.Time.Sub(last)/time.Second) - 1
		if gap >= len(h.ring) {
			h.n = 0 // everything kept is older than the window
		} else {
			for i := 1; i <= gap; i++ {
				h.push(unknownSample(last.Add(time.Duration(i) * time.Second)))
			}
		}
	}
	h.push(s)
}

func (h *History) push(s HistorySample) {
	h.head = (h.head + 1) % len(h.ring)
	h.ring[h.head] = s
	if h.n < len(h.ring) {
		h.n++
	}
}

// at returns the i-th sample, oldest first.
func (h *History) at(i int) *HistorySample {
	return &h.ring[(h.head-h.n+1+i+len(h.ring))%len(h.ring)]
}

// Samples returns the samples, oldest first.
func (h *History) Samples() []HistorySample {
	out := make([]HistorySample, h.n)
	for i := range out {
		out[i] = *h.at(i)
	}
	return out
}

// Last returns the newest sample.
func (h *History) Last() (HistorySample, bool) {
	if h.n == 0 {
		return HistorySample{}, false
	}
	return h.ring[h.head], true
}

// Values returns the last n values of series s, oldest first (fewer when
// the history is shorter; NaN where unknown).
func (h *History) Values(s Series, n int) []float64 {
	if n > h.n || n < 0 {
		n = h.n
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = h.at(h.n - n + i).V[s]
	}
	return out
}
