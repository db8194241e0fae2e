package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/hostns"
	"github.com/mdlayher/netlink"
	"github.com/ti-mo/conntrack"
	"golang.org/x/sys/unix"
)

// KernelConfig configures the kernel source.
type KernelConfig struct {
	// NetNS is a namespace name (/run/netns/NAME) or path such as
	// /proc/PID/ns/net; "" watches cttop's own namespace.
	NetNS string
	// Interval is the batch period (default DefaultInterval).
	Interval time.Duration
	// ReadBuffer is the event socket's receive buffer in bytes (default
	// 64 MiB: 100k NEW+DESTROY events/s arrive without loss).
	ReadBuffer int
	// Reconcile is the period of reconciliation dumps; 0 adapts it to the
	// cost of a dump, a negative value turns them off.
	Reconcile time.Duration
	// Log receives diagnostics (nil: discarded).
	Log *slog.Logger
}

// Kernel is the live source: the conntrack table of a network namespace,
// read with a streaming dump and followed through ctnetlink events.
//
// Run starts one goroutine that reads events and never waits for anything
// but the socket, one that dumps (at start, after lost events, and
// periodically to reconcile), and hands batches over from its own.
type Kernel struct {
	cfg    KernelConfig
	nsFile *os.File
	nsFd   int
	query  *conntrack.Conn // stats and deletes
	dumps  *nlsock
	ctl    Sysctls

	statsMu  sync.Mutex
	lastCPU  map[uint16]conntrack.Stats
	totalCPU map[uint16]cpuTotals
	netFiles *hostns.NetFiles // clash_resolve, chaintoolong, expectations

	mu        sync.Mutex
	cur       *model.Batch // events for the next handoff
	post      *model.Batch // events since the running dump began, or nil
	overflows uint64
	counts    [4]uint64 // events read, by model.EventType
	// est is the table's size as the last dump and the NEW and DESTROY
	// events since make it (valid after the first dump); lastDump is when
	// that dump ended.
	est       int64
	estValid  bool
	lastDump  time.Time
	info      model.SourceInfo
	reconcile chan struct{} // asks the dump loop for a reconciliation now

	// beforeRecv, when set by a test, runs before each event receive;
	// recvErr, when set, can fail a receive.
	beforeRecv func()
	recvErr    func() error

	evMu sync.Mutex
	ev   *nlsock // the current listener
}

type cpuTotals struct{ drop, earlyDrop, insertFailed, invalid uint64 }

