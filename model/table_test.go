package model

import (
	"math/rand/v2"
	"testing"
	"time"
)

func batchOf(at time.Time, evs ...Event) *Batch {
	b := &Batch{Time: at}
	for i := range evs {
		b.Add(&evs[i])
	}
	return b
}

// tableFlows returns the table's flows keyed by identity.
func tableFlows(t *Table) map[Key]Flow {
	m := make(map[Key]Flow)
	for s := int32(0); s < t.Slots(); s++ {
		if t.Live(s) {
			f := *t.At(s)
			m[f.Key()] = f
		}
	}
	return m
}

func TestTableAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tab := NewTable(0)
	want := make(map[Key]Flow)
	var keys []Key
	now := t0
	for round := 0; round < 200; round++ {
		now = now.Add(time.Second)
		b := &Batch{Time: now}
		for i := 0; i < 300; i++ {
			switch {
			case len(keys) > 0 && r.IntN(3) == 0: // destroy a known flow
				j := r.IntN(len(keys))
				k := keys[j]
				f := want[k]
				b.Add(&Event{Type: EventDestroy, Flow: f})
				delete(want, k)
				keys[j] = keys[len(keys)-1]
				keys = keys[:len(keys)-1]
			case len(keys) > 0 && r.IntN(3) == 0: // update one
				k := keys[r.IntN(len(keys))]
				f := want[k]
				f.SetProtoState(uint8(r.IntN(9)))
				f.SetExpires(f.expires + 10)
				b.Add(&Event{Type: EventUpdate, Flow: f})
				want[k] = f
			default:
				f := randFlow(r, r.Uint32())
				if _, dup := want[f.Key()]; dup {
					continue
				}
				b.Add(&Event{Type: EventNew, Flow: f})
				f.seen = uint32(now.Unix())
				want[f.Key()] = f
				keys = append(keys, f.Key())
			}
		}
		tab.Apply(b)
		if tab.Len() != len(want) {
			t.Fatalf("round %d: Len %d, want %d", round, tab.Len(), len(want))
		}
	}
	got := tableFlows(tab)
	for k, f := range want {
		g, ok := got[k]
		if !ok {
			t.Fatalf("flow %v missing", k)
		}
		if g != f {
			t.Fatalf("flow %v:\n got %+v\nwant %+v", k, g, f)
		}
		if s := tab.Find(k); s < 0 || *tab.At(s) != f {
			t.Fatalf("Find(%v) = %d", k, s)
		}
	}
	// Totals per protocol and TCP state agree with a count.
	var tcp, est int
	for _, f := range want {
		if f.Proto == ProtoTCP {
			tcp++
			if s, _ := f.State(); s == TCPState(TCPEstablished) {
				est++
			}
		}
	}
	if tab.ProtoCount(ProtoTCP) != tcp || tab.TCPStateCount(TCPEstablished) != est {
		t.Errorf("totals: tcp %d est %d, want %d %d", tab.ProtoCount(ProtoTCP), tab.TCPStateCount(TCPEstablished), tcp, est)
	}
}

func TestCoalesce(t *testing.T) {
	f := tcpFlow(1, "192.0.2.1", 1000, "198.51.100.1", 80)
	g := tcpFlow(2, "192.0.2.2", 1000, "198.51.100.1", 80)
	upd := f
	upd.Attrs &^= HasState // an UPDATE without protoinfo
	upd.SetExpires(upd.expires + 100)
	fin := f
	fin.SetProtoState(TCPTimeWait)

	b := batchOf(t0,
		Event{Type: EventNew, Flow: f},
		Event{Type: EventNew, Flow: g},
		Event{Type: EventUpdate, Flow: upd},
		Event{Type: EventDestroy, Flow: g},
	)
	if b.Len() != 1 || b.New != 2 || b.Gone != 1 {
		t.Fatalf("Len %d New %d Gone %d, want 1 2 1", b.Len(), b.New, b.Gone)
	}
	e := b.Events[0]
	if e.Type != EventNew || e.Flow.state != TCPEstablished || e.Flow.expires != f.expires+100 {
		t.Errorf("merged event %v state %d expires %d", e.Type, e.Flow.state, e.Flow.expires)
	}

	// UPDATE then DESTROY ends in DESTROY.
	b = batchOf(t0, Event{Type: EventUpdate, Flow: fin}, Event{Type: EventDestroy, Flow: f})
	if b.Len() != 1 || b.Events[0].Type != EventDestroy {
		t.Errorf("update+destroy = %v", b.Events[0].Type)
	}

	// With a snapshot pending, NEW+DESTROY must not cancel: the snapshot
	// may hold the flow.
	b = &Batch{Time: t0, Snapshot: &Snapshot{}}
	b.Snapshot.Add(&f, nil)
	b.Add(&Event{Type: EventNew, Flow: f})
	b.Add(&Event{Type: EventDestroy, Flow: f})
	tab := NewTable(0)
	tab.Apply(b)
	if tab.Len() != 0 {
		t.Errorf("snapshot flow destroyed by a later event survived: Len %d", tab.Len())
	}
}

