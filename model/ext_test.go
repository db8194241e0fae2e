package model

import (
	"slices"
	"testing"
	"time"
)

// TestExtSideTable follows a flow's rare attributes through insert,
// update, an event that does not say them, delete and reconcile: the side
// table holds them exactly while the flow has them, and Changes carry the
// old ones.
func TestExtSideTable(t *testing.T) {
	tab := NewTable(0)
	ftp := tcpFlow(1, "192.0.2.1", 40000, "198.51.100.1", 21)
	ftp.Attrs |= HasHelper | HasLabels | HasSecctx
	plain := tcpFlow(2, "192.0.2.2", 40000, "198.51.100.1", 80)
	plain.Attrs |= HasHelper | HasLabels | HasSecctx
	x := &Ext{Helper: "ftp", Labels: Labels{1}}

	ch := tab.Apply(&Batch{Time: t0, Events: nil, Snapshot: snapOf(
		[]Flow{ftp, plain}, []*Ext{x, nil})})
	if ch.Full || len(ch.List) != 2 {
		t.Fatalf("changes %+v", ch)
	}
	s1, s2 := tab.Find(ftp.Key()), tab.Find(plain.Key())
	if h, ok := tab.At(s1).Helper(tab.ExtAt(s1)); !ok || h != "ftp" {
		t.Fatalf("helper %q %v", h, ok)
	}
	if h, ok := tab.At(s2).Helper(tab.ExtAt(s2)); !ok || h != "" || tab.ExtAt(s2) != nil {
		t.Fatalf("plain flow: helper %q %v, ext %v", h, ok, tab.ExtAt(s2))
	}

	// An UPDATE that says nothing of labels (as events do) keeps them; one
	// that gives a new helper changes only that.
	upd := ftp
	upd.Attrs &^= HasLabels
	b := &Batch{Time: t0.Add(time.Second)}
	b.Add(&Event{Type: EventUpdate, Flow: upd, Ext: &Ext{Helper: "sip"}})
	ch = tab.Apply(b)
	got := tab.ExtAt(s1)
	if got == nil || got.Helper != "sip" || got.Labels != (Labels{1}) || tab.At(s1).Attrs&HasLabels == 0 {
		t.Fatalf("after update: %+v attrs %b", got, tab.At(s1).Attrs)
	}
	if len(ch.List) != 1 || ch.List[0].OldExt != x {
		t.Fatalf("change %+v, want the old ext", ch.List)
	}

	// Deleted: the side table forgets it, and the slot's next flow has none.
	b = &Batch{Time: t0.Add(2 * time.Second)}
	b.Add(&Event{Type: EventDestroy, Flow: ftp})
	tab.Apply(b)
	if n := extEntries(tab); n != 0 {
		t.Fatalf("%d side-table entries after delete", n)
	}
	b = &Batch{Time: t0.Add(3 * time.Second)}
	reuse := tcpFlow(3, "192.0.2.3", 1, "198.51.100.1", 80)
	b.Add(&Event{Type: EventNew, Flow: reuse})
	tab.Apply(b)
	if s := tab.Find(reuse.Key()); tab.ExtAt(s) != nil || tab.At(s).Attrs&HasExt != 0 {
		t.Fatal("a reused slot kept the old ext")
	}

	// Reconcile: a snapshot without the ext drops it; one with it adds it.
	tab.Apply(&Batch{Time: t0.Add(4 * time.Second), Snapshot: snapOf([]Flow{plain, reuse}, []*Ext{{Secctx: "system_u:object_r:ssh_t"}, nil})})
	s2 = tab.Find(plain.Key())
	if sc, ok := tab.At(s2).Secctx(tab.ExtAt(s2)); !ok || sc != "system_u:object_r:ssh_t" || extEntries(tab) != 1 {
		t.Fatalf("secctx %q %v, %d entries", sc, ok, extEntries(tab))
	}
	tab.Apply(&Batch{Time: t0.Add(5 * time.Second), Snapshot: snapOf([]Flow{plain}, []*Ext{nil})})
	if extEntries(tab) != 0 || tab.Len() != 1 {
		t.Fatalf("%d entries, %d flows after reconcile", extEntries(tab), tab.Len())
	}
}