// NewKernel opens the table of cfg.NetNS and checks that cttop may read it.
func NewKernel(cfg KernelConfig) (*Kernel, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.ReadBuffer <= 0 {
		cfg.ReadBuffer = 64 << 20
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	k := &Kernel{cfg: cfg, lastCPU: map[uint16]conntrack.Stats{}, totalCPU: map[uint16]cpuTotals{},
		reconcile: make(chan struct{}, 1)}
	f, err := openNetNS(cfg.NetNS)
	if err != nil {
		return nil, err
	}
	if f != nil {
		k.nsFile, k.nsFd = f, int(f.Fd())
	}
	if k.ctl, err = ReadSysctls(k.nsFd, false); err != nil {
		k.Close()
		return nil, err
	}
	if k.query, err = conntrack.Dial(&netlink.Config{NetNS: k.nsFd}); err != nil {
		k.Close()
		return nil, mapErr(fmt.Errorf("open ctnetlink: %w", err))
	}
	k.openNetFiles()
	if _, err := k.Stats(); err != nil {
		k.Close()
		return nil, err
	}
	if k.dumps, err = dialSock(k.nsFd, 1<<20); err != nil {
		k.Close()
		return nil, err
	}
	kind := "kernel"
	k.info = model.SourceInfo{
		Kind: kind, Name: cfg.NetNS, EventMode: int(k.ctl.Events),
		Acct: k.ctl.Acct == 1, AcctKnown: k.ctl.Acct >= 0, Stale: true,
	}
	if k.ctl.Events < 0 {
		k.info.EventMode = model.EventsUnknown
	}
	return k, nil
}

// Close releases the sockets and the namespace.
func (k *Kernel) Close() error {
	if k.dumps != nil {
		k.dumps.Close()
	}
	if k.query != nil {
		k.query.Close()
	}
	if k.nsFile != nil {
		k.nsFile.Close()
	}
	if k.netFiles != nil {
		k.netFiles.Close()
	}
	return nil
}

// Sysctls returns the conntrack settings read when the source was opened.
func (k *Kernel) Sysctls() Sysctls { return k.ctl }

// NetNSFd returns the watched namespace's file descriptor, 0 for cttop's own.
func (k *Kernel) NetNSFd() int { return k.nsFd }

// Info describes the source as it is now.
func (k *Kernel) Info() model.SourceInfo {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.info
}

// Stats samples the table size and the kernel's per-CPU counters, summed
// over CPUs and made cumulative across the 32-bit wrap of each counter.
func (k *Kernel) Stats() (model.TableStats, error) {
	g, err := k.query.StatsGlobal()
	if err != nil {
		return model.TableStats{}, mapErr(fmt.Errorf("read table statistics: %w", err))
	}
	cpus, err := k.query.Stats()
	if err != nil {
		return model.TableStats{}, mapErr(fmt.Errorf("read table statistics: %w", err))
	}
	k.statsMu.Lock()
	defer k.statsMu.Unlock()
	st := model.TableStats{Valid: true, Count: uint64(g.Entries), Max: uint64(g.MaxEntries)}
	for _, c := range cpus {
		last, seen := k.lastCPU[c.CPUID]
		tot := k.totalCPU[c.CPUID]
		if !seen {
			tot = cpuTotals{uint64(c.Drop), uint64(c.EarlyDrop), uint64(c.InsertFailed), uint64(c.Invalid)}
		} else {
			tot.drop += uint64(c.Drop - last.Drop)
			tot.earlyDrop += uint64(c.EarlyDrop - last.EarlyDrop)
			tot.insertFailed += uint64(c.InsertFailed - last.InsertFailed)
			tot.invalid += uint64(c.Invalid - last.Invalid)
		}
		k.lastCPU[c.CPUID], k.totalCPU[c.CPUID] = c, tot
		st.Drop += tot.drop
		st.EarlyDrop += tot.earlyDrop
		st.InsertFailed += tot.insertFailed
		st.Invalid += tot.invalid
	}
	k.extraStats(&st)
	return st, nil
}

// Load dumps the whole table into t (for --once), without events.
func (k *Kernel) Load(t *model.Table) error {
	now := uint32(time.Now().Unix())
	return k.dumps.dump(now, func(f *model.Flow, c *model.Counters) { t.Insert(f, c) })
}

// Run implements Source.
func (k *Kernel) Run(ctx context.Context, out chan<- *model.Batch) error {
	ev, err := k.listen()
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.cur = &model.Batch{}
	k.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	resync := make(chan struct{}, 1)
	resync <- struct{}{} // the initial dump
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); k.listenLoop(ctx, ev, resync, errc) }()
	go func() { defer wg.Done(); k.dumpLoop(ctx, resync, errc) }()
	defer func() {
		cancel()
		k.closeListener()
		k.dumps.Close() // unblocks a dump in progress
		wg.Wait()
	}()

	box := outbox{out: out}
	tick := time.NewTicker(k.cfg.Interval)
	defer tick.Stop()
	lastLog := time.Now()
	var held uint64
	var drift driftWatch
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case <-tick.C:
			st, err := k.Stats()
			if err != nil {
				return err
			}
			k.mu.Lock()
			b := k.cur
			k.cur = &model.Batch{}
			b.Info = k.info
			k.mu.Unlock()
			b.Time = time.Now()
			b.Stats = st
			if !box.offer(b) {
				held++
			}
			if drift.check(k, st.Count, b.Time) {
				k.cfg.Log.Debug("table size differs from the events' count, reconciling", "kernel", st.Count)
				k.Reconcile()
			}
			if b.Time.Sub(lastLog) >= time.Second {
				lastLog = b.Time
				k.mu.Lock()
				c, lost := k.counts, k.overflows
				k.mu.Unlock()
				k.cfg.Log.Debug("events", "new", c[model.EventNew], "update", c[model.EventUpdate],
					"destroy", c[model.EventDestroy], "lost", lost, "held_batches", held)
			}
		}
	}
}

// readEvents is the event reader: it only receives, decodes and coalesces,
// so it keeps up with the kernel. Lost events (ENOBUFS, or a datagram too
// big for its slot) request a resync.
//
// It is written by hand rather than on the library's Listen: a batch of
// datagrams per system call (recvmmsg), the clock read and the lock taken
// once per batch, and the allocation-free decoder, where Listen costs a
// system call, 44 allocations and 2.1 us per event and stopped near 55,000
// events/s. BenchmarkEventPath measures it without a kernel.
// listen opens an event socket: a large receive buffer, the NEW, UPDATE
// and DESTROY groups.
func (k *Kernel) listen() (*nlsock, error) {
	ev, err := dialSock(k.nsFd, 64<<10)
	if err != nil {
		return nil, err
	}
	if err := ev.setReadBuffer(k.cfg.ReadBuffer); err != nil {
		k.cfg.Log.Warn("raise event socket buffer", "err", err)
	}
	k.cfg.Log.Info("event socket", "rcvbuf", ev.readBuffer())
	if err := ev.joinGroups(groupNew, groupUpdate, groupDestroy); err != nil {
		ev.Close()
		return nil, err
	}
	k.evMu.Lock()
	k.ev = ev
	k.evMu.Unlock()
	return ev, nil
}

