package source

// The dump half of the kernel source: the initial dump, resynchronisation
// after lost events, and periodic or drift-triggered reconciliation.

import (
	"context"
	"time"

	"github.com/cttop/cttop/model"
)

// dumpLoop dumps the table when asked (start, lost events) and
// periodically, and queues each dump as a snapshot followed by the events
// that arrived while it ran.
func (k *Kernel) dumpLoop(ctx context.Context, resync <-chan struct{}, errc chan<- error) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	first := true
	for {
		periodic := false
		select {
		case <-ctx.Done():
			return
		case <-resync:
		case <-timer.C:
			periodic = true
		case <-k.reconcile:
			periodic = true
		}
		dur, err := k.resync(ctx, periodic, first)
		if err != nil {
			if ctx.Err() == nil {
				errc <- err
			}
			return
		}
		first = false
		if every := k.reconcilePeriod(dur); every > 0 {
			timer.Reset(every)
		}
	}
}

// Reconcile asks for a reconciliation dump now, as after deleting flows:
// with nf_conntrack_events=2 flows older than cttop's subscription end
// without a DESTROY event. It does not wait.
func (k *Kernel) Reconcile() {
	select {
	case k.reconcile <- struct{}{}:
	default:
	}
}

// reconcilePeriod is the period of reconciliation dumps. When the kernel
// sends no events at all, dumps are all there is: 10% of the time. With
// per-flow counters, dumps are what refreshes them: 4%. Otherwise events
// keep the model right, except that flows which existed before any
// listener (nf_conntrack_events=2) end without a DESTROY: the table's size
// then drifts from the events' count, which triggers a reconciliation
// (driftWatch), so the periodic one is only a safety net (1%). A dump costs
// the kernel about 1.5 us a flow, charged to cttop: at 262,144 flows, a dump
// every 10 s (25 times its length) was 4 points of the 8% of a core that an
// idle cttop used.
func (k *Kernel) reconcilePeriod(dump time.Duration) time.Duration {
	switch {
	case k.cfg.Reconcile > 0:
		return k.cfg.Reconcile
	case k.cfg.Reconcile < 0:
		return 0
	case k.ctl.Events == model.EventsOff:
		return max(2*time.Second, 10*dump)
	case k.ctl.Acct == 1:
		return max(10*time.Second, 25*dump)
	}
	return max(60*time.Second, 100*dump)
}

// driftMin is how long the table's size must differ from the events' count
// before a reconciliation: NEW events come before the kernel counts a flow
// and DESTROY events before it stops, and events may wait in the socket.
const driftMin = 2 * time.Second

// driftWatch decides when a difference between the kernel's count of flows
// and the count that the last dump and the events since give calls for a
// reconciliation: once it has lasted driftMin, and at most as often as
// 4% of the time spent dumping allows.
type driftWatch struct{ since time.Time }

func (d *driftWatch) check(k *Kernel, count uint64, now time.Time) bool {
	k.mu.Lock()
	est, valid, last, dump := k.est, k.estValid, k.lastDump, k.info.DumpTime
	k.mu.Unlock()
	if !valid || k.cfg.Reconcile != 0 || est == int64(count) {
		d.since = time.Time{}
		return false
	}
	if d.since.IsZero() {
		d.since = now
	}
	if now.Sub(d.since) < driftMin || now.Sub(last) < max(driftMin, 25*dump) {
		return false
	}
	d.since = time.Time{}
	return true
}

// resync dumps until a dump completes with no events lost meanwhile.
func (k *Kernel) resync(ctx context.Context, periodic, first bool) (time.Duration, error) {
	for {
		k.mu.Lock()
		gen := k.overflows
		// A placeholder snapshot keeps NEW+DESTROY pairs from cancelling:
		// the dump may hold those flows.
		k.post = &model.Batch{Snapshot: &model.Snapshot{}}
		k.mu.Unlock()

		start := time.Now()
		parts := dumpParts{k: k}
		err := k.dumps.dump(uint32(start.Unix()), parts.add)
		dur := time.Since(start)
		k.mu.Lock()
		if err != nil {
			k.post = nil
			k.mu.Unlock()
			return dur, err
		}
		if k.overflows != gen {
			k.post = nil
			k.info.Resyncs++
			k.mu.Unlock()
			if ctx.Err() != nil {
				return dur, nil
			}
			continue
		}
		// The last part, then the events that came during the dump, in
		// one batch.
		parts.handLocked(false)
		k.post.Snapshot = nil
		k.est = int64(parts.n) + int64(k.post.New) - int64(k.post.Gone)
		k.estValid, k.lastDump = true, time.Now()
		k.cur.Merge(k.post)
		k.post = nil
		k.info.Loading = false
		switch {
		case first:
		case periodic && !k.info.Stale:
			k.info.Reconciles++
		default:
			k.info.Resyncs++
		}
		k.info.Stale, k.info.StaleWhy = false, ""
		// With the snapshot, so no batch shows one without the other.
		every := k.reconcilePeriod(dur)
		k.info.DumpTime, k.info.DumpEvery = dur, every
		k.info.Reconciled = time.Now()
		k.info.ExpiryGrace = 0
		if every > 0 {
			k.info.ExpiryGrace = 2*every + 10*time.Second
		}
		k.mu.Unlock()
		k.cfg.Log.Info("dump", "flows", parts.n, "took", dur, "periodic", periodic)
		return dur, nil
	}
}

// dumpParts hands a dump over in parts as it is read, so that a big table
// shows at once (model.Snapshot): a part of one storage chunk at a time
// joins the batch of the next handover, where the parts not yet taken
// join up without copying. The events that arrive meanwhile wait in
// k.post until the last part.
type dumpParts struct {
	k     *Kernel
	part  *model.Snapshot
	n     int // flows read
	begun bool
}

// partFlows is the size of a part: one chunk of model's store.
const partFlows = 4096

func (d *dumpParts) add(f *model.Flow, c *model.Counters, x *model.Ext) {
	if d.part == nil {
		d.part = &model.Snapshot{}
	}
	d.part.AddExt(f, c, cloneExt(x))
	d.n++
	if d.part.Len() == partFlows {
		d.k.mu.Lock()
		d.handLocked(true)
		d.k.mu.Unlock()
	}
}

// handLocked merges the part read since the last one into the next batch;
// more says the dump goes on. k.mu must be held.
func (d *dumpParts) handLocked(more bool) {
	p := d.part
	if p == nil {
		p = &model.Snapshot{}
	}
	p.Continues, p.More = d.begun, more
	d.k.cur.Merge(&model.Batch{Snapshot: p})
	d.part, d.begun = nil, true
}