func snapOf(fs []Flow, xs []*Ext) *Snapshot {
	sn := &Snapshot{}
	for i := range fs {
		sn.AddExt(&fs[i], nil, xs[i])
	}
	return sn
}

// extEntries counts the side table's entries.
func extEntries(t *Table) int {
	n := 0
	for _, ch := range t.s.chunks {
		n += len(ch.ext)
	}
	return n
}

// TestUnknownIsNotZero: what an update does not say stays as it was, and
// what nothing said stays unknown, never 0.
func TestUnknownIsNotZero(t *testing.T) {
	f := Flow{Orig: Tuple{Src: addr("192.0.2.1"), Dst: addr("192.0.2.2"), SrcPort: 1, DstPort: 2},
		Proto: ProtoUDP, Family: IPv4, Status: StatusConfirmed | StatusOffload}
	f.Reply = f.Orig.Inverse()
	for name, ok := range map[string]bool{
		"id": second(f.ID()), "mark": second(f.Mark()), "timeout": second(f.TTL(0)),
		"start": second(f.Age(0)), "state": second(f.State()), "first seen": second(f.FirstSeen()),
	} {
		if ok {
			t.Errorf("%s known on a flow that said nothing", name)
		}
	}
	if _, ok := f.Zone(); ok {
		t.Error("zone known")
	}
	tab := NewTable(0)
	b := &Batch{Time: t0}
	g := f
	g.SetMark(7)
	g.SetStart(uint32(t0.Unix()) - 60)
	b.Add(&Event{Type: EventNew, Flow: g})
	tab.Apply(b)
	b = &Batch{Time: t0.Add(time.Second)}
	b.Add(&Event{Type: EventUpdate, Flow: f}) // says no mark, no start
	tab.Apply(b)
	got := tab.At(tab.Find(f.Key()))
	if m, ok := got.Mark(); !ok || m != 7 {
		t.Errorf("mark %d %v after an update without one", m, ok)
	}
	if a, ok := got.Age(uint32(t0.Unix()) + 1); !ok || a != 61 {
		t.Errorf("age %d %v", a, ok)
	}
	if fs, ok := got.FirstSeen(); !ok || fs != uint32(t0.Unix()) {
		t.Errorf("first seen %d %v", fs, ok)
	}
	if _, ok := got.TTL(0); ok {
		t.Error("an offloaded flow's timeout became known")
	}
	if _, ok := tab.CountersAt(tab.Find(f.Key())); ok {
		t.Error("counters known")
	}
}

func second[T any](_ T, ok bool) bool { return ok }

