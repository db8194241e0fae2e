package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
)

var _ source.Source = (*Source)(nil)

// Source is the source of a saved table: it loads the file once and hands
// the whole table over as one snapshot, or, for a load that takes longer
// than a screen should wait (Start), in parts as it reads it.
type Source struct {
	name string
	r    io.Reader

	lim     Limits
	mu      sync.Mutex
	report  Report
	history *model.History
	batch   *model.Batch // loaded by Load, handed over by Run
	st      *stream      // the load in parts Start began
	now     time.Time    // when the load began: the time of its batches
}

// New returns a replay of the table read from r. name is the file name
// shown in the header and in errors ("-" means stdin). The caller keeps
// ownership of r and closes it after Run returns.
func New(name string, r io.Reader) *Source {
	if name == "-" || name == "" {
		name = "stdin"
	}
	return &Source{name: name, r: r}
}

// SetLimits sets the limits of the load (the zero Limits are
// DefaultLimits). Call it before Load.
func (r *Source) SetLimits(lim Limits) { r.lim = lim }

// Name returns the name shown for the replay ("stdin" for "-").
func (r *Source) Name() string { return r.name }

// Load reads the file now, so that an empty, unknown or unreadable file
// is an error before any screen is drawn. Run calls it if nobody did.
// After Start, it waits for the load Start began (do not Run then).
func (r *Source) Load(ctx context.Context) error {
	if r.batch != nil {
		return nil
	}
	if st := r.st; st != nil {
		select {
		case <-st.done:
		case <-ctx.Done():
			return fmt.Errorf("replay: %s: %w", r.name, errCancelled)
		}
		r.st = nil
		res := st.res
		if res.err == nil {
			res.sn.Know(st.sink.final)
		}
		return r.loaded(res)
	}
	if r.r == nil {
		return fmt.Errorf("replay: %s: no input", r.name)
	}
	r.now = time.Now()
	// The load runs apart, so that a read blocked on a pipe or a FIFO
	// nobody writes to cannot hold up the end of ctx: Load returns then,
	// and the reader stops at its next read (or with the process).
	done := make(chan loadResult, 1)
	go func() {
		sn, rep, meta, err := loadReplay(ctx, r.r, r.now, r.lim)
		done <- loadResult{sn, rep, meta, err}
	}()
	select {
	case res := <-done:
		return r.loaded(res)
	case <-ctx.Done():
		return fmt.Errorf("replay: %s: %w", r.name, errCancelled)
	}
}

// loaded keeps the end of a load: its report and history, and the batch
// of the whole table, or its error.
func (r *Source) loaded(res loadResult) error {
	sn, rep, meta, err := res.sn, res.rep, res.meta, res.err
	r.mu.Lock()
	r.report = rep
	r.history = meta.history
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("replay: %s: %w", r.name, err)
	}
	stats := meta.stats
	if !stats.Valid {
		stats = model.TableStats{Unrecorded: true}
	}
	stats.Valid = true
	stats.Count = uint64(sn.Len())
	info := model.SourceInfo{
		Kind:      "replay",
		Name:      r.name,
		EventMode: model.EventsUnknown,
		Acct:      meta.acct,
		// Whether its host counted: the flows say, unless the format
		// carries no counters at all (-o save).
		AcctKnown: meta.acct || rep.Format != FormatSave,
		// The count is the flows loaded (a file's own count, if it has
		// one, is of another moment).
		Entries: model.CountFileFlows,
		Rows:    model.CountFileFlows,
	}
	if rep.Notable() {
		info.Note = rep.String()
	}
	r.batch = &model.Batch{Time: r.now, Snapshot: sn, Stats: stats, Info: info}
	return nil
}

// Run loads the file (unless Load did) and returns its error if that
// fails, then offers one batch with the snapshot, and waits for ctx to end
// (returning nil). A cancelled ctx also stops a long load.
func (r *Source) Run(ctx context.Context, out chan<- *model.Batch) error {
	if r.st != nil {
		return r.runParts(ctx, out)
	}
	if err := r.Load(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	b := r.batch
	// One batch and no more: nothing to merge it with, so wait for the
	// receiver rather than offer.
	select {
	case out <- b:
	case <-ctx.Done():
		return nil
	}
	<-ctx.Done()
	return nil
}

// Snapshot implements source.Source: the loaded table (the file is loaded
// first if Load has not run), with the statistics the file recorded.
func (r *Source) Snapshot(ctx context.Context) (*model.Table, model.TableStats, error) {
	if err := r.Load(ctx); err != nil {
		return nil, model.TableStats{}, err
	}
	t := model.NewTable(r.batch.Snapshot.Len())
	t.Apply(r.batch)
	return t, r.batch.Stats, nil
}

// Report returns what the load skipped; it is the zero report until Run has
// loaded the file.
func (r *Source) Report() Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.report
}

// errCancelled ends a load whose context ended.
var errCancelled = errors.New("load cancelled")

// ErrCancelled is errCancelled for callers: a load ended by its context.
var ErrCancelled = errCancelled

// History returns the table's per-second history the file holds (a table
// saved from cttop with w), nil if none or not loaded yet.
func (r *Source) History() *model.History {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.history
}
