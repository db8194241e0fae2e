package model

import "time"

// EventType is the kind of a conntrack event.
type EventType uint8

// Event types. The zero value marks an event cancelled by coalescing.
const (
	EventNew EventType = iota + 1
	EventUpdate
	EventDestroy
	// EventRefresh is what a source learned by asking the kernel about a
	// flow (see Checker): like an UPDATE, but it never brings back a flow
	// the table no longer holds (a DESTROY may have overtaken it).
	EventRefresh
)

func (t EventType) String() string {
	switch t {
	case EventNew:
		return "NEW"
	case EventUpdate:
		return "UPDATE"
	case EventDestroy:
		return "DESTROY"
	case EventRefresh:
		return "REFRESH"
	}
	return "NONE"
}

// Event is one change of one flow.
type Event struct {
	Type     EventType
	Flow     Flow
	Counters Counters // valid when Flow.Attrs has HasCounters
	// Ext is the flow's rare attributes when it has any (HasExt), else
	// nil. It must not change once the event is added to a batch.
	Ext *Ext
}

// Pending is an event a batch holds: the Event without its Ext, which the
// batch keeps aside (Batch.ExtOf). So the events hold no pointer, and the
// garbage collector never scans them nor pays write barriers to copy them
// (an Ext pointer in each cost the event path a third of its time).
type Pending struct {
	Type     EventType
	Flow     Flow
	Counters Counters
}

// TableStats is one sample of the kernel's table statistics. The counters
// are cumulative, summed over CPUs.
type TableStats struct {
	Valid bool
	// Unrecorded says a replayed file recorded no kernel statistics: Count
	// is the flows it holds, Max and the counters are unknown (not 0).
	Unrecorded   bool
	Count, Max   uint64
	Drop         uint64
	EarlyDrop    uint64
	InsertFailed uint64
	Invalid      uint64
	// ClashResolve and ChainTooLong are the kernel's clash_resolve and
	// chaintoolong counters (stat/nf_conntrack, which ctnetlink's
	// statistics do not carry here); valid when ExtraValid.
	ClashResolve, ChainTooLong uint64
	ExtraValid                 bool
	// Expect is the number of expectations helpers (ftp, sip...) hold,
	// ExpectMax nf_conntrack_expect_max, ExpectCreated the expectations
	// created since boot; valid when ExpectValid.
	Expect, ExpectMax, ExpectCreated uint64
	ExpectValid                      bool
}

// Event modes, the value of net.netfilter.nf_conntrack_events.
const (
	EventsUnknown = -1
	EventsOff     = 0
	EventsOn      = 1
	EventsAuto    = 2
)

// SourceInfo describes where the flows come from, for the header.
type SourceInfo struct {
	// Kind is "kernel", "replay" or "demo".
	Kind string
	// Name is the namespace (kernel), the file (replay) or "" .
	Name string
	// EventMode is the nf_conntrack_events setting, or EventsUnknown.
	EventMode int
	// Acct is whether per-flow counters are on (nf_conntrack_acct=1);
	// AcctKnown whether that is known at all.
	Acct, AcctKnown bool
	// Resyncs counts full resynchronisations after lost events.
	Resyncs int
	// Reconciles counts periodic reconciliation dumps.
	Reconciles int
	// Stale is set while a resync is under way because events were
	// missed: StaleWhy says why, in the header's words ("events lost"
	// only when the kernel said ENOBUFS).
	Stale    bool
	StaleWhy string
	// Loading is set while the first dump is being read: the table holds
	// the flows read so far (the kernel's count is in Stats; a replay
	// says how much of its file it has read in ReadBytes).
	Loading bool
	// ReadBytes is, while a replay is Loading, how many bytes of its file
	// it has read; FileBytes the file's size (0: unknown, as for a pipe).
	// A gzip file counts its compressed bytes.
	ReadBytes, FileBytes int64
	// DumpTime is how long the last full dump took; DumpEvery is the
	// current period of reconciliation dumps (0: none).
	DumpTime, DumpEvery time.Duration
	// Note is a one-line remark of the source for the header (such as the
	// lines a replay skipped).
	Note string
	// ExpiryGrace: a flow whose timeout ran out longer ago than this is
	// gone (0: flows never expire by age). A source that may miss DESTROY
	// events sets it longer than its reconciliation period.
	ExpiryGrace time.Duration
	// Vanished counts flows the source found gone when it checked flows
	// whose timeout had passed without a DESTROY event (see Checker).
	Vanished int

	// Where the two counts a screen may show come from. Entries says what
	// TableStats.Count counts; Rows what the table's flows are. They can
	// differ: the kernel counts entries not yet confirmed and entries
	// dying, and the rows are the last dump and the events since, checked
	// against the kernel at most Reconciled plus DumpEvery ago.
	Entries CountSource
	Rows    CountSource
	// Reconciled is when the rows last agreed with a full dump (zero
	// before the first).
	Reconciled time.Time
}

// CountSource says where a count comes from, for the renderers' labels.
type CountSource uint8

