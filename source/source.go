package source

import (
	"context"
	"time"

	"github.com/cttop/cttop/model"
)

// DefaultInterval is how often a source hands over a batch: one frame.
const DefaultInterval = 100 * time.Millisecond

// Source delivers the flows of a conntrack table as batches.
//
// Run sends batches on out until ctx ends (then it returns nil) or the
// source fails (it returns the error). It never blocks on out: a batch the
// receiver has not taken is merged with the next one, so the receiver sees
// at most one batch per interval however busy the kernel is. The receiver
// owns a batch once it has received it.
type Source interface {
	Run(ctx context.Context, out chan<- *model.Batch) error
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
