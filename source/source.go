package source

import (
	"context"
	"net/netip"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/tuning"
)

// DefaultInterval is how often a source hands over a batch: one frame.
const DefaultInterval = 100 * time.Millisecond

// Source delivers the flows of a conntrack table: as a stream of batches
// (Run), or once (Snapshot). Kernel, replay.Source and demo.Source are
// Sources; what else a source can do it offers through the optional
// interfaces below (Deleter, Flusher, Reconciler, Namespaced,
// SettingsReader), which callers discover by type assertion on a Source.
type Source interface {
	// Run sends batches on out until ctx ends (then it returns nil) or the
	// source fails (it returns the error). It never blocks on out: a batch
	// the receiver has not taken is merged with the next one, so the
	// receiver sees at most one batch per interval however busy the kernel
	// is. The receiver owns a batch once it has received it.
	Run(ctx context.Context, out chan<- *model.Batch) error
	// Snapshot reads the whole table once, without following it, into a
	// new table, with the kernel statistics of the same moment (not Valid
	// when the source has none). Call it instead of Run, not with it.
	Snapshot(ctx context.Context) (*model.Table, model.TableStats, error)
}

// Deleter deletes flows by identity (the kernel source does).
type Deleter interface {
	// Delete deletes the flows; progress, if not nil, is called as batches
	// of requests complete with the number handled so far. Flows already
	// gone count as Gone.
	Delete(ctx context.Context, flows []model.Flow, progress func(done int)) (action.DeleteResult, error)
}

// Flusher deletes in the kernel, in one request, every flow a selector
// matches.
type Flusher interface {
	Flush(sel action.KernelSelector) error
}

// Reconciler can be asked to compare its view with the kernel's table soon
// (after a deletion: flows that predate the event subscription end without
// an event).
type Reconciler interface {
	Reconcile()
}

// Namespaced is a source bound to a network namespace: its file
// descriptor (0 for cttop's own) and its local addresses.
type Namespaced interface {
	NetNSFd() int
	LocalAddrs() ([]netip.Addr, error)
}

// SettingsReader reads the conntrack settings of the source's namespace
// for the tuning advisor (see ReadTuning).
type SettingsReader interface {
	TuningSettings() (tuning.Settings, error)
}

// Outbox holds the batch the receiver has not taken yet: every source hands
// its batches over through one, so that none blocks on a slow receiver. It
// is not safe for concurrent use: the source's goroutine owns it.
type Outbox struct {
	out  chan<- *model.Batch
	held *model.Batch
}

// NewOutbox returns an Outbox that hands batches over on out.
func NewOutbox(out chan<- *model.Batch) *Outbox { return &Outbox{out: out} }

// Offer merges b into the held batch and hands the result over if the
// receiver is waiting. It reports whether it did.
func (o *Outbox) Offer(b *model.Batch) bool {
	if o.held == nil {
		o.held = b
	} else {
		o.held.Merge(b)
	}
	select {
	case o.out <- o.held:
		o.held = nil
		return true
	default:
		return false
	}
}
