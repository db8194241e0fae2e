package replay

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
)

// A load in parts (Start): the loader's goroutine reads the file and
// hands each whole chunk of flows (model.PartFlows) over as it fills, so
// that a big file shows at once and fills the screen while the rest loads,
// as the kernel source's first dump does. The batches say Loading with the
// bytes read of the file's size until the last part.

// stream is the state a load in parts shares between the loader's
// goroutine (add, end) and Run (take).
type stream struct {
	mu      sync.Mutex
	pending *model.Batch // parts Run has not taken yet
	known   model.Attr   // what every part handed over was told (Know)
	mixed   bool         // parts were told different things
	res     loadResult   // the load's end, once done is closed
	sink    *partSink

	ready chan struct{} // a part came (1-buffered)
	done  chan struct{} // closed at the end of the load
	read  atomic.Int64  // bytes of the input read
	size  int64         // the input's size, 0 when unknown
}

// loadResult is what a load ends with.
type loadResult struct {
	sn   *model.Snapshot
	rep  Report
	meta replayMeta
	err  error
}

func newStream(size int64) *stream {
	return &stream{ready: make(chan struct{}, 1), done: make(chan struct{}), size: size}
}

// add merges a part the loader read, told k by Know, into the pending batch.
func (st *stream) add(part *model.Snapshot, k model.Attr) {
	st.mu.Lock()
	if st.pending == nil {
		st.pending = &model.Batch{}
	}
	if !part.Continues {
		st.known = k
	} else if k != st.known {
		st.mixed = true
		st.known &= k
	}
	st.pending.Merge(&model.Batch{Snapshot: part})
	st.mu.Unlock()
	select {
	case st.ready <- struct{}{}:
	default:
	}
}

// take returns the parts not taken yet (a batch without a snapshot when
// none came), and whether the load has ended.
func (st *stream) take() (*model.Batch, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.pending
	st.pending = nil
	if b == nil {
		b = &model.Batch{}
	}
	select {
	case <-st.done:
		return b, true
	default:
		return b, false
	}
}

// partSink is the loader's sink in a load in parts: it keeps the whole
// table (duplicates are looked up in it) and hands each whole chunk over
// as it fills, told what the format says so far (Know); what the end of
// the file says (labels seen late) goes with the last part.
type partSink struct {
	*model.Snapshot
	st     *stream
	known  func() model.Attr // the loader's known(), as far as it has read
	handed int               // flows handed over
	final  model.Attr        // Know at the end of the load
}

// AddExt adds the flow and hands the part over once it is a whole chunk.
func (p *partSink) AddExt(f *model.Flow, c *model.Counters, x *model.Ext) {
	p.Snapshot.AddExt(f, c, x)
	if p.Len()-p.handed == model.PartFlows {
		part := p.Snapshot.Part(p.handed)
		k := p.known()
		part.Know(k)
		part.Continues, part.More = p.handed > 0, true
		p.handed = p.Len()
		p.st.add(part, k)
	}
}

// Know keeps what the whole file says, for the last part: the parts handed
// over are the receiver's, not to be changed.
func (p *partSink) Know(a model.Attr) { p.final = a }

// inputSize is the size of r when it is a regular file, else 0.
func inputSize(r io.Reader) int64 {
	f, ok := r.(*os.File)
	if !ok {
		return 0
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	return fi.Size()
}

// Start begins the load in the background and waits for it up to wait. A
// load that ends within wait is Load's: its error is returned now, before
// any screen is drawn, and Run hands the whole table over at once. A
// longer one goes on: Start returns nil and Run hands the flows over in
// parts as they are read, with the bytes read of the file's size, and
// returns the load's error if it fails later; wait <= 0 does not wait
// at all. A cancelled ctx stops the load. Call Start or Load, once.
func (r *Source) Start(ctx context.Context, wait time.Duration) error {
	if r.batch != nil || r.st != nil {
		return nil
	}
	if r.r == nil {
		return fmt.Errorf("replay: %s: no input", r.name)
	}
	r.now = time.Now()
	st := newStream(inputSize(r.r))
	r.st = st
	go func() {
		sn, rep, meta, err := loadInto(ctx, r.r, r.now, r.lim, st)
		st.mu.Lock()
		st.res = loadResult{sn, rep, meta, err}
		st.mu.Unlock()
		close(st.done)
	}()
	if wait <= 0 {
		return nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-st.done:
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("replay: %s: %w", r.name, errCancelled)
	}
	// Loaded within wait: the whole table, as Load makes it (the parts
	// were never handed over).
	res := st.res
	r.st = nil
	if res.err == nil {
		res.sn.Know(st.sink.final)
	}
	return r.loaded(res)
}

// runParts is Run for a load in parts: a batch at once (the screen says
// loading), then the parts read since the last batch every interval, then
// the last part with what the whole file says.
func (r *Source) runParts(ctx context.Context, out chan<- *model.Batch) error {
	st := r.st
	tick := time.NewTicker(source.DefaultInterval)
	defer tick.Stop()
	for first := true; ; first = false {
		if !first {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			case <-st.done:
			}
		}
		b, end := st.take()
		b.Time = r.now
		b.Info = r.loadingInfo()
		if end {
			if err := r.finish(b); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return nil
		}
		if end {
			<-ctx.Done()
			return nil
		}
	}
}

// loadingInfo describes the replay while it loads: the count of its flows
// is not known yet, nor whether they have counters.
func (r *Source) loadingInfo() model.SourceInfo {
	return model.SourceInfo{
		Kind: "replay", Name: r.name, EventMode: model.EventsUnknown, Loading: true,
		ReadBytes: r.st.read.Load(), FileBytes: r.st.size,
		Entries: model.CountFileFlows, Rows: model.CountFileFlows,
	}
}

// finish completes b, the batch of the parts not taken yet, with the end
// of the load: the last part and the statistics and history of the whole
// file; or it returns the load's error. When the end of the file told
// more than the parts were told (labels seen late; the format decided
// otherwise), the last batch holds the whole table again, told what the
// whole file says.
func (r *Source) finish(b *model.Batch) error {
	st := r.st
	st.mu.Lock()
	res, known, mixed := st.res, st.known, st.mixed
	st.mu.Unlock()
	if err := r.loaded(res); err != nil {
		return err
	}
	full := r.batch
	r.batch = nil // the parts went to the receiver; keep no second table
	sink := st.sink
	last := sink.Part(sink.handed)
	last.Continues, last.More = sink.handed > 0, false
	last.Know(sink.final)
	if sink.handed > 0 && (mixed || known != sink.final) {
		whole := &model.Snapshot{}
		for i := 0; i < res.sn.Len(); i++ {
			f, c := res.sn.At(i)
			whole.AddExt(f, &c, res.sn.ExtAt(i))
		}
		whole.Know(sink.final)
		last = whole
	}
	// Merge takes the merged batch's time: the load's, as every part's.
	b.Merge(&model.Batch{Time: r.now, Snapshot: last})
	b.Stats, b.Info, b.History = full.Stats, full.Info, r.History()
	return nil
}
