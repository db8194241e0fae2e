package model

import "time"

// Table is the flow table: a compact store of flows keyed by their kernel
// identity, fed with batches. It is not safe for concurrent use: one
// goroutine (the UI's) owns it; the background workers of its lists and
// groups read it only through its read gate (gate.go).
type Table struct {
	gate  readGate
	s     store
	idx   index
	free  []int32
	freed []int32 // freed during this Apply; reused from the next one
	live  int

	now        uint32 // Unix seconds of the last batch
	grace      uint32
	lastExpire uint32
	// lastCheck is when overdue flows were last looked for; minDue is at
	// most the earliest timeout of a flow not being checked.
	lastCheck, minDue uint32
	// minExpires is at most the earliest Expires of a live flow with a
	// timeout: expire scans the table only once it may find something.
	minExpires uint32

	byProto [256]int32
	byState [NumStates]int32 // flows per State, unknown at 0
	// byPS counts the flows of each protocol by stateIndex: unknown,
	// UNREPLIED, REPLIED (a protocol's own states are in byState).
	byPS [256][3]int32
	// flows that are NATed, marked, zoned, counted: which optional
	// columns a view needs.
	nat, marked, zoned, counted int32
	overflow                    int

	stats TableStats
	info  SourceInfo
	rates rateWindow
	// created and removed sum the batches' New and Gone: NEW and DESTROY
	// events since the table was made.
	created, removed uint64

	changes Changes
	seen    []uint64 // reconcile: slots present in the dump so far
	sink    uint32   // keeps the loads of index.touch
}

// NewTable returns an empty table sized for about hint flows.
func NewTable(hint int) *Table {
	return &Table{idx: newIndex(hint)}
}

// Len returns the number of flows.
func (t *Table) Len() int { return t.live }

// Now returns the time of the last batch, in Unix seconds.
func (t *Table) Now() uint32 { return t.now }

// Stats returns the latest kernel table statistics.
func (t *Table) Stats() TableStats { return t.stats }

// Info returns the latest source description.
func (t *Table) Info() SourceInfo { return t.info }

// Rates returns the per-second rates over the last second or so.
func (t *Table) Rates() Rates { return t.rates.rates() }

// EventTotals returns how many NEW (created) and DESTROY (removed) events
// the applied batches counted since the table was made, coalesced ones
// included (Batch.New, Batch.Gone): counters that only grow, for rates
// over any span. Events the source lost (a resync follows) are not in them.
func (t *Table) EventTotals() (created, removed uint64) { return t.created, t.removed }

// ProtoCount returns the number of flows of protocol p.
func (t *Table) ProtoCount(p uint8) int { return int(t.byProto[p]) }

// StateCount returns the number of flows in state s (StateUnknown: the
// flows whose state is unknown).
func (t *Table) StateCount(s State) int {
	if int(s) >= len(t.byState) {
		return 0
	}
	return int(t.byState[s])
}

// ProtoStateCount returns the number of flows of protocol proto in state s
// (StateUnknown: those of unknown state).
func (t *Table) ProtoStateCount(proto uint8, s State) int {
	if p := s.Proto(); p != 0 {
		if p != proto {
			return 0
		}
		return t.StateCount(s)
	}
	switch s {
	case StateUnknown:
		return int(t.byPS[proto][0])
	case StateUnreplied:
		return int(t.byPS[proto][1])
	case StateReplied:
		return int(t.byPS[proto][2])
	}
	return 0
}

// ProtoStates calls fn with every protocol and state that has flows,
// protocol by protocol, states in order (unknown first): the table's
// composition in the one state model.
func (t *Table) ProtoStates(fn func(proto uint8, s State, flows int)) {
	for p := 0; p < 256; p++ {
		if t.byProto[p] == 0 {
			continue
		}
		proto := uint8(p)
		if n := t.byPS[p][0]; n > 0 {
			fn(proto, StateUnknown, int(n))
		}
		if HasStates(proto) {
			for _, s := range States() {
				if s.Proto() == proto && t.byState[s] > 0 {
					fn(proto, s, int(t.byState[s]))
				}
			}
			continue
		}
		for i, s := range []State{StateUnreplied, StateReplied} {
			if n := t.byPS[p][i+1]; n > 0 {
				fn(proto, s, int(n))
			}
		}
	}
}

// TCPStateCount returns the number of TCP flows in TCP state s
// (TCPEstablished...).
func (t *Table) TCPStateCount(s uint8) int {
	if st := TCPState(s); st != StateUnknown {
		return t.StateCount(st)
	}
	return 0
}

// Overflow counts the flows not stored since the last snapshot because the
// table held MaxFlows (an update of such a flow counts again).
func (t *Table) Overflow() int { return t.overflow }

// Extras counts the flows that are NATed, have a known non-zero mark, a
// known zone other than the default, counters.
func (t *Table) Extras() (nat, marked, zoned, counted int) {
	return int(t.nat), int(t.marked), int(t.zoned), int(t.counted)
}

// Slots returns the number of slots; live flows are at slots [0, Slots())
// where Live reports true.
func (t *Table) Slots() int32 { return t.s.n }