// Count sources.
const (
	CountUnknown CountSource = iota
	// CountKernel: the kernel's nf_conntrack_count (every entry of the
	// namespace, the unconfirmed and the dying ones too).
	CountKernel
	// CountDump: the flows of the last dump and the events since,
	// reconciled with a dump periodically and checked with the kernel
	// when a timeout passes without a DESTROY (Checker).
	CountDump
	// CountFile: the table statistics a saved table recorded (cttop's
	// JSON), or else the flows it holds.
	CountFile
	// CountFileFlows: the flows a saved table holds.
	CountFileFlows
	// CountSimulated: the demo's simulated table.
	CountSimulated
)

var countSourceNames = [...]string{"unknown", "kernel", "dump", "file", "file flows", "simulated"}

// String returns "kernel", "dump", "file", "file flows", "simulated" or
// "unknown".
func (c CountSource) String() string {
	if int(c) < len(countSourceNames) {
		return countSourceNames[c]
	}
	return "unknown"
}

// Batch is what a source hands over at most once per frame: coalesced
// events, and possibly a full snapshot of the table that replaces it.
// A Batch is built by one goroutine and then handed over; it is not safe for
// concurrent use.
type Batch struct {
	// Time is when the batch was handed over; the model's only clock.
	Time time.Time
	// Snapshot, when not nil, is a complete dump (flows not in it are
	// gone) or a part of one (see Snapshot). Events are applied after it.
	Snapshot *Snapshot
	// Events are coalesced: at most one per flow key, latest state wins.
	// Events that coalescing cancelled stay with Type 0 and must be
	// skipped; Len counts the others. ExtOf(i) is Events[i]'s Ext.
	Events []Pending
	// Stats is the latest table statistics sample (Stats.Valid if any).
	Stats TableStats
	Info  SourceInfo
	// New and Gone count NEW and DESTROY events seen, including ones that
	// coalescing cancelled.
	New, Gone uint64
	// Checker, when not nil, is asked by Table.Apply about the flows
	// whose timeout has passed without their end (see Checker).
	Checker Checker
	// History is the table's history a saved file brought (a replay of
	// a file saved with w), handed over once, with the last part of the
	// load; nil otherwise.
	History *History

	pos map[Key]int32
	// ext holds the Ext of the events that have one, by index in Events.
	ext map[int32]*Ext
}

// ExtOf returns the Ext of Events[i] (nil if it has none).
func (b *Batch) ExtOf(i int) *Ext {
	if b.Events[i].Flow.Attrs&HasExt == 0 {
		return nil
	}
	return b.ext[int32(i)]
}

// store sets Events[i] to e; HasExt says whether e has an Ext.
func (b *Batch) store(i int32, e *Event) {
	p := &b.Events[i]
	*p = Pending{e.Type, e.Flow, e.Counters}
	p.Flow.Attrs &^= HasExt
	if !e.Ext.IsZero() {
		p.Flow.Attrs |= HasExt
		b.setExt(i, e.Ext)
	} else if b.ext != nil {
		delete(b.ext, i)
	}
}

// setExt records x as the Ext of Events[i].
func (b *Batch) setExt(i int32, x *Ext) {
	switch {
	case x != nil && b.ext == nil:
		b.ext = map[int32]*Ext{i: x}
	case x != nil:
		b.ext[i] = x
	case b.ext != nil:
		delete(b.ext, i)
	}
}

// Len returns the number of pending events, cancelled ones excluded.
func (b *Batch) Len() int { return len(b.pos) }

// Empty reports whether the batch changes no flow.
func (b *Batch) Empty() bool { return b.Snapshot == nil && len(b.pos) == 0 }

// Add coalesces e into the batch: the latest state of a flow wins, fields an
// event lacks (TCP state, counters) are kept from earlier ones, and a NEW
// followed by a DESTROY cancels out unless a snapshot is pending (the
// snapshot may hold the flow).
func (b *Batch) Add(e *Event) {
	switch e.Type {
	case EventNew:
		b.New++
	case EventDestroy:
		b.Gone++
	}
	b.add(e)
}

func (b *Batch) add(e *Event) {
	if b.pos == nil {
		b.pos = make(map[Key]int32)
	}
	k := e.Flow.Key()
	i, ok := b.pos[k]
	if !ok {
		i = int32(len(b.Events))
		b.pos[k] = i
		b.Events = append(b.Events, Pending{})
		b.store(i, e)
		return
	}
	p := &b.Events[i]
	switch {
	case e.Type == EventRefresh && p.Type == EventDestroy:
		// Learned before the flow ended: the end stands.
	case e.Type == EventRefresh:
		b.mergeInto(i, e)
		if p.Type == EventRefresh || p.Type == 0 {
			p.Type = EventRefresh
		}
	case e.Type == EventDestroy && p.Type == EventNew && b.Snapshot == nil:
		p.Type = 0
		delete(b.pos, k)
	case e.Type == EventDestroy:
		b.mergeInto(i, e)
		p.Type = EventDestroy
	case p.Type == EventDestroy && e.Type == EventNew:
		// The same key again after its end: a new flow (the kernel reuses
		// an ID with the memory of an entry).
		b.store(i, e)
	case p.Type == EventDestroy:
		// An UPDATE after the end, without a NEW between: the kernel
		// delivered it late (events of one flow from two CPUs); the flow
		// is gone, and bringing it back would hold a flow the kernel has
		// not.
	case p.Type == EventRefresh:
		b.mergeInto(i, e)
		p.Type = e.Type
	default:
		b.mergeInto(i, e)
	}
}

