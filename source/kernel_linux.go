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

	mu        sync.Mutex
	cur       *model.Batch // events for the next handoff
	post      *model.Batch // events since the running dump began, or nil
	overflows uint64
	info      model.SourceInfo
	reconcile chan struct{} // asks the dump loop for a reconciliation now

	// beforeRecv, when set by a test, runs before each event receive.
	beforeRecv func()
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
	return st, nil
}

// Load dumps the whole table into t (for --once), without events.
func (k *Kernel) Load(t *model.Table) error {
	now := uint32(time.Now().Unix())
	return k.dumps.dump(now, func(f *model.Flow, c *model.Counters) { t.Insert(f, c) })
}

// Run implements Source.
func (k *Kernel) Run(ctx context.Context, out chan<- *model.Batch) error {
	ev, err := dialSock(k.nsFd, 64<<10)
	if err != nil {
		return err
	}
	if err := ev.setReadBuffer(k.cfg.ReadBuffer); err != nil {
		k.cfg.Log.Warn("raise event socket buffer", "err", err)
	}
	k.cfg.Log.Info("event socket", "rcvbuf", ev.readBuffer())
	if err := ev.joinGroups(groupNew, groupUpdate, groupDestroy); err != nil {
		ev.Close()
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
	go func() { defer wg.Done(); k.readEvents(ev, resync, errc) }()
	go func() { defer wg.Done(); k.dumpLoop(ctx, resync, errc) }()
	defer func() {
		ev.Close()
		k.dumps.Close() // unblocks a dump in progress
		wg.Wait()
	}()

	box := outbox{out: out}
	tick := time.NewTicker(k.cfg.Interval)
	defer tick.Stop()
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
			box.offer(b)
		}
	}
}

// readEvents is the event reader: it only receives, decodes and coalesces,
// so it keeps up with the kernel. Lost events (ENOBUFS) request a resync.
func (k *Kernel) readEvents(ev *nlsock, resync chan<- struct{}, errc chan<- error) {
	var e model.Event
	for {
		if k.beforeRecv != nil {
			k.beforeRecv()
		}
		b, err := ev.recv()
		if errors.Is(err, unix.ENOBUFS) {
			k.mu.Lock()
			k.overflows++
			k.info.Stale = true
			k.mu.Unlock()
			k.cfg.Log.Warn("conntrack events lost (ENOBUFS), resyncing")
			select {
			case resync <- struct{}{}:
			default:
			}
			continue
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) || errors.Is(err, unix.EBADF) {
				return
			}
			errc <- fmt.Errorf("read conntrack events: %w", err)
			return
		}
		now := uint32(time.Now().Unix())
		for len(b) > 0 {
			m, rest, err := nextMsg(b)
			if err != nil {
				k.cfg.Log.Warn("bad event message", "err", err)
				break
			}
			b = rest
			e.Type = eventType(&m)
			if e.Type == 0 || len(m.body) < nfgenHdrLen {
				continue
			}
			if err := decodeFlow(m.body[nfgenHdrLen:], m.body[0], now, &e.Flow, &e.Counters); err != nil {
				k.cfg.Log.Warn("bad event", "err", err)
				continue
			}
			k.mu.Lock()
			if k.post != nil {
				k.post.Add(&e)
			} else {
				k.cur.Add(&e)
			}
			k.mu.Unlock()
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
		every := k.reconcilePeriod(dur)
		k.mu.Lock()
		k.info.DumpTime, k.info.DumpEvery = dur, every
		k.info.ExpiryGrace = 0
		if every > 0 {
			k.info.ExpiryGrace = 2*every + 10*time.Second
		}
		k.mu.Unlock()
		if every > 0 {
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

// reconcilePeriod keeps dumps under about 4% of the time (10% when the
// kernel sends no events at all and dumps are all there is).
func (k *Kernel) reconcilePeriod(dump time.Duration) time.Duration {
	switch {
	case k.cfg.Reconcile > 0:
		return k.cfg.Reconcile
	case k.cfg.Reconcile < 0:
		return 0
	case k.info.EventMode == model.EventsOff:
		return max(2*time.Second, 10*dump)
	}
	return max(10*time.Second, 25*dump)
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
		k.mu.Unlock()
		k.cfg.Log.Info("dump", "flows", snap.Len(), "took", dur, "periodic", periodic)
		return dur, nil
	}
}