// Live reports whether slot holds a flow.
func (t *Table) Live(slot int32) bool { return t.s.flow(slot).Family != 0 }

// At returns the flow at slot. It stays valid until the next Apply.
func (t *Table) At(slot int32) *Flow { return t.s.flow(slot) }

// CountersAt returns the counters of the flow at slot, if known (the
// kernel keeps none with nf_conntrack_acct=0).
func (t *Table) CountersAt(slot int32) (Counters, bool) {
	if t.s.flow(slot).Attrs&HasCounters == 0 {
		return Counters{}, false
	}
	return t.s.counters(slot), true
}

// ExtAt returns the rare attributes of the flow at slot (see Ext), nil when
// it has none. The Ext is shared and must not be changed.
func (t *Table) ExtAt(slot int32) *Ext { return t.s.ext(slot) }

// Find returns the slot of the flow with key k, or -1.
func (t *Table) Find(k Key) int32 { return t.idx.find(&t.s, &k) }

// Change is a slot that an Apply touched, with the flow it held before.
type Change struct {
	Slot        int32
	Had         bool // the slot held a flow before
	Old         Flow
	OldCounters Counters // zero when Old has none (HasCounters)
	OldExt      *Ext     // nil when Old has none
}

// Changes lists what the last Apply did, for the views that keep derived
// state. When Full is set the list is not kept and derived state must be
// rebuilt from the table.
type Changes struct {
	Full bool
	List []Change
	// batch is the batch applied, for the views that count its events.
	batch *Batch
	// listed has the bit of each slot in List set: a bitset and not a map,
	// as a map insert per change cost more than the rest of the change.
	listed []uint64
}

func (c *Changes) reset() {
	c.unlist()
	c.Full = false
	c.List = c.List[:0]
}

// unlist clears the bits of the slots in List.
func (c *Changes) unlist() {
	for i := range c.List {
		s := c.List[i].Slot
		c.listed[s>>6] &^= 1 << (s & 63)
	}
}

// Apply ingests a batch: the snapshot, if any, replaces the table (keeping
// first-seen times of known flows), then the events apply in order; flows
// past their timeout by more than the grace go. It returns what changed,
// valid until the next Apply.
func (t *Table) Apply(b *Batch) *Changes {
	t.gate.wait()
	t.changes.reset()
	t.changes.batch = b
	t.now = unixSeconds(b.Time)
	t.grace = uint32(b.Info.ExpiryGrace / time.Second)
	if b.Snapshot != nil {
		t.reconcile(b.Snapshot)
	}
	var hs [prefetch]uint32
	for base := 0; base < len(b.Events); base += prefetch {
		evs := b.Events[base:min(base+prefetch, len(b.Events))]
		for i := range evs {
			k := evs[i].Flow.Key()
			hs[i] = t.idx.hash(&k)
		}
		t.touch(hs[:len(evs)])
		for i := range evs {
			e := &evs[i]
			k := e.Flow.Key()
			switch e.Type {
			case EventNew, EventUpdate:
				t.upsert(&e.Flow, &e.Counters, b.ExtOf(base+i), &k, hs[i], e.Type == EventNew, false)
			case EventRefresh:
				if t.idx.findHash(&t.s, &k, hs[i]) >= 0 {
					t.upsert(&e.Flow, &e.Counters, b.ExtOf(base+i), &k, hs[i], false, false)
				}
			case EventDestroy:
				if slot := t.idx.findHash(&t.s, &k, hs[i]); slot >= 0 {
					t.remove(slot)
				}
			}
		}
	}
	if t.grace > 0 && t.now != t.lastExpire {
		t.lastExpire = t.now
		t.expire()
	}
	if b.Checker != nil && t.now != t.lastCheck {
		t.lastCheck = t.now
		if due := t.overdue(); len(due) > 0 {
			b.Checker.Check(due)
		}
	}
	t.free = append(t.free, t.freed...)
	t.freed = t.freed[:0]
	if b.Stats.Valid {
		t.stats = b.Stats
	}
	t.info = b.Info
	t.rates.add(b.Time, b.New, b.Gone, b.Stats)
	t.created += b.New
	t.removed += b.Gone
	return &t.changes
}

// prefetch is how many events' index entries and flows are loaded ahead.
const prefetch = 16

// touch loads the index entries and flows of a block of hashes in a tight
// loop, so that their cache misses overlap (see index.touch).
func (t *Table) touch(hs []uint32) {
	var sum uint32
	for _, h := range hs {
		sum += t.idx.touch(&t.s, h)
	}
	t.sink += sum
}

// Insert adds or updates one flow outside of a batch (bulk loading).
func (t *Table) Insert(f *Flow, c *Counters) { t.InsertExt(f, c, nil) }

// InsertExt is Insert for a flow with rare attributes x (nil: none), which
// the table keeps and which must not change.
func (t *Table) InsertExt(f *Flow, c *Counters, x *Ext) {
	t.gate.wait()
	k := f.Key()
	t.upsert(f, c, x, &k, t.idx.hash(&k), false, false)
	t.free = append(t.free, t.freed...)
	t.freed = t.freed[:0]
}

