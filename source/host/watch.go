package host

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/hostns"
	"github.com/cttop/cttop/source/kmsg"
)

// Defaults of Config.
const (
	DefaultInterval = time.Second
	DefaultBacklog  = 10 * time.Minute
	// NoKernelLog as Config.KernelLog reads no kernel log.
	NoKernelLog = "-"
)

// maxHeldLines bounds the log lines an Update holds while the receiver is
// busy; older ones are dropped (and counted in Update.Dropped).
const maxHeldLines = 1000

// Config configures a Watcher.
type Config struct {
	// Interval is the time between snapshots (DefaultInterval if zero).
	Interval time.Duration
	// KernelLog is the kernel log device ("": kmsg.Path; NoKernelLog:
	// none); Backlog how old a line already in its buffer may be to be
	// shown (DefaultBacklog if zero).
	KernelLog string
	Backlog   time.Duration
	// Discoverer finds the namespaces (nil: the host's); NoNamespaces
	// takes no snapshots at all (the kernel log only).
	Discoverer   *hostns.Discoverer
	NoNamespaces bool
	// EntryBytes and BucketBytes estimate the table's memory (0: unknown),
	// copied into every snapshot.
	EntryBytes, BucketBytes int64
	// Log receives diagnostics (nil: discarded).
	Log *slog.Logger
}

// Update is what a Watcher hands over: the latest snapshot and the log
// lines since the last Update.
type Update struct {
	// Host is the latest snapshot (nil: none since the last Update).
	Host *model.HostSnapshot
	// Lines are the kernel log's new lines, oldest first; Dropped counts
	// lines dropped because the receiver did not take them in time.
	Lines   []model.LogLine
	Dropped int
	// LogErr says, once, why the kernel log cannot be read (such as
	// kmsg.ErrPermission); the watcher goes on without it.
	LogErr error
	// Err is a failed discovery (the snapshot is missing, not wrong).
	Err error
}

// merge adds a later update to u.
func (u *Update) merge(v *Update) {
	if v.Host != nil {
		u.Host = v.Host
	}
	if v.Err != nil || v.Host != nil {
		u.Err = v.Err
	}
	if v.LogErr != nil {
		u.LogErr = v.LogErr
	}
	u.Lines = append(u.Lines, v.Lines...)
	u.Dropped += v.Dropped
	if over := len(u.Lines) - maxHeldLines; over > 0 {
		u.Lines = append(u.Lines[:0:0], u.Lines[over:]...)
		u.Dropped += over
	}
}

// Watcher samples the namespaces and reads the kernel log.
type Watcher struct {
	cfg     Config
	sampler hostns.Sampler
}

// New returns a Watcher of cfg.
func New(cfg Config) *Watcher {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Backlog <= 0 {
		cfg.Backlog = DefaultBacklog
	}
	if cfg.KernelLog == "" {
		cfg.KernelLog = kmsg.Path
	}
	if cfg.Discoverer == nil {
		cfg.Discoverer = &hostns.Discoverer{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Watcher{cfg: cfg, sampler: hostns.Sampler{D: cfg.Discoverer}}
}

// Snapshot takes one snapshot now (rates unknown on the first one).
func (w *Watcher) Snapshot() (model.HostSnapshot, error) {
	snap, err := w.sampler.Sample(time.Now())
	if err != nil {
		return model.HostSnapshot{}, err
	}
	m := snap.Model()
	m.EntryBytes, m.BucketBytes = w.cfg.EntryBytes, w.cfg.BucketBytes
	return m, nil
}

// Run sends updates on out until ctx ends (it returns nil then). It never
// blocks on out: what the receiver has not taken is merged into the next
// update. The first snapshot is taken at once.
func (w *Watcher) Run(ctx context.Context, out chan<- Update) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lines := make(chan model.LogLine, 256)
	logErrs := make(chan error, 1)
	var held *Update
	hold := func(u Update) {
		if held == nil {
			held = &Update{}
		}
		held.merge(&u)
	}
	logDone := make(chan struct{})
	if err := w.startLog(ctx, lines, logErrs, logDone); err != nil {
		hold(Update{LogErr: err})
	} else {
		defer func() { <-logDone }()
	}
	tick := time.NewTicker(w.cfg.Interval)
	defer tick.Stop()
	sample := func() {
		if w.cfg.NoNamespaces {
			return
		}
		snap, err := w.Snapshot()
		if err != nil {
			w.cfg.Log.Debug("namespace discovery failed", "err", err)
			hold(Update{Err: err})
			return
		}
		hold(Update{Host: &snap})
	}
	sample()
	for {
		var send chan<- Update
		var next Update
		if held != nil {
			send, next = out, *held
		}
		select {
		case <-ctx.Done():
			return nil
		case send <- next:
			held = nil
		case l := <-lines:
			hold(Update{Lines: []model.LogLine{l}})
		case err := <-logErrs:
			hold(Update{LogErr: err})
		case <-tick.C:
			sample()
		}
	}
}

// startLog opens the kernel log and reads it on a goroutine of its own
// until ctx ends, closing done then; a read error that ends it comes on
// errs.
func (w *Watcher) startLog(ctx context.Context, lines chan<- model.LogLine, errs chan<- error, done chan<- struct{}) error {
	if w.cfg.KernelLog == NoKernelLog {
		close(done)
		return nil
	}
	r, err := kmsg.Open(w.cfg.KernelLog)
	if err != nil {
		close(done)
		return err
	}
	go func() {
		defer close(done)
		err := r.Run(ctx, w.cfg.Backlog, func(l model.LogLine) {
			select {
			case lines <- l:
			case <-ctx.Done():
			}
		})
		if err != nil {
			w.cfg.Log.Error("kernel log", "err", err)
			errs <- err
		}
	}()
	return nil
}
