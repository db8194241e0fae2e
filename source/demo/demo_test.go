package demo

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
)

var demoT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// demoEqualBatches reports how two batches differ, or "".
func demoEqualBatches(a, b *model.Batch) string {
	switch {
	case !a.Time.Equal(b.Time):
		return fmt.Sprintf("time %v != %v", a.Time, b.Time)
	case a.Stats != b.Stats:
		return fmt.Sprintf("stats %+v != %+v", a.Stats, b.Stats)
	case a.Info != b.Info:
		return fmt.Sprintf("info %+v != %+v", a.Info, b.Info)
	case a.New != b.New || a.Gone != b.Gone:
		return fmt.Sprintf("new/gone %d/%d != %d/%d", a.New, a.Gone, b.New, b.Gone)
	case !reflect.DeepEqual(a.Events, b.Events):
		return fmt.Sprintf("events differ (%d and %d)", len(a.Events), len(b.Events))
	case (a.Snapshot == nil) != (b.Snapshot == nil):
		return "one has a snapshot"
	}
	if a.Snapshot == nil {
		return ""
	}
	if a.Snapshot.Len() != b.Snapshot.Len() {
		return fmt.Sprintf("snapshot of %d and %d flows", a.Snapshot.Len(), b.Snapshot.Len())
	}
	for i := range a.Snapshot.Len() {
		fa, ca := a.Snapshot.At(i)
		fb, cb := b.Snapshot.At(i)
		if *fa != *fb || ca != cb {
			return fmt.Sprintf("snapshot flow %d differs", i)
		}
	}
	return ""
}

// demoEqualTables reports how two tables differ, walking their slots.
func demoEqualTables(a, b *model.Table) string {
	if a.Len() != b.Len() || a.Slots() != b.Slots() {
		return fmt.Sprintf("%d flows in %d slots != %d in %d", a.Len(), a.Slots(), b.Len(), b.Slots())
	}
	for s := range a.Slots() {
		if a.Live(s) != b.Live(s) {
			return fmt.Sprintf("slot %d live in one only", s)
		}
		if !a.Live(s) {
			continue
		}
		if *a.At(s) != *b.At(s) {
			return fmt.Sprintf("slot %d: %+v != %+v", s, *a.At(s), *b.At(s))
		}
		ca, oka := a.CountersAt(s)
		cb, okb := b.CountersAt(s)
		if ca != cb || oka != okb {
			return fmt.Sprintf("slot %d: counters %+v != %+v", s, ca, cb)
		}
	}
	return ""
}

// demoTimes returns n step times from demoT0 with uneven gaps.
func demoTimes(n int) []time.Time {
	gaps := []time.Duration{100 * time.Millisecond, 37 * time.Millisecond, 250 * time.Millisecond,
		time.Second + 300*time.Millisecond, 100 * time.Millisecond, 3 * time.Millisecond}
	ts := []time.Time{demoT0}
	for i := 1; i < n; i++ {
		ts = append(ts, ts[i-1].Add(gaps[i%len(gaps)]))
	}
	return ts
}

func TestDemoDeterministic(t *testing.T) {
	times := demoTimes(400)                       // about 120 s: calm, flood, calm
	cfg := Config{Seed: 7, Flows: 500, Max: 2048} // small: the flood fills it too
	d1, d2 := New(cfg), New(cfg)
	t1, t2 := model.NewTable(0), model.NewTable(0)
	for i, now := range times {
		b1, b2 := d1.Step(now), d2.Step(now)
		if diff := demoEqualBatches(b1, b2); diff != "" {
			t.Fatalf("step %d (%v): batches differ: %s", i, now.Sub(demoT0), diff)
		}
		t1.Apply(b1)
		t2.Apply(b2)
		if i%20 != 0 && i != len(times)-1 {
			continue
		}
		if diff := demoEqualTables(t1, t2); diff != "" {
			t.Fatalf("step %d (%v): tables differ: %s", i, now.Sub(demoT0), diff)
		}
	}

	cfg.Seed = 8
	if st := t1.Stats(); st.EarlyDrop == 0 || st.Count == 0 {
		t.Fatalf("no flood to compare: %+v", st)
	}
	d3 := New(cfg)
	t3 := model.NewTable(0)
	for _, now := range times {
		t3.Apply(d3.Step(now))
	}
	if demoEqualTables(t1, t3) == "" {
		t.Error("seeds 7 and 8 gave the same table")
	}
}

