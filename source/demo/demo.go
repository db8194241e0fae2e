package demo

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
)

// Config configures the demo source. Zero fields take their defaults.
type Config struct {
	// Seed makes the simulation reproducible.
	Seed int64
	// Interval is how often Run steps the simulation (default DefaultInterval).
	Interval time.Duration
	// Flows is the size of the table in calm times (default 3000).
	Flows int
	// Max is the nf_conntrack_max the demo reports and enforces (default
	// 16384, or the power of two at least four times Flows if that is more),
	// small enough for the flood to fill the table.
	Max uint64
}

var _ source.Source = (*Source)(nil)

// Demo defaults.
const (
	demoFlows = 3000
	demoMax   = 16384
)

// Source is a synthetic source that needs neither root nor a kernel: a
// server with web, SSH and DNS services, outbound traffic and a few NATed
// flows, hit every 200 seconds by a SYN flood from a few addresses that
// fills the table until the simulated kernel early-drops and drops. It
// plays the kernel's part faithfully enough for every view of cttop: TCP
// states and timeouts, NEW, UPDATE and DESTROY events (counters only on
// DESTROY), a full dump with counters every ten seconds, and the table
// statistics.
//
// A Source is not safe for concurrent use: Run owns it until it returns, and
// Step must not be called meanwhile.
type Source struct {
	cfg   Config
	max   int
	scale float64 // arrival rates relative to the base mix
	r     *rand.Rand

	started        bool
	t0, last, dump int64 // Unix ns: first Step, last Step, last dump

	flows    []simFlow
	tuples   map[simTupleKey]struct{} // both tuples of every flow, as the kernel hashes them
	ids      map[uint32]struct{}
	arrivals []simArrival

	b     *model.Batch // the batch being built; nil while warming up
	stats model.TableStats

	reconciles, resyncs int
	dumpTime            time.Duration

	clients4, clients6 []model.Addr
	scanners           []model.Addr
	wave               demoFloodWave
	waveK              int64
}

// Simulation parameters.
const (
	simSecond = int64(time.Second)

	demoWarmUp    = 300 * simSecond // simulated before the first Step
	demoSubStep   = simSecond       // longest step of the simulation
	demoWarmStep  = 10 * simSecond  // its step while warming up: no flood, no full table
	demoCatchUp   = 300 * simSecond // most arrivals simulated after a gap
	demoDumpEvery = 10 * time.Second
	// demoMaxEvents bounds the events of a batch: past it, the batch
	// carries a snapshot instead, as a real source resyncs.
	demoMaxEvents = 4096
	// demoEvictSamples is how many flows near the new one's hash bucket the
	// simulated early_drop looks at for one that is not assured.
	demoEvictSamples = 2
)

// simTupleKey is one direction of a flow as the kernel hashes it.
type simTupleKey struct {
	t     model.Tuple
	zone  uint16
	proto uint8
}

type simArrival struct {
	t     int64
	class uint8
}

// New returns a demo source. Nothing happens until the first Step.
func New(cfg Config) *Source {
	if cfg.Interval <= 0 {
		cfg.Interval = source.DefaultInterval
	}
	if cfg.Flows <= 0 {
		cfg.Flows = demoFlows
	}
	if cfg.Max == 0 {
		cfg.Max = demoMax
		for cfg.Max < 4*uint64(cfg.Flows) {
			cfg.Max *= 2
		}
	}
	d := &Source{
		cfg:    cfg,
		max:    int(min(cfg.Max, math.MaxInt32)),
		scale:  max(float64(cfg.Flows-demoFixedFlows), 1) / (demoBaseFlows - demoFixedFlows),
		r:      rand.New(rand.NewPCG(uint64(cfg.Seed), 0x63747470_64656d6f)),
		tuples: make(map[simTupleKey]struct{}),
		ids:    make(map[uint32]struct{}),
		waveK:  -1,
	}
	d.stats = model.TableStats{
		Valid:        true,
		Max:          cfg.Max,
		InsertFailed: uint64(d.r.IntN(20)),
		Invalid:      uint64(1000 + d.r.IntN(4000)),
	}
	d.makePools()
	return d
}

