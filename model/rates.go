package model

import "time"

// Rates are per-second rates derived from successive batches.
type Rates struct {
	// Valid is false until two samples at least rateSpan apart exist.
	Valid     bool
	New, Gone float64 // flows per second, from events
	// Drop is drop+early_drop per second: the kernel refusing new flows.
	Drop, InsertFailed, Invalid float64
}

// rateSpan is the window the rates average over.
const rateSpan = time.Second

type rateSample struct {
	at                       time.Time
	new, gone                uint64
	drop, insFailed, invalid uint64
	statsValid               bool
}

// rateWindow keeps recent cumulative samples and derives rates from the
// newest and the newest one at least rateSpan older.
type rateWindow struct {
	ring  [64]rateSample
	head  int // index of the newest sample
	n     int
	total rateSample
}

func (w *rateWindow) add(at time.Time, newFlows, gone uint64, st TableStats) {
	if at.IsZero() {
		return
	}
	w.total.at = at
	w.total.new += newFlows
	w.total.gone += gone
	if st.Valid {
		w.total.drop = st.Drop + st.EarlyDrop
		w.total.insFailed = st.InsertFailed
		w.total.invalid = st.Invalid
		w.total.statsValid = true
	}
	if w.n > 0 && !at.After(w.ring[w.head].at) {
		w.ring[w.head] = w.total
		return
	}
	w.head = (w.head + 1) % len(w.ring)
	w.ring[w.head] = w.total
	if w.n < len(w.ring) {
		w.n++
	}
}

func (w *rateWindow) rates() Rates {
	if w.n < 2 {
		return Rates{}
	}
	last := w.ring[w.head]
	var base *rateSample
	for i := 1; i < w.n; i++ {
		s := &w.ring[(w.head-i+len(w.ring))%len(w.ring)]
		base = s
		if last.at.Sub(s.at) >= rateSpan {
			break
		}
	}
	dt := last.at.Sub(base.at).Seconds()
	if dt <= 0 {
		return Rates{}
	}
	r := Rates{
		Valid: last.at.Sub(base.at) >= rateSpan/2,
		New:   float64(last.new-base.new) / dt,
		Gone:  float64(last.gone-base.gone) / dt,
	}
	if last.statsValid && base.statsValid {
		r.Drop = perSecond(last.drop, base.drop, dt)
		r.InsertFailed = perSecond(last.insFailed, base.insFailed, dt)
		r.Invalid = perSecond(last.invalid, base.invalid, dt)
	}
	return r
}

func perSecond(now, before uint64, dt float64) float64 {
	if now < before {
		return 0
	}
	return float64(now-before) / dt
}