func TestMergeBatches(t *testing.T) {
	f := tcpFlow(1, "192.0.2.1", 1000, "198.51.100.1", 80)
	g := tcpFlow(2, "192.0.2.2", 1000, "198.51.100.1", 80)
	older := batchOf(t0, Event{Type: EventNew, Flow: f})
	newer := batchOf(t0.Add(time.Second), Event{Type: EventDestroy, Flow: f}, Event{Type: EventNew, Flow: g})
	newer.Stats = TableStats{Valid: true, Count: 1}
	older.Merge(newer)
	if older.Len() != 1 || older.Events[1].Flow.id != 2 || !older.Time.Equal(t0.Add(time.Second)) || older.Stats.Count != 1 {
		t.Fatalf("merge: len %d, events %+v", older.Len(), older.Events)
	}
	// A snapshot in the newer batch supersedes older events.
	snap := &Batch{Time: t0.Add(2 * time.Second), Snapshot: &Snapshot{}}
	older.Merge(snap)
	if older.Len() != 0 || older.Snapshot == nil {
		t.Fatalf("snapshot merge kept %d events", older.Len())
	}
}

func TestReconcile(t *testing.T) {
	tab := NewTable(0)
	a := tcpFlow(1, "192.0.2.1", 1000, "198.51.100.1", 80)
	b := tcpFlow(2, "192.0.2.2", 1000, "198.51.100.1", 80)
	c := tcpFlow(3, "192.0.2.3", 1000, "198.51.100.1", 80)
	tab.Apply(batchOf(t0, Event{Type: EventNew, Flow: a}, Event{Type: EventNew, Flow: b}))

	// The dump lost b and found c; a's first-seen time is kept.
	sn := &Snapshot{}
	a2 := a
	a2.Attrs |= HasCounters
	sn.Add(&a2, &Counters{OrigPackets: 3, OrigBytes: 180})
	sn.Add(&c, nil)
	later := t0.Add(time.Minute)
	ch := tab.Apply(&Batch{Time: later, Snapshot: sn})
	got := tableFlows(tab)
	if len(got) != 2 {
		t.Fatalf("after reconcile %d flows, want 2", len(got))
	}
	if _, ok := got[b.Key()]; ok {
		t.Error("flow missing from the snapshot survived")
	}
	if ga := got[a.Key()]; ga.seen != uint32(t0.Unix()) {
		t.Errorf("first seen %d, want %d", ga.seen, t0.Unix())
	}
	if gc := got[c.Key()]; gc.seen != uint32(later.Unix()) {
		t.Errorf("new flow first seen %d, want %d", gc.seen, later.Unix())
	}
	if ctr, _ := tab.CountersAt(tab.Find(a.Key())); ctr.Bytes() != 180 {
		t.Errorf("counters %+v", ctr)
	}
	if ch.Full || len(ch.List) != 3 {
		t.Errorf("changes: full %v, %d entries, want 3", ch.Full, len(ch.List))
	}
}

func TestExpiry(t *testing.T) {
	tab := NewTable(0)
	grace := SourceInfo{ExpiryGrace: 30 * time.Second}
	f := tcpFlow(1, "192.0.2.1", 1000, "198.51.100.1", 80)
	f.SetExpires(uint32(t0.Unix()) + 10)
	b := batchOf(t0, Event{Type: EventNew, Flow: f})
	b.Info = grace
	tab.Apply(b)
	tab.Apply(&Batch{Time: t0.Add(39 * time.Second), Info: grace})
	if tab.Len() != 1 {
		t.Fatal("expired before the grace ran out")
	}
	if ttl, _ := tab.At(tab.Find(f.Key())).TTL(tab.Now()); ttl != 0 {
		t.Errorf("TTL %d, want 0", ttl)
	}
	tab.Apply(&Batch{Time: t0.Add(41 * time.Second), Info: grace})
	if tab.Len() != 0 {
		t.Fatal("not expired after the grace")
	}
}

func TestRates(t *testing.T) {
	tab := NewTable(0)
	for i := 0; i <= 20; i++ {
		b := &Batch{Time: t0.Add(time.Duration(i) * 100 * time.Millisecond)}
		b.New, b.Gone = 50, 20
		b.Stats = TableStats{Valid: true, Drop: uint64(i) * 30, EarlyDrop: uint64(i) * 10}
		tab.Apply(b)
	}
	r := tab.Rates()
	if !r.Valid || r.New != 500 || r.Gone != 200 || r.Drop != 400 {
		t.Errorf("rates %+v, want new 500 gone 200 drop 400", r)
	}
	// The totals count every batch, a batch without a time too.
	tab.Apply(&Batch{New: 7, Gone: 3})
	if c, g := tab.EventTotals(); c != 21*50+7 || g != 21*20+3 {
		t.Errorf("EventTotals %d, %d, want %d, %d", c, g, 21*50+7, 21*20+3)
	}
}