// TestStateModel checks the one state model: protocol states for TCP,
// SCTP and DCCP, UNREPLIED and REPLIED for the others, unknown for
// offloaded flows and missing states, names and parsing.
func TestStateModel(t *testing.T) {
	mk := func(proto uint8, status Status, state int) Flow {
		f := Flow{Proto: proto, Family: IPv4, Status: status}
		if state >= 0 {
			f.SetProtoState(uint8(state))
		}
		return f
	}
	for _, c := range []struct {
		f    Flow
		want string
		ok   bool
	}{
		{mk(ProtoTCP, StatusSeenReply, int(TCPTimeWait)), "TIME_WAIT", true},
		{mk(ProtoTCP, StatusSeenReply|StatusOffload, -1), "", false},
		{mk(ProtoTCP, 0, 42), "", false},
		{mk(ProtoSCTP, 0, int(SCTPCookieWait)), "COOKIE_WAIT", true},
		{mk(ProtoSCTP, 0, int(SCTPShutdownAckSent)), "SHUTDOWN_ACK_SENT", true},
		{mk(ProtoDCCP, 0, int(DCCPPartOpen)), "PARTOPEN", true},
		{mk(ProtoUDP, 0, -1), "UNREPLIED", true},
		{mk(ProtoUDP, StatusSeenReply|StatusAssured, -1), "REPLIED", true},
		{mk(ProtoGRE, StatusSeenReply, -1), "REPLIED", true},
		{mk(253, 0, -1), "UNREPLIED", true},
		{mk(ProtoUDP, StatusSeenReply|StatusOffload, -1), "", false},
		{mk(ProtoUDP, StatusHWOffload, -1), "", false},
	} {
		s, ok := c.f.State()
		if s.String() != c.want || ok != c.ok {
			t.Errorf("%s status %v: state %q %v, want %q %v", ProtoName(c.f.Proto), c.f.Status.Names(), s, ok, c.want, c.ok)
		}
	}
	if got := ParseState(0, "established"); !slices.Equal(got, []State{TCPState(TCPEstablished), SCTPState(SCTPEstablished)}) {
		t.Errorf("ParseState established = %v", got)
	}
	if got := ParseState(ProtoTCP, "LISTEN"); !slices.Equal(got, []State{TCPState(TCPSynSent2)}) {
		t.Errorf("ParseState LISTEN = %v", got)
	}
	if got := ParseState(ProtoUDP, "replied"); !slices.Equal(got, []State{StateReplied}) {
		t.Errorf("ParseState udp replied = %v", got)
	}
	if got := ParseState(0, "ASSURED"); got != nil {
		t.Errorf("ASSURED is a flag, not a state: %v", got)
	}
	seen := map[string]bool{}
	for _, s := range States() {
		l := StateLabel(s)
		if seen[l] || s.String() == "" || (s.Proto() != 0 && StateName(s.Proto(), s.Number()) != s.String()) {
			t.Errorf("state %d: label %q (dup %v), name %q", s, l, seen[l], s.String())
		}
		seen[l] = true
	}
	if NumStates > 64 {
		t.Errorf("%d states: the filter keeps them in a 64-bit set", NumStates)
	}
}

// TestSCTPFloodInEveryAggregate: an SCTP INIT flood (COOKIE_WAIT,
// unreplied) shows in the table's counts, the state groups and their drill
// down, and the composition, beside TCP and UDP flows.
func TestSCTPFloodInEveryAggregate(t *testing.T) {
	tab := NewTable(0)
	b := &Batch{Time: t0}
	for i := 0; i < 300; i++ {
		f := Flow{Orig: Tuple{Src: addr("192.0.2.22"), Dst: addr("198.51.100.10"), SrcPort: uint16(30000 + i), DstPort: 38412},
			Proto: ProtoSCTP, Family: IPv4, Status: StatusConfirmed}
		f.Reply = f.Orig.Inverse()
		f.SetID(uint32(i + 1))
		f.SetProtoState(SCTPCookieWait)
		f.SetExpires(uint32(t0.Unix()) + 3)
		b.Add(&Event{Type: EventNew, Flow: f})
	}
	for i := 0; i < 50; i++ {
		b.Add(&Event{Type: EventNew, Flow: tcpFlow(uint32(1000+i), "192.0.2.5", uint16(i+1), "198.51.100.1", 443)})
	}
	u := Flow{Orig: Tuple{Src: addr("192.0.2.6"), Dst: addr("198.51.100.53"), SrcPort: 5353, DstPort: 53},
		Proto: ProtoUDP, Family: IPv4, Status: StatusConfirmed}
	u.Reply = u.Orig.Inverse()
	b.Add(&Event{Type: EventNew, Flow: u})
	tab.Apply(b)

	cookie := SCTPState(SCTPCookieWait)
	if tab.StateCount(cookie) != 300 || tab.ProtoStateCount(ProtoSCTP, cookie) != 300 ||
		tab.ProtoStateCount(ProtoUDP, StateUnreplied) != 1 || tab.StateCount(StateUnreplied) != 1 {
		t.Errorf("table counts: cookie_wait %d, udp unreplied %d", tab.StateCount(cookie), tab.ProtoStateCount(ProtoUDP, StateUnreplied))
	}
	sum := 0
	tab.ProtoStates(func(p uint8, s State, n int) { sum += n })
	if sum != tab.Len() {
		t.Errorf("ProtoStates sums to %d, table %d", sum, tab.Len())
	}
	g := NewGroups(tab)
	g.SetBy(ByState)
	top := g.Top(0, 10, nil)
	if len(top) != 3 || top[0].Key.State != cookie || top[0].Flows != 300 || top[0].Key.String() != "sctp COOKIE_WAIT" {
		t.Fatalf("state groups %+v", top)
	}
	g.SetBy(BySrc)
	if top := g.Top(0, 1, nil); len(top) != 1 || !slices.Equal(top[0].States(), []StateCount{{"sctp COOKIE_WAIT", 300}}) {
		t.Errorf("source group's mix %+v", top)
	}
	c := Compose(tab, 3)
	if c.States[cookie] != 300 || c.States[StateUnreplied] != 1 {
		t.Errorf("composition states %v", c.States)
	}
}