// AddChecked adds what a source learned by asking the kernel (see Checker):
// an EventRefresh, or an EventDestroy for a flow that ended without one.
// Unlike Add it counts no NEW or DESTROY event: the kernel sent none.
func (b *Batch) AddChecked(e *Event) { b.add(e) }

// mergeInto updates Events[i] with the newer event e, keeping what e lacks.
func (b *Batch) mergeInto(i int32, e *Event) {
	p := &b.Events[i]
	old, ctr, x := p.Flow, p.Counters, b.ExtOf(int(i))
	p.Flow, p.Counters = e.Flow, e.Counters
	if nx := mergeFlow(&p.Flow, &p.Counters, e.Ext, &old, &ctr, x); nx != x {
		b.setExt(i, nx)
	}
}

// mergeFlow completes the newer flow f (with counters c and ext x) with the
// optional parts it lacks from the older one, and returns f's Ext. An
// event says only what changed (UPDATE events carry no counters, and the
// TCP state only when it changes): what it does not say is kept, never
// taken for zero. What cttop observed (FirstSeen) is the older flow's.
func mergeFlow(f *Flow, c *Counters, x *Ext, old *Flow, oldc *Counters, oldx *Ext) *Ext {
	if f.Attrs&HasState == 0 && old.Attrs&HasState != 0 {
		f.SetProtoState(old.state)
	}
	if f.Attrs&HasCounters == 0 && old.Attrs&HasCounters != 0 {
		*c = *oldc
		f.Attrs |= HasCounters
	}
	if f.Attrs&HasTimeout == 0 && old.Attrs&HasTimeout != 0 {
		f.SetExpires(old.expires)
	}
	if f.Attrs&HasStart == 0 && old.Attrs&HasStart != 0 {
		f.SetStart(old.start)
	}
	if f.Attrs&HasMark == 0 && old.Attrs&HasMark != 0 {
		f.SetMark(old.mark)
	}
	// ID and zone are part of the key, equal in both.
	f.Attrs |= old.Attrs & (HasID | HasZone)
	if old.seen != 0 {
		f.seen = old.seen
	}
	return mergeExt(f, x, old, oldx)
}

// Merge folds the newer batch n into b, as if n's events had been added to
// b one by one. A snapshot in n supersedes everything b held. n's time
// replaces b's unless n has none (zero): a batch without a time must not
// set the table's clock to 1970, where every timeout would read as decades.
func (b *Batch) Merge(n *Batch) {
	b.New += n.New
	b.Gone += n.Gone
	if !n.Time.IsZero() {
		b.Time = n.Time
	}
	if n.Stats.Valid {
		b.Stats = n.Stats
	}
	b.Info = n.Info
	if n.Checker != nil {
		b.Checker = n.Checker
	}
	if n.History != nil {
		b.History = n.History
	}
	switch {
	case n.Snapshot == nil:
	case n.Snapshot.Continues && b.Snapshot != nil:
		// The next part of the dump b holds the start of.
		b.Snapshot.Append(n.Snapshot)
	case n.Snapshot.Continues:
		// b's events came before n's part: a source that sends a dump in
		// parts sends no events between them (Snapshot).
		b.Snapshot = n.Snapshot
	default:
		b.Snapshot = n.Snapshot
		b.Events = b.Events[:0]
		clear(b.pos)
		clear(b.ext)
	}
	var e Event
	for i := range n.Events {
		if p := &n.Events[i]; p.Type != 0 {
			e = Event{p.Type, p.Flow, p.Counters, n.ExtOf(i)}
			b.add(&e)
		}
	}
}

// Reset empties the batch for reuse, keeping its memory.
func (b *Batch) Reset() {
	b.Snapshot = nil
	b.Events = b.Events[:0]
	clear(b.pos)
	clear(b.ext)
	b.New, b.Gone = 0, 0
	b.Stats = TableStats{}
	b.Checker = nil
	b.History = nil
}

// Checker checks flows with the kernel. A flow whose timeout has passed
// without a DESTROY has either ended without one (a flow older than the
// event subscription, with nf_conntrack_events=2) or lives on with a
// timeout that traffic renewed (the kernel sends no event for that): only
// the kernel can say. Table.Apply hands its Checker those flows, once each
// (a copy it may keep), every second at most; the source answers with a
// DESTROY for a flow the kernel no longer has and an EventRefresh with
// what it has for the others, in later batches. Check must not block: a
// source that cannot take the flows now reconciles with a dump instead.
type Checker interface {
	Check(flows []Flow)
}