// Documentation and private ranges: the demo uses nothing else.
var demoPrefixes = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
}

func demoAddrOK(a model.Addr, fam uint8) bool {
	if a.Is4() != (fam == model.IPv4) {
		return false
	}
	for _, p := range demoPrefixes {
		if p.Contains(a.In(fam)) {
			return true
		}
	}
	return false
}

// demoMaxTimeout is the kernel's timeout for a flow in its state.
func demoMaxTimeout(f *model.Flow) uint32 {
	switch {
	case f.Proto == model.ProtoTCP:
		return map[uint8]uint32{
			model.TCPSynSent: demoTOSynSent, model.TCPSynRecv: demoTOSynRecv,
			model.TCPEstablished: demoTOEstablished, model.TCPFinWait: demoTOFinWait,
			model.TCPLastAck: demoTOLastAck, model.TCPTimeWait: demoTOTimeWait,
			model.TCPClose: demoTOClose,
		}[pstateOf(f)]
	case f.Proto == model.ProtoUDP && f.Status&model.StatusAssured != 0:
		return demoTOUDPStream
	case f.Proto == model.ProtoUDP:
		return demoTOUDP
	}
	return demoTOICMP
}

// demoCheckFlow reports what is implausible about a flow at Unix time now.
func demoCheckFlow(f *model.Flow, now uint32) error {
	if f.Family != model.IPv4 && f.Family != model.IPv6 {
		return fmt.Errorf("family %d", f.Family)
	}
	for _, a := range []model.Addr{f.Orig.Src, f.Orig.Dst, f.Reply.Src, f.Reply.Dst} {
		if !demoAddrOK(a, f.Family) {
			return fmt.Errorf("address %v outside the demo's ranges or of the wrong family", a)
		}
	}
	switch f.Proto {
	case model.ProtoTCP, model.ProtoUDP:
	case model.ProtoICMP, model.ProtoICMPv6:
		req, rep := uint8(8), uint8(0)
		if f.Proto == model.ProtoICMPv6 {
			req, rep = 128, 129
		}
		if (f.Proto == model.ProtoICMP) != (f.Family == model.IPv4) {
			return fmt.Errorf("%s over %s", model.ProtoName(f.Proto), model.FamilyName(f.Family))
		}
		if f.Orig.ICMPType() != req || f.Reply.ICMPType() != rep || f.Orig.SrcPort != f.Reply.SrcPort {
			return fmt.Errorf("icmp tuples %+v / %+v", f.Orig, f.Reply)
		}
	default:
		return fmt.Errorf("protocol %d", f.Proto)
	}
	if f.Attrs&(model.HasID|model.HasTimeout|model.HasMark|model.HasZone) != model.HasID|model.HasTimeout|model.HasMark|model.HasZone || idOf(f) == 0 {
		return fmt.Errorf("attrs %b, id %d", f.Attrs, idOf(f))
	}
	isTCP := f.Proto == model.ProtoTCP
	if hasState := f.Attrs&model.HasState != 0; hasState != isTCP {
		return fmt.Errorf("%s flow with HasState %v", model.ProtoName(f.Proto), hasState)
	}
	if isTCP && (pstateOf(f) < model.TCPSynSent || pstateOf(f) > model.TCPClose) {
		return fmt.Errorf("tcp state %d", pstateOf(f))
	}
	if f.Status&model.StatusConfirmed == 0 ||
		f.Status&model.StatusAssured != 0 && f.Status&model.StatusSeenReply == 0 {
		return fmt.Errorf("status %v", f.Status.Names())
	}
	if ttl, limit := ttlOf(f, now), demoMaxTimeout(f); ttl > limit || expiresOf(f) < now {
		st, _ := f.State()
		return fmt.Errorf("%s %s: expires in %d s (timeout %d)", model.ProtoName(f.Proto), st, int64(expiresOf(f))-int64(now), limit)
	}
	return nil
}

