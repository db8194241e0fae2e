package metrics

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
	"github.com/prometheus/client_golang/prometheus"
)

// Snapshot is the state one scrape reports.
type Snapshot struct {
	// Time is when the table was last updated.
	Time  time.Time
	Stats model.TableStats
	Info  model.SourceInfo
	// FlowsCreated and FlowsRemoved count the NEW and DESTROY events cttop
	// received since it started (model.Table.EventTotals).
	FlowsCreated, FlowsRemoved uint64
	// Flows is the number of flows cttop holds, the count when the kernel
	// statistics are not valid.
	Flows int
	// ByState counts flows by protocol and state (model.State: the
	// protocol's own for TCP, SCTP and DCCP, UNREPLIED or REPLIED for the
	// others, "unknown" when the kernel gave none, as for offloaded
	// flows); every TCP state is present.
	ByState map[ProtoState]int
	// ByProto counts flows by protocol name (tcp, udp, icmp, icmpv6
	// always present).
	ByProto map[string]int
	// TopSources are the sources with the most flows, most first.
	TopSources []model.SourceCount
}

// ProtoState is a protocol name and a state name, the labels of a
// cttop_flows series.
type ProtoState struct{ Proto, State string }

// SnapshotFromTable builds a Snapshot of t with its topN sources by flows.
// It walks the table once for the sources; a Snapshotter does the same
// without allocating a new map each time.
func SnapshotFromTable(t *model.Table, topN int) Snapshot {
	var s Snapshotter
	return s.From(t, topN)
}

// Snapshotter builds Snapshots, keeping its scratch memory between calls.
// It is not safe for concurrent use: the table's goroutine owns it.
type Snapshotter struct {
	tally model.SourceTally
}

// From builds a Snapshot of t with its topN sources by flows (none if
// topN <= 0). The Snapshot shares nothing with t or with earlier ones.
func (s *Snapshotter) From(t *model.Table, topN int) Snapshot {
	sn := Snapshot{
		Stats:   t.Stats(),
		Info:    t.Info(),
		Flows:   t.Len(),
		ByState: make(map[ProtoState]int, 16),
		ByProto: make(map[string]int, 8),
	}
	sn.FlowsCreated, sn.FlowsRemoved = t.EventTotals()
	if now := t.Now(); now != 0 {
		sn.Time = time.Unix(int64(now), 0)
	}
	for st := model.TCPNone; st <= model.TCPSynSent2; st++ {
		sn.ByState[ProtoState{"tcp", model.StateName(model.ProtoTCP, st)}] = t.TCPStateCount(st)
	}
	t.ProtoStates(func(proto uint8, s model.State, n int) {
		name := s.String()
		if s == model.StateUnknown {
			name = "unknown"
		}
		sn.ByState[ProtoState{model.ProtoName(proto), name}] = n
	})
	for _, p := range []uint8{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP, model.ProtoICMPv6} {
		sn.ByProto[model.ProtoName(p)] = 0
	}
	for p := 0; p < 256; p++ {
		if n := t.ProtoCount(uint8(p)); n > 0 {
			sn.ByProto[model.ProtoName(uint8(p))] = n
		}
	}
	sn.TopSources = s.tally.Top(t, topN)
	return sn
}

// FreshFor is how old a published Snapshot may be for a scrape of an
// on-demand Exporter to use it without asking for a new one.
const FreshFor = time.Second

// Exporter is a prometheus.Collector of the latest published Snapshot.
// Publish and the collection may run on different goroutines.
//
// An Exporter either gets a Snapshot published periodically, or, after
// OnDemand, when a scrape asks for one: then nothing is computed between
// scrapes, which matters when a table of a million flows from a million
// sources (a spoofed flood) takes 150 ms to rank.
type Exporter struct {
	version, revision string
	snap              atomic.Pointer[published]
	host              hostCollector // the whole host: namespaces, kernel log

	mu    sync.Mutex
	fresh chan struct{} // closed by the next Publish; nil if nobody waits
	want  chan struct{} // nil unless OnDemand
	wait  time.Duration
}

type published struct {
	s  Snapshot
	at time.Time
}

// NewExporter returns an Exporter with nothing published yet; until the
// first Publish a scrape reports only cttop_build_info, which carries
// version and revision (the commit, as cttop --version prints them) and
// the Go version of the running binary.
func NewExporter(version, revision string) *Exporter {
	return &Exporter{version: version, revision: revision}
}

// Publish makes s the state of the next scrapes. The Exporter keeps s: the
// caller must not change its maps or slices afterwards.
func (e *Exporter) Publish(s Snapshot) {
	e.snap.Store(&published{s, time.Now()})
	e.mu.Lock()
	if e.fresh != nil {
		close(e.fresh)
		e.fresh = nil
	}
	e.mu.Unlock()
}

