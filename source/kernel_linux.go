package source

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/hostns"
	"github.com/cttop/cttop/tuning"
	"github.com/mdlayher/netlink"
	"github.com/ti-mo/conntrack"
)

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
	reconcile chan struct{}     // asks the dump loop for a reconciliation now
	checks    chan []model.Flow // overdue flows to ask the kernel about (Check)

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
		reconcile: make(chan struct{}, 1), checks: make(chan []model.Flow, 1)}
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
	kind, label := "kernel", cfg.NetNS
	if cfg.Label != "" {
		label = cfg.Label
	}
	k.info = model.SourceInfo{
		Kind: kind, Name: label, EventMode: int(k.ctl.Events),
		Acct: k.ctl.Acct == 1, AcctKnown: k.ctl.Acct >= 0, Loading: true,
		Entries: model.CountKernel, Rows: model.CountDump,
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

// Load dumps the whole table into t, without events.
func (k *Kernel) Load(t *model.Table) error {
	now := uint32(time.Now().Unix())
	return k.dumps.dump(now, func(f *model.Flow, c *model.Counters, x *model.Ext) { t.InsertExt(f, c, cloneExt(x)) })
}

// Snapshot implements Source: one dump, with the statistics read just
// after it (the table comes from one dump; the statistics are of the same
// moment give or take the flows that changed while it ran).
func (k *Kernel) Snapshot(context.Context) (*model.Table, model.TableStats, error) {
	st, err := k.Stats()
	if err != nil {
		return nil, st, err
	}
	t := model.NewTable(int(st.Count))
	if err := k.Load(t); err != nil {
		return nil, st, err
	}
	if st2, err := k.Stats(); err == nil {
		st = st2
	}
	return t, st, nil
}

// TuningSettings implements SettingsReader: the settings of the watched
// namespace, named as it was given.
func (k *Kernel) TuningSettings() (tuning.Settings, error) {
	s, err := ReadTuning(k.nsFd)
	if err != nil {
		return s, err
	}
	s.NetNS, s.NetNSName = k.cfg.NetNS, k.info.Name
	return s, nil
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
	wg.Add(3)
	go func() { defer wg.Done(); k.checkLoop(ctx) }()
	go func() { defer wg.Done(); k.listenLoop(ctx, ev, resync, errc) }()
	go func() { defer wg.Done(); k.dumpLoop(ctx, resync, errc) }()
	defer func() {
		cancel()
		k.closeListener()
		k.dumps.Close() // unblocks a dump in progress
		wg.Wait()
	}()

	box := NewOutbox(out)
	tick := time.NewTicker(k.cfg.Interval)
	defer tick.Stop()
	lastLog := time.Now()
	var held uint64
	var drift driftWatch
	// The first batch goes at once, so the screen says loading (with the
	// kernel's count) before the first interval has passed.
	first := make(chan time.Time, 1)
	first <- time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case <-first:
			first = nil
			if err := k.handOver(box, &held, &drift); err != nil {
				return err
			}
		case <-tick.C:
			if err := k.handOver(box, &held, &drift); err != nil {
				return err
			}
			if time.Since(lastLog) >= time.Second {
				lastLog = time.Now()
				k.mu.Lock()
				c, lost := k.counts, k.overflows
				k.mu.Unlock()
				k.cfg.Log.Debug("events", "new", c[model.EventNew], "update", c[model.EventUpdate],
					"destroy", c[model.EventDestroy], "lost", lost, "held_batches", held)
			}
		}
	}
}

// handOver hands the events and dump parts gathered since the last
// handover to the receiver, with the table statistics.
func (k *Kernel) handOver(box *Outbox, held *uint64, drift *driftWatch) error {
	st, err := k.Stats()
	if err != nil {
		return err
	}
	k.mu.Lock()
	b := k.cur
	k.cur = &model.Batch{}
	b.Info = k.info
	k.mu.Unlock()
	b.Checker = k
	b.Time = time.Now()
	b.Stats = st
	if !box.Offer(b) {
		*held++
	}
	if drift.check(k, st.Count, b.Time) {
		k.cfg.Log.Debug("table size differs from the events' count, reconciling", "kernel", st.Count)
		k.Reconcile()
	}
	return nil
}