// TestGroupMixSpills: a group with more states than fit inline counts all
// of them, and the count shrinks back.
func TestGroupMixSpills(t *testing.T) {
	tab := NewTable(0)
	b := &Batch{Time: t0}
	var flows []Flow
	for s := TCPNone; s <= TCPSynSent2; s++ {
		f := tcpFlow(uint32(s)+1, "192.0.2.1", uint16(s)+1, "198.51.100.1", 80)
		f.SetProtoState(s)
		flows = append(flows, f)
		b.Add(&Event{Type: EventNew, Flow: f})
	}
	tab.Apply(b)
	g := NewGroups(tab)
	g.Len()
	b = &Batch{Time: t0.Add(time.Second)}
	for _, f := range flows[:8] {
		b.Add(&Event{Type: EventDestroy, Flow: f})
	}
	g.Update(tab.Apply(b))
	top := g.Top(0, 1, nil)
	if len(top) != 1 || len(top[0].States()) != 2 || top[0].Flows != 2 {
		t.Fatalf("after destroys %+v", top)
	}
	fresh := NewGroups(tab)
	if !groupEqual(fresh.Top(0, 1, nil)[0], top[0]) {
		t.Fatal("spilled mix differs from a rebuild")
	}
}

// TestAppendKeepsSideTables: a dump handed over in whole-chunk parts
// (Snapshot.Append joins their storage) keeps each flow's big counters and
// Ext, whatever chunk they moved to.
func TestAppendKeepsSideTables(t *testing.T) {
	big := Counters{OrigBytes: 1 << 40, OrigPackets: 5}
	var parts []*Snapshot
	for p := 0; p < 3; p++ {
		sn := &Snapshot{Continues: p > 0, More: p < 2}
		for i := 0; i < chunkSize; i++ {
			f := tcpFlow(uint32(p*chunkSize+i+1), "192.0.2.1", uint16(i), "198.51.100.1", uint16(p+1))
			f.Attrs |= HasCounters | HasHelper
			var x *Ext
			if i == 7 {
				x = &Ext{Helper: "ftp"}
			}
			sn.AddExt(&f, &big, x)
		}
		parts = append(parts, sn)
	}
	all := parts[0]
	all.Append(parts[1])
	all.Append(parts[2])
	for p := 0; p < 3; p++ {
		i := p*chunkSize + 7
		if f, c := all.At(i); c != big || f.Attrs&HasExt == 0 || all.ExtAt(i) == nil || all.ExtAt(i).Helper != "ftp" {
			t.Fatalf("flow %d after Append: counters %+v ext %v", i, c, all.ExtAt(i))
		}
		if x := all.ExtAt(i + 1); x != nil {
			t.Fatalf("flow %d has an ext it never had: %+v", i+1, x)
		}
	}
}