func TestDemoPlausible(t *testing.T) {
	d := New(Config{Seed: 1})
	tbl := model.NewTable(0)
	const step = 100 * time.Millisecond
	floodStart := demoT0.Add(time.Duration(demoFloodFirst))
	floodEnd := floodStart.Add(time.Duration(demoFloodLen))
	nextFlood := floodStart.Add(time.Duration(demoFloodPeriod))
	var prev model.TableStats
	for i := 0; i <= 2100; i++ { // 210 s: calm, flood, the table drains, calm, flood
		now := demoT0.Add(time.Duration(i) * step)
		b := d.Step(now)
		tbl.Apply(b)
		st := b.Stats
		if !st.Valid || st.Count != uint64(tbl.Len()) || st.Count > st.Max || st.Max != demoMax {
			t.Fatalf("%v: stats %+v, table has %d flows", now.Sub(demoT0), st, tbl.Len())
		}
		if b.Info.Kind != "demo" || b.Info.EventMode != model.EventsOn || !b.Info.Acct || !b.Info.AcctKnown {
			t.Fatalf("info %+v", b.Info)
		}
		if want := i%100 == 0; (b.Snapshot != nil) != want {
			t.Fatalf("%v: snapshot %v, want %v", now.Sub(demoT0), b.Snapshot != nil, want)
		}
		if len(b.Events) > demoMaxEvents/4 {
			t.Errorf("%v: %d events in one step", now.Sub(demoT0), len(b.Events))
		}

		drops := st.Drop + st.EarlyDrop - prev.Drop - prev.EarlyDrop
		switch {
		case i > 0 && drops > 0 && st.Count != st.Max:
			t.Errorf("%v: %d drops with the table at %d of %d", now.Sub(demoT0), drops, st.Count, st.Max)
		case now.Before(floodStart) && st.Drop+st.EarlyDrop != 0:
			t.Errorf("%v: drops before the flood: %+v", now.Sub(demoT0), st)
		case now.After(floodEnd.Add(demoTOSynRecv*time.Second)) && now.Before(nextFlood) && drops > 0:
			// The flood's SYN_RECV leftovers have timed out: room again.
			t.Errorf("%v: %d drops in calm times", now.Sub(demoT0), drops)
		}
		if i > 0 && (st.InsertFailed < prev.InsertFailed || st.Invalid < prev.Invalid) {
			t.Errorf("%v: counters went back: %+v after %+v", now.Sub(demoT0), st, prev)
		}
		prev = st

		if i%50 == 0 {
			demoCheckTable(t, d, tbl, now)
		}
		switch now.Sub(demoT0) {
		case 4900 * time.Millisecond:
			if n := tbl.Len(); n < 2000 || n > 4000 {
				t.Errorf("before the flood: %d flows, want about %d", n, demoFlows)
			}
			if port, _ := demoTopPort(tbl); port != 443 {
				t.Errorf("before the flood: top port %d, want 443", port)
			}
		case 40 * time.Second:
			port, n := demoTopPort(tbl)
			if port != 80 || n < tbl.Len()/2 {
				t.Errorf("in the flood: top port %d with %d of %d flows, want 80 with most", port, n, tbl.Len())
			}
			w := d.waveFor(0)
			src := demoTopSource(tbl)
			if !slices.Contains(w.srcs, src) {
				t.Errorf("in the flood: top source %v is not one of the flood's %v", src.In(model.IPv4), w.srcs)
			}
			if src != w.srcs[0] {
				t.Errorf("in the flood: top source %v, want the dominant %v", src.In(model.IPv4), w.srcs[0].In(model.IPv4))
			}
		}
		switch {
		case now.Equal(floodEnd) && (st.EarlyDrop < 10000 || st.Drop == 0):
			t.Errorf("after the flood: drop %d, early_drop %d: the flood did not overflow the table", st.Drop, st.EarlyDrop)
		case now.Equal(nextFlood.Add(-step)) && (st.Count > 4000 || tbl.TCPStateCount(model.TCPSynRecv) > 50):
			t.Errorf("before the next flood: %d flows, %d SYN_RECV: the table did not drain",
				st.Count, tbl.TCPStateCount(model.TCPSynRecv))
		case now.Equal(nextFlood.Add(10*time.Second)) && st.Count != st.Max:
			t.Errorf("in the second flood: %d flows, want a full table", st.Count)
		}
	}
}

// demoCheckTable checks every flow of tbl, and that it holds every flow of d.
func demoCheckTable(t *testing.T, d *Source, tbl *model.Table, now time.Time) {
	t.Helper()
	sec := uint32(now.Unix())
	for s := range tbl.Slots() {
		if !tbl.Live(s) {
			continue
		}
		if err := demoCheckFlow(tbl.At(s), sec); err != nil {
			t.Fatalf("%v: %+v: %v", now.Sub(demoT0), *tbl.At(s), err)
		}
		if c, ok := tbl.CountersAt(s); ok &&
			(c.OrigPackets == 0 || c.OrigBytes < 40*c.OrigPackets || c.ReplyBytes < 40*c.ReplyPackets) {
			t.Fatalf("%v: %+v: counters %+v", now.Sub(demoT0), *tbl.At(s), c)
		}
	}
	for i := range d.flows {
		if tbl.Find(d.flows[i].f.Key()) < 0 {
			t.Fatalf("%v: the table lacks flow %+v", now.Sub(demoT0), d.flows[i].f)
		}
	}
}