// OnDemand makes scrapes ask for a Snapshot: a scrape that finds none
// published within FreshFor sends on the returned channel (buffered, never
// blocking) and waits up to wait for the owner of the table to Publish,
// then reports what it has. The owner must receive from the channel and
// Publish soon after. Call it before serving.
func (e *Exporter) OnDemand(wait time.Duration) <-chan struct{} {
	e.want = make(chan struct{}, 1)
	e.wait = wait
	return e.want
}

// awaitFresh asks an on-demand owner for a Snapshot and waits for it.
func (e *Exporter) awaitFresh() {
	if e.want == nil {
		return
	}
	if p := e.snap.Load(); p != nil && time.Since(p.at) < FreshFor {
		return
	}
	e.mu.Lock()
	if e.fresh == nil {
		e.fresh = make(chan struct{})
	}
	ch := e.fresh
	e.mu.Unlock()
	select {
	case e.want <- struct{}{}:
	default:
	}
	t := time.NewTimer(e.wait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	descBuild   = desc("cttop_build_info", "cttop's version, commit and Go version, always 1.", "version", "revision", "goversion")
	descTime    = desc("cttop_snapshot_timestamp_seconds", "When cttop last updated its view of the table (Unix time): alert on its age to catch a stuck source.")
	descEntries = desc("cttop_conntrack_entries", "Entries in the conntrack table (nf_conntrack_count).")
	descMax     = desc("cttop_conntrack_max", "The table's limit (nf_conntrack_max); at the limit the kernel drops new flows.")
	descFill    = desc("cttop_conntrack_fill_ratio", "Entries / max, from 0 to 1.")
	descDrop    = desc("cttop_conntrack_drops_total", "Packets dropped because the table was full (kernel drop counter, summed over CPUs).")
	descEarly   = desc("cttop_conntrack_early_drops_total", "Flows evicted early to make room in a full table (kernel early_drop counter).")
	descInsFail = desc("cttop_conntrack_insert_failed_total", "Flows that could not be inserted, usually clashes (kernel insert_failed counter).")
	descInvalid = desc("cttop_conntrack_invalid_total", "Packets conntrack could not track (kernel invalid counter).")
	descState   = desc("cttop_flows", "Flows in the table by protocol and state: TCP, SCTP and DCCP states, UNREPLIED or REPLIED for other protocols, unknown for offloaded flows.", "protocol", "state")
	descProto   = desc("cttop_flows_by_protocol", "Flows in the table by IP protocol.", "protocol")
	descResync  = desc("cttop_resyncs_total", "Full resynchronisations after events were missed: the kernel dropped them (ENOBUFS) or the event listener was restarted.")
	// Counters, not a per-second gauge: a gauge of the last second shows a
	// scrape every 15 s one second in fifteen, rate() over a counter sees
	// every event.
	descCreated = desc("cttop_flows_created_total", "Flows created: NEW events cttop received (the header's new/s); events lost before a resync are missing.")
	descRemoved = desc("cttop_flows_removed_total", "Flows removed: DESTROY events cttop received (the header's gone/s); events lost before a resync are missing.")
	descTop     = desc("cttop_top_source_flows", "Flows of the sources with the most flows; at most --top sources, and which ones changes between scrapes.", "source")
)

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBuild, descTime, descEntries, descMax, descFill, descDrop, descEarly,
		descInsFail, descInvalid, descState, descProto, descResync, descCreated, descRemoved, descTop} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	gauge(descBuild, 1, e.version, e.revision, runtime.Version())
	e.awaitFresh()
	p := e.snap.Load()
	if p == nil {
		return
	}
	s := &p.s
	if !s.Time.IsZero() {
		gauge(descTime, float64(s.Time.Unix()))
	}
	entries := uint64(s.Flows)
	if s.Stats.Valid {
		entries = s.Stats.Count
	}
	// A replayed file that recorded no statistics has no max and no
	// counters: no series, never 0.
	if s.Stats.Valid && !s.Stats.Unrecorded {
		gauge(descMax, float64(s.Stats.Max))
		if s.Stats.Max > 0 {
			gauge(descFill, float64(s.Stats.Count)/float64(s.Stats.Max))
		}
		counter(descDrop, s.Stats.Drop)
		counter(descEarly, s.Stats.EarlyDrop)
		counter(descInsFail, s.Stats.InsertFailed)
		counter(descInvalid, s.Stats.Invalid)
	}
	gauge(descEntries, float64(entries))
	for ps, n := range s.ByState {
		gauge(descState, float64(n), ps.Proto, ps.State)
	}
	for name, n := range s.ByProto {
		gauge(descProto, float64(n), name)
	}
	counter(descResync, uint64(s.Info.Resyncs))
	counter(descCreated, s.FlowsCreated)
	counter(descRemoved, s.FlowsRemoved)
	for _, src := range s.TopSources {
		gauge(descTop, float64(src.Flows), format.IP(src.Addr))
	}
}