func ptrKey(f *Flow) *Key {
	k := f.Key()
	return &k
}

func unixSeconds(tm time.Time) uint32 {
	if tm.IsZero() {
		return 0
	}
	return uint32(tm.Unix())
}

func (t *Table) record(slot int32) {
	c := &t.changes
	if c.Full {
		return
	}
	w := int(slot >> 6)
	if w >= len(c.listed) {
		c.listed = append(c.listed, make([]uint64, w+1-len(c.listed)+len(c.listed)/4)...)
	}
	bit := uint64(1) << (slot & 63)
	if c.listed[w]&bit != 0 {
		return
	}
	// Past a quarter of the table, rebuilding is cheaper than the list.
	if len(c.List) > 1024 && len(c.List) > t.live/4 {
		c.unlist()
		c.Full = true
		c.List = c.List[:0]
		return
	}
	c.listed[w] |= bit
	ch := Change{Slot: slot}
	if slot < t.s.n {
		if f := t.s.flow(slot); f.Family != 0 {
			ch.Had, ch.Old, ch.OldCounters, ch.OldExt = true, *f, t.s.counters(slot), t.s.ext(slot)
		}
	}
	c.List = append(c.List, ch)
}

func (t *Table) count(f *Flow, d int32) {
	t.byProto[f.Proto] += d
	if f.NATed() {
		t.nat += d
	}
	if m, ok := f.Mark(); ok && m != 0 {
		t.marked += d
	}
	if z, ok := f.Zone(); ok && !z.IsDefault() {
		t.zoned += d
	}
	if f.Attrs&HasCounters != 0 {
		t.counted += d
	}
	s, _ := f.State()
	t.byState[s] += d
	switch s {
	case StateUnknown:
		t.byPS[f.Proto][0] += d
	case StateUnreplied:
		t.byPS[f.Proto][1] += d
	case StateReplied:
		t.byPS[f.Proto][2] += d
	}
}

// upsert inserts or updates f (with counters c and rare attributes x, nil
// for none) and returns its slot. fromDump says f comes from a dump, whose
// timeouts are whole seconds counted from the dump's start: one second
// more or less than the flow has is no change.
func (t *Table) upsert(f *Flow, c *Counters, x *Ext, k *Key, h uint32, isNew, fromDump bool) int32 {
	slot, pos := t.idx.probe(&t.s, k, h)
	if slot >= 0 {
		old := t.s.flow(slot)
		nf, nc := *f, *c
		oc, ox := t.s.counters(slot), t.s.ext(slot)
		nx := mergeFlow(&nf, &nc, x, old, &oc, ox)
		if isNew {
			nf.seen = t.now
		}
		if fromDump && nf.expires != old.expires && nf.expires+1 >= old.expires && nf.expires <= old.expires+1 {
			// Two dumps of an idle flow disagree by a second half of the
			// time; keeping the old value spares a periodic reconciliation
			// from "changing" half the table.
			nf.expires = old.expires
		}
		if nf == *old && nc == oc && sameExt(nx, ox) {
			return slot
		}
		t.record(slot)
		t.count(old, -1)
		*old = nf
		t.count(old, 1)
		if nf.Attrs&HasTimeout != 0 {
			t.minExpires = min(t.minExpires, nf.expires)
			t.minDue = min(t.minDue, nf.expires)
		}
		if nf.Attrs&HasCounters != 0 {
			t.s.setCounters(slot, &nc)
		}
		if nx != ox {
			t.s.setExt(slot, nx)
		}
		return slot
	}
	if n := len(t.free); n > 0 {
		slot = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		if t.s.n >= MaxFlows {
			t.overflow++ // beyond what a sorted list can address
			return -1
		}
		slot = t.s.grow()
	}
	t.record(slot)
	p := t.s.flow(slot)
	*p = *f
	p.seen = t.now
	if f.Attrs&HasCounters != 0 {
		t.s.setCounters(slot, c)
	} else {
		t.s.setCounters(slot, &Counters{})
	}
	if x.IsZero() {
		p.Attrs &^= HasExt
	} else {
		p.Attrs |= HasExt
		t.s.setExt(slot, x)
	}
	t.idx.fill(pos, h, slot)
	t.live++
	if p.Attrs&HasTimeout != 0 {
		t.minExpires = min(t.minExpires, p.expires)
		t.minDue = min(t.minDue, p.expires)
	}
	t.count(p, 1)
	return slot
}

func (t *Table) remove(slot int32) {
	t.record(slot)
	f := t.s.flow(slot)
	t.idx.remove(ptrKey(f), slot)
	t.count(f, -1)
	if f.Attrs&HasExt != 0 {
		t.s.setExt(slot, nil)
	}
	*f = Flow{}
	t.s.setCounters(slot, &Counters{})
	t.freed = append(t.freed, slot)
	t.live--
}

// sameExt reports whether two Exts (nil: none) hold the same.
func sameExt(a, b *Ext) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