func demoTopPort(tbl *model.Table) (uint16, int) {
	n := map[uint16]int{}
	for s := range tbl.Slots() {
		if tbl.Live(s) {
			n[tbl.At(s).Orig.DstPort]++
		}
	}
	var top uint16
	for p, c := range n {
		if c > n[top] || c == n[top] && p < top {
			top = p
		}
	}
	return top, n[top]
}

func demoTopSource(tbl *model.Table) model.Addr {
	n := map[model.Addr]int{}
	for s := range tbl.Slots() {
		if tbl.Live(s) {
			n[tbl.At(s).Orig.Src]++
		}
	}
	var top model.Addr
	for a, c := range n {
		if c > n[top] {
			top = a
		}
	}
	return top
}

func TestDemoGap(t *testing.T) {
	// A long gap (a suspended laptop) turns into a snapshot, not into tens of
	// thousands of events; time going back changes nothing.
	d := New(Config{Seed: 3})
	tbl := model.NewTable(0)
	tbl.Apply(d.Step(demoT0))
	var resyncs int
	for i := 1; i <= 30; i++ { // into the flood
		b := d.Step(demoT0.Add(time.Duration(i) * time.Second))
		tbl.Apply(b)
		resyncs = b.Info.Resyncs
	}
	b := d.Step(demoT0.Add(20 * time.Minute))
	if b.Snapshot == nil || len(b.Events) != 0 || b.Info.Resyncs != resyncs+1 {
		t.Fatalf("after a gap: snapshot %v, %d events, %d resyncs after %d",
			b.Snapshot != nil, len(b.Events), b.Info.Resyncs, resyncs)
	}
	tbl.Apply(b)
	if b.Stats.Count != uint64(tbl.Len()) {
		t.Fatalf("after a gap: count %d, table %d", b.Stats.Count, tbl.Len())
	}
	back := d.Step(demoT0.Add(19 * time.Minute))
	if !back.Empty() || back.Stats != b.Stats {
		t.Fatalf("a step back changed something: %d events, stats %+v", back.Len(), back.Stats)
	}
}

func TestDemoDefaults(t *testing.T) {
	d := New(Config{})
	if d.cfg.Interval != source.DefaultInterval || d.cfg.Flows != demoFlows || d.cfg.Max != demoMax {
		t.Errorf("defaults: %+v", d.cfg)
	}
	if d := New(Config{Flows: 20000}); d.cfg.Max != 131072 {
		t.Errorf("20000 flows: max %d, want 131072", d.cfg.Max)
	}
	if d := New(Config{Flows: 100, Max: 1000}); d.cfg.Max != 1000 {
		t.Errorf("explicit max: %d", d.cfg.Max)
	}
}

func TestDemoRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- New(Config{Seed: 1}).Run(ctx, make(chan *model.Batch)) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

func TestDemoRunDelivers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan *model.Batch)
	done := make(chan error, 1)
	go func() { done <- New(Config{Seed: 1, Interval: 5 * time.Millisecond}).Run(ctx, out) }()
	tbl := model.NewTable(0)
	var last time.Time
	for i := range 10 {
		select {
		case b := <-out:
			if i == 0 && b.Snapshot == nil {
				t.Fatal("the first batch has no snapshot")
			}
			if b.Info.Kind != "demo" || b.Time.Before(last) {
				t.Fatalf("batch %d: info %+v, time %v after %v", i, b.Info, b.Time, last)
			}
			last = b.Time
			tbl.Apply(b)
			if b.Stats.Count != uint64(tbl.Len()) {
				t.Fatalf("batch %d: count %d, table %d", i, b.Stats.Count, tbl.Len())
			}
			if i == 5 {
				time.Sleep(30 * time.Millisecond) // let batches merge in the outbox
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no batch %d", i)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

func BenchmarkDemoStep(b *testing.B) {
	d := New(Config{Seed: 1})
	now := demoT0
	d.Step(now)
	events := 0
	for b.Loop() {
		now = now.Add(source.DefaultInterval)
		events += len(d.Step(now).Events)
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}