func (k *Kernel) closeListener() {
	k.evMu.Lock()
	defer k.evMu.Unlock()
	if k.ev != nil {
		k.ev.Close()
	}
}

// listenerRetries is how many listeners in a row may die or fail to open
// before the source gives up.
const listenerRetries = 5

// listenLoop keeps a listener alive: when one dies of anything but ENOBUFS
// (which readEvents handles itself), it says the view is stale, opens a new
// one, and asks for a resync, so the events in between are made up for by
// a dump. Only a listener that keeps failing ends the source.
func (k *Kernel) listenLoop(ctx context.Context, ev *nlsock, resync chan<- struct{}, errc chan<- error) {
	failures := 0
	for {
		start := time.Now()
		err := k.readEvents(ev, resync)
		ev.Close()
		if err == nil || ctx.Err() != nil {
			return
		}
		if time.Since(start) > 10*time.Second {
			failures = 0
		}
		failures++
		k.markLost("listener died: " + err.Error())
		if failures > listenerRetries {
			errc <- fmt.Errorf("read conntrack events: %w", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(failures) * 100 * time.Millisecond):
		}
		if ev, err = k.listen(); err != nil {
			errc <- err
			return
		}
		if ctx.Err() != nil {
			ev.Close()
			return
		}
		k.signal(resync)
	}
}

// markLost records that events were lost: the view is stale until a resync.
func (k *Kernel) markLost(why string) {
	k.mu.Lock()
	k.overflows++
	k.info.Stale = true
	k.mu.Unlock()
	k.cfg.Log.Warn("conntrack events lost (" + why + "), resyncing")
}

func (k *Kernel) signal(resync chan<- struct{}) {
	select {
	case resync <- struct{}{}:
	default:
	}
}

// readEvents reads one listener until it is closed (nil) or fails (the
// error).
func (k *Kernel) readEvents(ev *nlsock, resync chan<- struct{}) error {
	var e model.Event
	lost := func(why string) {
		k.markLost(why)
		k.signal(resync)
	}
	var dst *model.Batch
	add := func(e *model.Event) {
		k.counts[e.Type]++
		switch e.Type {
		case model.EventNew:
			k.est++
		case model.EventDestroy:
			k.est--
		}
		dst.Add(e)
	}
	for {
		if k.beforeRecv != nil {
			k.beforeRecv()
		}
		n, err := ev.recvMany()
		if err == nil && k.recvErr != nil {
			err = k.recvErr()
		}
		if errors.Is(err, unix.ENOBUFS) {
			lost("ENOBUFS")
			continue
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) || errors.Is(err, unix.EBADF) {
				return nil
			}
			return err
		}
		now := uint32(time.Now().Unix())
		truncated := false
		var bad error
		k.mu.Lock()
		dst = k.cur
		if k.post != nil {
			dst = k.post
		}
		for i := 0; i < n; i++ {
			b, err := ev.datagram(i)
			if err != nil {
				truncated = true
				continue
			}
			if err := decodeEvents(b, now, &e, add); err != nil && bad == nil {
				bad = err
			}
		}
		k.mu.Unlock()
		if bad != nil {
			k.cfg.Log.Warn("bad event", "err", bad)
		}
		if truncated {
			lost("datagram truncated")
		}
	}
}

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
		snap := &model.Snapshot{}
		err := k.dumps.dump(uint32(start.Unix()), func(f *model.Flow, c *model.Counters) { snap.Add(f, c) })
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
		k.post.Snapshot = snap
		k.est = int64(snap.Len()) + int64(k.post.New) - int64(k.post.Gone)
		k.estValid, k.lastDump = true, time.Now()
		k.cur.Merge(k.post)
		k.post = nil
		switch {
		case first:
		case periodic && !k.info.Stale:
			k.info.Reconciles++
		default:
			k.info.Resyncs++
		}
		k.info.Stale = false
		// With the snapshot, so no batch shows one without the other.
		every := k.reconcilePeriod(dur)
		k.info.DumpTime, k.info.DumpEvery = dur, every
		k.info.ExpiryGrace = 0
		if every > 0 {
			k.info.ExpiryGrace = 2*every + 10*time.Second
		}
		k.mu.Unlock()
		k.cfg.Log.Info("dump", "flows", snap.Len(), "took", dur, "periodic", periodic)
		return dur, nil
	}
}