// Step advances the simulation to now and returns what a kernel source
// would hand over: the coalesced events since the last Step (or a snapshot
// every ten seconds, and on the first call), the table statistics and the
// source info, with Time set to now. Times must not go back; a Step at or
// before the last one changes nothing. The same seed and the same sequence
// of times give the same batches.
func (d *Source) Step(now time.Time) *model.Batch {
	t := now.UnixNano()
	b := &model.Batch{Time: now}
	if !d.started {
		d.started = true
		d.warmUp(t)
		d.last, d.dump = t, t
		b.Snapshot = d.snapshot(t)
		d.fill(b)
		return b
	}
	if t > d.last {
		d.b = b
		for from := max(d.last, t-demoCatchUp); from < t; {
			to := min(from+demoSubStep, t)
			d.advance(from, to)
			from = to
		}
		d.b = nil
		d.last = t
	}
	overflow := b.Len() > demoMaxEvents
	if overflow || t-d.dump >= int64(demoDumpEvery) {
		// The dump supersedes the events; keep their counts for the rates.
		// Too many events at once (after a long gap) is what overflows a
		// kernel source's socket: it resyncs, and so does the demo.
		nw, gone := b.New, b.Gone
		b.Reset()
		b.New, b.Gone = nw, gone
		b.Snapshot = d.snapshot(t)
		d.dump = t
		if overflow {
			d.resyncs++
		} else {
			d.reconciles++
		}
	}
	d.fill(b)
	return b
}

// Run steps the simulation every Interval and hands the batches over as
// Source requires. It returns nil when ctx ends.
func (d *Source) Run(ctx context.Context, out chan<- *model.Batch) error {
	if ctx.Err() != nil {
		return nil
	}
	tick := time.NewTicker(d.cfg.Interval)
	defer tick.Stop()
	box := source.NewOutbox(out)
	box.Offer(d.Step(time.Now()))
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			box.Offer(d.Step(time.Now()))
		}
	}
}

// Snapshot implements source.Source: the simulation stepped to now, as a
// table.
func (d *Source) Snapshot(context.Context) (*model.Table, model.TableStats, error) {
	b := d.Step(time.Now())
	t := model.NewTable(0)
	t.Apply(b)
	return t, b.Stats, nil
}

// fill sets the statistics and the source description.
func (d *Source) fill(b *model.Batch) {
	b.Stats = d.stats
	b.Stats.Count = uint64(len(d.flows))
	b.Info = model.SourceInfo{
		Kind:       "demo",
		Entries:    model.CountSimulated,
		Rows:       model.CountSimulated,
		EventMode:  model.EventsOn,
		Acct:       true,
		AcctKnown:  true,
		Resyncs:    d.resyncs,
		Reconciles: d.reconciles,
		DumpTime:   d.dumpTime,
		DumpEvery:  demoDumpEvery,
	}
}

// warmUp fills the table as if the server had been running for a while.
func (d *Source) warmUp(t0 int64) {
	d.t0 = t0
	from := t0 - demoWarmUp
	d.seedLongLived(t0, from)
	for from < t0 {
		to := min(from+demoWarmStep, t0)
		d.advance(from, to)
		from = to
	}
}

// advance simulates (from, to]: timers first, then arrivals in time order.
func (d *Source) advance(from, to int64) {
	for i := 0; i < len(d.flows); {
		if d.run(i, to) {
			i++
		}
	}
	dt := float64(to-from) / float64(simSecond)
	d.arrivals = d.arrivals[:0]
	for c := range demoNumClasses {
		for range d.poisson(demoRates[c] * d.scale * dt) {
			d.arrivals = append(d.arrivals, simArrival{t: from + 1 + d.r.Int64N(to-from), class: uint8(c)})
		}
	}
	rate, w := d.floodAt(from + (to-from)/2)
	nflood := d.poisson(rate * dt)
	for range nflood {
		d.arrivals = append(d.arrivals, simArrival{t: from + 1 + d.r.Int64N(to-from), class: demoClassFlood})
	}
	slices.SortStableFunc(d.arrivals, func(a, b simArrival) int { return cmp.Compare(a.t, b.t) })
	for _, a := range d.arrivals {
		if a.class == demoClassFlood {
			d.spawnFlood(w, a.t, to)
		} else {
			d.spawn(a.class, a.t, to)
		}
	}
	// Stray packets: late RSTs, out-of-window segments, the flood's debris.
	d.stats.Invalid += uint64(d.poisson(0.4*d.scale*dt + 0.01*float64(nflood)))
}

