package app

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cttop/cttop/guard"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/source/host"
	"github.com/cttop/cttop/ui"
)

// tables runs the source of the table the UI shows and switches it to
// another namespace's when the namespaces view asks (ui.Config.Watch): the
// old source stops and closes, the new one starts, cttop does not restart.
type tables struct {
	ctx context.Context
	cfg Config
	log *slog.Logger

	mu  sync.Mutex
	cur *running
}

// running is one source being run for the UI.
type running struct {
	src     source.Source
	close   func()
	cancel  context.CancelFunc
	ended   chan struct{} // closed when Run returned
	stopped atomic.Bool   // stop ended it: the UI is not told
	actions *kernelActions
}

// start runs src until ctx ends or the next switch, and returns what the
// UI needs of it.
func (t *tables) start(src source.Source, closeSrc func()) ui.Watched {
	ctx, cancel := context.WithCancel(t.ctx)
	batches := make(chan *model.Batch)
	done := make(chan error, 1)
	r := &running{src: src, close: closeSrc, cancel: cancel, ended: make(chan struct{})}
	go func() {
		err := src.Run(ctx, batches)
		if !r.stopped.Load() {
			done <- err // the source ended by itself: the UI says why and quits
		}
		close(r.ended)
	}()
	w := ui.Watched{Batches: batches, Done: done, Tuning: tuningReader(src), Inode: watchedInode(src)}
	k, ok := src.(actionSource)
	switch {
	case t.cfg.ReadOnly:
		w.ReadOnly = "--read-only"
	case !ok:
		w.ReadOnly = "not a live kernel table"
		switch {
		case t.cfg.Demo:
			w.ReadOnly = "demo"
		case t.cfg.Replay != "":
			w.ReadOnly = "replay"
		}
	default:
		r.actions = newKernelActions(t.ctx, k, t.log)
		w.Actions = r.actions
	}
	t.mu.Lock()
	t.cur = r
	t.mu.Unlock()
	return w
}

// watch switches to the table of the namespace with inode ino. The new
// table is opened first: if that fails, the old one goes on.
func (t *tables) watch(ino uint64) (ui.Watched, error) {
	path, label, err := resolveNetNS(strconv.FormatUint(ino, 10))
	if err != nil {
		return ui.Watched{}, err
	}
	k, err := source.NewKernel(source.KernelConfig{NetNS: path, Label: label, Interval: t.cfg.Interval, Log: t.log})
	if err != nil {
		return ui.Watched{}, err
	}
	t.stop()
	return t.start(k, func() { k.Close() }), nil
}

// interrupted waits for the actions under way on the table shown (the
// run's context has ended) and says what one cut short had done, "" if
// none.
func (t *tables) interrupted() string {
	t.mu.Lock()
	r := t.cur
	t.mu.Unlock()
	if r == nil || r.actions == nil {
		return ""
	}
	return r.actions.wait()
}

// stop ends the source running now, waits for it and closes it.
func (t *tables) stop() {
	t.mu.Lock()
	r := t.cur
	t.cur = nil
	t.mu.Unlock()
	if r == nil {
		return
	}
	r.stopped.Store(true)
	r.cancel()
	<-r.ended
	if r.actions != nil {
		r.actions.close()
	}
	r.close()
}

// watchedInode is the inode of the namespace a source reads (0: not a
// namespace's table, or unknown).
func watchedInode(src source.Source) uint64 {
	ns, ok := src.(source.Namespaced)
	if !ok {
		return 0
	}
	ino, err := guard.NetNSInode(ns.NetNSFd())
	if err != nil {
		return 0
	}
	return ino
}

// feedHost runs a host watcher for the UI: namespace snapshots each
// second and the kernel log, converted for the UI, until ctx ends.
func feedHost(ctx context.Context, log *slog.Logger) <-chan ui.HostUpdate {
	entry, bucket := entrySizes()
	w := host.New(host.Config{EntryBytes: entry, BucketBytes: bucket, Log: log})
	in := make(chan host.Update)
	out := make(chan ui.HostUpdate)
	go func() { w.Run(ctx, in) }()
	go func() {
		for {
			var u host.Update
			select {
			case <-ctx.Done():
				return
			case u = <-in:
			}
			hu := ui.HostUpdate{Host: u.Host, Lines: u.Lines, At: time.Now()}
			if u.LogErr != nil {
				hu.LogErr = u.LogErr.Error()
			}
			if u.Err != nil {
				log.Debug("namespace discovery", "err", u.Err)
			}
			select {
			case <-ctx.Done():
				return
			case out <- hu:
			}
		}
	}()
	return out
}

// historySource is a source that brings a table's history (a replay of a
// file saved with w).
type historySource interface {
	History() *model.History
}
