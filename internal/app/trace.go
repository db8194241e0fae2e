package app

import (
	"log/slog"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/ui"
)

// tracer wraps the UI when --log is given and writes one debug line a
// second: frames drawn, batches and events applied, and the time of the last
// batch, so that bench/compare.sh can check the view's refresh rate and how
// far it lags behind the kernel in an event storm (bench/ctbench lag).
// It also writes a line for each key: how long its Update and the View
// after it took, the part of a key's latency that is cttop's own.
type tracer struct {
	*ui.Model
	log *slog.Logger

	frames, batches, events int64
	applied                 time.Time
	resyncs                 int
	stale                   bool
	count                   uint64
	maxUpdate, maxView      time.Duration
	last                    time.Time
	key                     string // the key whose View comes next
	keyUpdate               time.Duration
}

func newTracer(m *ui.Model, log *slog.Logger) *tracer {
	return &tracer{Model: m, log: log, last: time.Now()}
}

// Update passes msg on and times the batches.
func (t *tracer) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	start := time.Now()
	_, cmd := t.Model.Update(msg)
	if k, ok := msg.(tea.KeyPressMsg); ok {
		t.key, t.keyUpdate = k.String(), time.Since(start)
	}
	if b := (ui.BatchMsg{Batch: ui.BatchOf(msg)}); b.Batch != nil {
		t.applied = time.Now()
		t.maxUpdate = max(t.maxUpdate, t.applied.Sub(start))
		t.batches++
		t.events += int64(b.Batch.New + b.Batch.Gone)
		t.resyncs, t.stale = b.Batch.Info.Resyncs, b.Batch.Info.Stale
		if b.Batch.Stats.Valid {
			t.count = b.Batch.Stats.Count
		}
	}
	if now := time.Now(); now.Sub(t.last) >= time.Second {
		t.log.Debug("trace", "frames", t.frames, "batches", t.batches, "events", t.events,
			"applied", t.applied.UnixNano(), "kernel_flows", t.count, "resyncs", t.resyncs, "stale", t.stale,
			"max_update_us", t.maxUpdate.Microseconds(), "max_view_us", t.maxView.Microseconds())
		t.last = now
		t.maxUpdate, t.maxView = 0, 0
	}
	return t, cmd
}

// View counts and times the frames.
func (t *tracer) View() tea.View {
	start := time.Now()
	v := t.Model.View()
	d := time.Since(start)
	t.maxView = max(t.maxView, d)
	t.frames++
	if t.key != "" {
		t.log.Debug("key", "key", t.key, "update_us", t.keyUpdate.Microseconds(), "view_us", d.Microseconds())
		t.key = ""
	}
	return v
}