func TestIndexShrinksAndGrows(t *testing.T) {
	tab := NewTable(0)
	r := rand.New(rand.NewPCG(3, 4))
	var fs []Flow
	b := &Batch{Time: t0}
	for i := 0; i < 50000; i++ {
		f := randFlow(r, uint32(i+1))
		fs = append(fs, f)
		b.Add(&Event{Type: EventNew, Flow: f})
	}
	tab.Apply(b)
	big := len(tab.idx.slots)
	b = &Batch{Time: t0}
	for _, f := range fs[100:] {
		b.Add(&Event{Type: EventDestroy, Flow: f})
	}
	tab.Apply(b)
	if tab.Len() != 100 || len(tab.idx.slots) >= big {
		t.Fatalf("Len %d, index %d slots (was %d)", tab.Len(), len(tab.idx.slots), big)
	}
	for _, f := range fs[:100] {
		if tab.Find(f.Key()) < 0 {
			t.Fatal("lost a flow in the shrink")
		}
	}
}

func TestNATed(t *testing.T) {
	plain := tcpFlow(1, "192.0.2.1", 1000, "198.51.100.1", 80)
	snat := plain
	snat.Reply.Dst = addr("203.0.113.1")
	pat := plain
	pat.Reply.DstPort = 61000
	echo := plain
	echo.Proto = ProtoICMP
	echo.Orig.SrcPort, echo.Orig.DstPort = 7, 8<<8
	echo.Reply = echo.Orig.Inverse()
	echo.Reply.SrcPort, echo.Reply.DstPort = 7, 0 // echo reply keeps the id
	masq := echo
	masq.Reply.SrcPort = 9 // the id rewritten
	for _, c := range []struct {
		name string
		f    Flow
		want bool
	}{{"plain", plain, false}, {"snat", snat, true}, {"port only", pat, true}, {"echo", echo, false}, {"icmp id", masq, true}} {
		if got := c.f.NATed(); got != c.want {
			t.Errorf("%s: NATed %v", c.name, got)
		}
	}
}

// TestCountersBeyond32Bits: counters are stored in 32 bits when they fit
// and kept whole when they do not.
func TestCountersBeyond32Bits(t *testing.T) {
	tab := NewTable(0)
	f := tcpFlow(1, "192.0.2.1", 1000, "198.51.100.1", 80)
	f.Attrs |= HasCounters
	g := tcpFlow(2, "192.0.2.2", 1000, "198.51.100.1", 80)
	g.Attrs |= HasCounters
	big := Counters{OrigPackets: 5e9, OrigBytes: 7e12, ReplyPackets: 3, ReplyBytes: 1 << 32}
	small := Counters{OrigPackets: 10, OrigBytes: 600, ReplyPackets: 9, ReplyBytes: 4e9}
	tab.Apply(&Batch{Time: t0, Events: nil})
	b := &Batch{Time: t0}
	b.Add(&Event{Type: EventNew, Flow: f, Counters: big})
	b.Add(&Event{Type: EventNew, Flow: g, Counters: small})
	tab.Apply(b)
	if c, _ := tab.CountersAt(tab.Find(f.Key())); c != big {
		t.Fatalf("big counters %+v", c)
	}
	if c, _ := tab.CountersAt(tab.Find(g.Key())); c != small {
		t.Fatalf("small counters %+v", c)
	}
	// Shrinking back to small clears the overflow entry.
	b = &Batch{Time: t0.Add(time.Second)}
	b.Add(&Event{Type: EventUpdate, Flow: f, Counters: small})
	tab.Apply(b)
	if c, _ := tab.CountersAt(tab.Find(f.Key())); c != small {
		t.Fatalf("after shrinking %+v", c)
	}
	if n := len(tab.s.chunks[0].big); n != 0 {
		t.Fatalf("%d overflow entries left", n)
	}
}

// TestMergeKeepsTime: merging a batch that says no time (a part of a
// snapshot handed over without one) keeps the time b had; a later time
// replaces it.
func TestMergeKeepsTime(t *testing.T) {
	b := &Batch{Time: t0}
	b.Merge(&Batch{Snapshot: &Snapshot{}})
	if !b.Time.Equal(t0) {
		t.Fatalf("time after merging a batch without one: %v, want %v", b.Time, t0)
	}
	later := t0.Add(time.Second)
	b.Merge(&Batch{Time: later})
	if !b.Time.Equal(later) {
		t.Fatalf("time after merging a later batch: %v, want %v", b.Time, later)
	}
}