// TestExtRemovedByUpdate: an update that says the flow has no helper now
// drops the old Ext (and does not fail on the nil).
func TestExtRemovedByUpdate(t *testing.T) {
	tab := NewTable(0)
	f := tcpFlow(1, "192.0.2.1", 1, "198.51.100.1", 21)
	f.Attrs |= HasHelper
	b := &Batch{Time: t0}
	b.Add(&Event{Type: EventNew, Flow: f, Ext: &Ext{Helper: "ftp"}})
	tab.Apply(b)
	b = &Batch{Time: t0.Add(time.Second)}
	g := f
	g.Attrs &^= HasExt
	b.Add(&Event{Type: EventUpdate, Flow: g}) // says: no helper
	tab.Apply(b)
	s := tab.Find(f.Key())
	if h, ok := tab.At(s).Helper(tab.ExtAt(s)); !ok || h != "" || tab.ExtAt(s) != nil || extEntries(tab) != 0 {
		t.Errorf("helper %q %v, ext %v", h, ok, tab.ExtAt(s))
	}
	// The same again: no change at all.
	b = &Batch{Time: t0.Add(2 * time.Second)}
	b.Add(&Event{Type: EventUpdate, Flow: g})
	if ch := tab.Apply(b); len(ch.List) != 0 {
		t.Errorf("an update that changes nothing listed %d changes", len(ch.List))
	}
}

// TestBatchKeepsExtAside: a batch holds its events without pointers and
// their Ext aside; coalescing, a NEW after a DESTROY, Merge and Reset keep
// each event's Ext its own.
func TestBatchKeepsExtAside(t *testing.T) {
	ftp := tcpFlow(1, "192.0.2.1", 40000, "198.51.100.1", 21)
	ftp.Attrs |= HasHelper
	other := tcpFlow(2, "192.0.2.2", 40000, "198.51.100.1", 80)
	x := &Ext{Helper: "ftp"}
	b := &Batch{Time: t0}
	b.Add(&Event{Type: EventNew, Flow: other})
	b.Add(&Event{Type: EventNew, Flow: ftp, Ext: x})
	u := ftp
	u.Attrs &^= HasHelper // an update that does not say the helper
	b.Add(&Event{Type: EventUpdate, Flow: u})
	if b.ExtOf(0) != nil || b.ExtOf(1) == nil || b.ExtOf(1).Helper != "ftp" {
		t.Fatalf("after coalescing: %v %v", b.ExtOf(0), b.ExtOf(1))
	}
	n := &Batch{Time: t0.Add(time.Second)}
	n.Add(&Event{Type: EventDestroy, Flow: ftp})
	n.Add(&Event{Type: EventNew, Flow: ftp}) // the key again, without a helper
	b.Merge(n)
	if b.ExtOf(1) != nil || b.Events[1].Flow.Attrs&HasExt != 0 {
		t.Errorf("a new flow on the key kept the old one's helper: %v", b.ExtOf(1))
	}
	n = &Batch{Time: t0.Add(2 * time.Second)}
	n.Add(&Event{Type: EventUpdate, Flow: other, Ext: &Ext{Secctx: "system_u:object_r:ssh_t"}})
	b.Merge(n)
	if x := b.ExtOf(0); x == nil || x.Secctx != "system_u:object_r:ssh_t" {
		t.Errorf("merged ext %v", x)
	}
	tab := NewTable(0)
	tab.Apply(b)
	if x := tab.ExtAt(tab.Find(other.Key())); x == nil || x.Secctx == "" {
		t.Errorf("table ext %v", x)
	}
	b.Reset()
	b.Add(&Event{Type: EventNew, Flow: ftp})
	if b.ExtOf(0) != nil {
		t.Errorf("reset kept an ext: %v", b.ExtOf(0))
	}
}