// run moves flow i through the stages due by time to. It reports whether
// the flow is still there; if not, slot i now holds another flow.
func (d *Source) run(i int, to int64) bool {
	s := &d.flows[i]
	for s.next <= to {
		if !s.transition() {
			d.remove(i, s.next)
			return false
		}
		d.emit(model.EventUpdate, s, s.at)
	}
	return true
}

// insert adds a new flow unless its tuples are taken; when the table is
// full it early-drops a flow that is not assured, or drops the new one.
func (d *Source) insert(s *simFlow, to int64) bool {
	z, _ := s.f.Zone()
	ko := simTupleKey{s.f.Orig, z.ID, s.f.Proto}
	kr := simTupleKey{s.f.Reply, z.ID, s.f.Proto}
	if _, dup := d.tuples[ko]; dup {
		return false // the packet belongs to the existing flow
	}
	if _, dup := d.tuples[kr]; dup {
		return false
	}
	if len(d.flows) >= d.max && !d.earlyDrop(s.start) {
		d.stats.Drop++
		return false
	}
	id, _ := s.f.ID()
	for id == 0 {
		if n := d.r.Uint32(); n != 0 {
			if _, dup := d.ids[n]; !dup {
				id = n
			}
		}
	}
	s.f.SetID(id)
	d.ids[id] = struct{}{}
	d.tuples[ko] = struct{}{}
	d.tuples[kr] = struct{}{}
	s.at = s.start
	s.next = s.start + s.firstDelay()
	d.flows = append(d.flows, *s)
	i := len(d.flows) - 1
	d.emit(model.EventNew, &d.flows[i], s.start)
	d.run(i, to)
	return true
}

// earlyDrop evicts a flow that is not assured, if it finds one, as the
// kernel's early_drop does for a new flow when the table is full.
func (d *Source) earlyDrop(t int64) bool {
	for range demoEvictSamples {
		i := d.r.IntN(len(d.flows))
		if d.flows[i].f.Status&model.StatusAssured == 0 {
			d.remove(i, t)
			d.stats.EarlyDrop++
			return true
		}
	}
	return false
}

// remove destroys flow i at time t; the last flow takes its slot.
func (d *Source) remove(i int, t int64) {
	s := &d.flows[i]
	d.emit(model.EventDestroy, s, t)
	z, _ := s.f.Zone()
	id, _ := s.f.ID()
	delete(d.tuples, simTupleKey{s.f.Orig, z.ID, s.f.Proto})
	delete(d.tuples, simTupleKey{s.f.Reply, z.ID, s.f.Proto})
	delete(d.ids, id)
	last := len(d.flows) - 1
	d.flows[i] = d.flows[last]
	d.flows = d.flows[:last]
}

// emit adds an event to the batch being built. Like the kernel's, NEW and
// UPDATE events carry no counters and DESTROY events do.
func (d *Source) emit(typ model.EventType, s *simFlow, t int64) {
	if d.b == nil {
		return
	}
	e := model.Event{Type: typ, Flow: s.flow(t)}
	if typ == model.EventDestroy {
		e.Flow.Attrs |= model.HasCounters
		e.Counters = s.counters(t)
	}
	d.b.Add(&e)
}

// snapshot dumps the table at t, with counters and start times, as a
// kernel with nf_conntrack_acct and nf_conntrack_timestamp on would.
func (d *Source) snapshot(t int64) *model.Snapshot {
	sn := new(model.Snapshot)
	for i := range d.flows {
		s := &d.flows[i]
		f := s.flow(t)
		f.SetStart(uint32(s.start / simSecond))
		f.Attrs |= model.HasCounters
		c := s.counters(t)
		sn.Add(&f, &c)
	}
	// What a dump of this size costs a kernel: a walk of every bucket and
	// about 1.8 us per flow.
	d.dumpTime = 6*time.Millisecond + time.Duration(len(d.flows))*1800*time.Nanosecond
	return sn
}

// poisson draws the number of arrivals in an interval with the given mean.
func (d *Source) poisson(mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 30 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*d.r.NormFloat64())))
	}
	limit, p, n := math.Exp(-mean), d.r.Float64(), 0
	for p > limit {
		p *= d.r.Float64()
		n++
	}
	return n
}
