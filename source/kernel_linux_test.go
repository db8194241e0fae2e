package source

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/sourcetest"
	"github.com/ti-mo/conntrack"
	"golang.org/x/sys/unix"
)

// specs is a mix of what a real table holds: IPv4 and IPv6, TCP, UDP,
// ICMP, NAT in both directions, zones and marks.
var specs = []sourcetest.Spec{
	{Src: "192.0.2.1", Dst: "198.51.100.1", SrcPort: 40000, DstPort: 80},
	{Src: "192.0.2.2", Dst: "198.51.100.1", SrcPort: 40001, DstPort: 443, State: 1, Status: conntrack.StatusConfirmed},
	{Proto: 17, Src: "192.0.2.3", Dst: "198.51.100.53", SrcPort: 5353, DstPort: 53, Timeout: 30},
	{Proto: 1, Src: "192.0.2.4", Dst: "198.51.100.1", ICMPType: 8, ICMPID: 77, Timeout: 30},
	{Src: "2001:db8::1", Dst: "2001:db8::2", SrcPort: 50000, DstPort: 22, Mark: 42},
	{Proto: 58, Src: "2001:db8::1", Dst: "2001:db8::3", ICMPType: 128, ICMPID: 9, Timeout: 30},
	// SNAT: a private client leaves through the public address.
	{Src: "10.0.0.5", Dst: "198.51.100.9", SrcPort: 33000, DstPort: 443,
		ReplySrc: "198.51.100.9", ReplySrcPort: 443, ReplyDst: "203.0.113.1", ReplyDstPort: 61000},
	// DNAT: a port forward to an inside server.
	{Src: "198.51.100.77", Dst: "203.0.113.1", SrcPort: 41000, DstPort: 8080,
		ReplySrc: "10.0.0.80", ReplySrcPort: 80, ReplyDst: "198.51.100.77", ReplyDstPort: 41000},
	{Src: "192.0.2.1", Dst: "198.51.100.1", SrcPort: 40000, DstPort: 80, Zone: 7},
}

func newKernel(t *testing.T, cfg KernelConfig) *Kernel {
	t.Helper()
	k, err := NewKernel(cfg)
	if err != nil {
		t.Fatalf("NewKernel: %v", err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func loadTable(t *testing.T, k *Kernel) *model.Table {
	t.Helper()
	tab := model.NewTable(0)
	if err := k.Load(tab); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return tab
}

// libFlow converts the library's decoding into the model's form, the
// reference the hand-written decoder must agree with.
// With acct on, the kernel sends counters for every flow, zero or not.
func libFlow(f conntrack.Flow, now uint32, acct bool) (model.Flow, model.Counters) {
	tuple := func(t conntrack.Tuple) model.Tuple {
		mt := model.Tuple{
			Src: model.AddrFrom(t.IP.SourceAddress), Dst: model.AddrFrom(t.IP.DestinationAddress),
			SrcPort: t.Proto.SourcePort, DstPort: t.Proto.DestinationPort,
		}
		if model.IsICMP(t.Proto.Protocol) {
			mt.SrcPort = t.Proto.ICMPID
			mt.DstPort = uint16(t.Proto.ICMPType)<<8 | uint16(t.Proto.ICMPCode)
		}
		return mt
	}
	m := model.Flow{
		Orig: tuple(f.TupleOrig), Reply: tuple(f.TupleReply),
		Status: model.Status(f.Status), Proto: f.TupleOrig.Proto.Protocol, Family: model.IPv4,
		Attrs: model.HasHelper | model.HasLabels | model.HasSecctx,
	}
	m.SetID(f.ID)
	m.SetMark(f.Mark)
	m.SetExpires(now + f.Timeout)
	m.SetZone(model.Zone{ID: f.Zone})
	if f.TupleOrig.IP.SourceAddress.Is6() && !f.TupleOrig.IP.SourceAddress.Is4In6() {
		m.Family = model.IPv6
	}
	if f.ProtoInfo.TCP != nil {
		m.SetProtoState(f.ProtoInfo.TCP.State)
	}
	var c model.Counters
	if acct {
		m.Attrs |= model.HasCounters
		c = model.Counters{OrigPackets: f.CountersOrig.Packets, OrigBytes: f.CountersOrig.Bytes,
			ReplyPackets: f.CountersReply.Packets, ReplyBytes: f.CountersReply.Bytes}
	}
	if !f.Timestamp.Start.IsZero() {
		m.SetStart(uint32(f.Timestamp.Start.Unix()))
	}
	return m, c
}

// TestDumpAgreesWithLibrary checks the streaming dump and the lean decoder
// field by field against the library's Dump, on IPv4, IPv6, ICMP, NAT,
// zones, marks and counters (real traffic on loopback makes counters).
func TestDumpAgreesWithLibrary(t *testing.T) {
	ns := netnstest.New(t)
	ns.Sysctl(t, "net.netfilter.nf_conntrack_acct", "1")
	ns.Sysctl(t, "net.netfilter.nf_conntrack_timestamp", "1")
	c := sourcetest.Dial(t, ns.Path)
	sourcetest.Create(t, c, specs...)
	udpOnLoopback(t, ns) // counted traffic

	k := newKernel(t, KernelConfig{NetNS: ns.Path})
	now := uint32(time.Now().Unix())
	tab := loadTable(t, k)
	lib, err := c.Dump(nil)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len() != len(lib) || len(lib) != len(specs)+1 {
		t.Fatalf("decoded %d flows, library %d, created %d+1", tab.Len(), len(lib), len(specs))
	}
	var sawCounters bool
	for _, lf := range lib {
		want, wantC := libFlow(lf, now, true)
		slot := tab.Find(want.Key())
		if slot < 0 {
			t.Fatalf("flow %v missing from the decoded table", want.Key())
		}
		got := *tab.At(slot)
		// Timeouts count down between the two dumps.
		if d := int64(expiresOf(&got)) - int64(expiresOf(&want)); d < -2 || d > 2 {
			t.Errorf("flow %d: expires %d, library %d", idOf(&want), expiresOf(&got), expiresOf(&want))
		}
		got.SetExpires(expiresOf(&want))
		if !got.SameAs(&want) {
			t.Errorf("flow differs:\n got %+v\nwant %+v", got, want)
		}
		if gc, _ := tab.CountersAt(slot); gc != wantC {
			t.Errorf("flow %d counters %+v, library %+v", idOf(&want), gc, wantC)
		}
		sawCounters = sawCounters || wantC.Packets() > 0
	}
	if !sawCounters {
		t.Error("no flow had counters: the ping was not counted")
	}
}

// udpOnLoopback sends a few datagrams on the namespace's loopback.
func udpOnLoopback(t *testing.T, ns *netnstest.NS) {
	ns.Do(t, func() {
		l, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Error(err)
			return
		}
		defer l.Close()
		c, err := net.Dial("udp4", l.LocalAddr().String())
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		for i := 0; i < 3; i++ {
			c.Write([]byte("cttop"))
		}
	})
}

// runKernel runs a kernel source and feeds its batches to a table,
// offering the table to check after each batch.
type runner struct {
	k    *Kernel
	out  chan *model.Batch
	errc chan error
	tab  *model.Table
	stop context.CancelFunc
}

func startKernel(t *testing.T, cfg KernelConfig, hook func(*Kernel)) *runner {
	t.Helper()
	k := newKernel(t, cfg)
	if hook != nil {
		hook(k)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{k: k, out: make(chan *model.Batch), errc: make(chan error, 1), tab: model.NewTable(0), stop: cancel}
	go func() { r.errc <- k.Run(ctx, r.out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-r.errc:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return r
}

// next applies the next batch, failing after timeout.
func (r *runner) next(t *testing.T, timeout time.Duration) *model.Batch {
	t.Helper()
	select {
	case b := <-r.out:
		r.tab.Apply(b)
		return b
	case err := <-r.errc:
		t.Fatalf("Run ended: %v", err)
	case <-time.After(timeout):
		t.Fatal("no batch")
	}
	return nil
}

// until applies batches until cond holds, failing after n batches.
func (r *runner) until(t *testing.T, n int, what string, cond func() bool) int {
	t.Helper()
	for i := 1; i <= n; i++ {
		r.next(t, 5*time.Second)
		if cond() {
			return i
		}
	}
	t.Fatalf("%s: not after %d batches", what, n)
	return 0
}

func has(tab *model.Table, s sourcetest.Spec) (*model.Flow, bool) {
	for slot := int32(0); slot < tab.Slots(); slot++ {
		if !tab.Live(slot) {
			continue
		}
		f := tab.At(slot)
		if f.Orig.Src == model.AddrFrom(netip.MustParseAddr(s.Src)) && f.Orig.SrcPort == s.SrcPort &&
			f.Orig.DstPort == s.DstPort && zoneOf(f) == s.Zone {
			return f, true
		}
	}
	return nil, false
}

// TestEventsReachModel: NEW, UPDATE and DESTROY reach the model within two
// intervals (two batches) of the kernel acknowledging the change.
func TestEventsReachModel(t *testing.T) {
	ns := netnstest.New(t)
	c := sourcetest.Dial(t, ns.Path)
	r := startKernel(t, KernelConfig{NetNS: ns.Name, Interval: 50 * time.Millisecond}, nil)
	r.until(t, 40, "initial snapshot", func() bool { return !r.tab.Info().Loading })

	s := sourcetest.Spec{Src: "192.0.2.10", Dst: "198.51.100.1", SrcPort: 1234, DstPort: 80, State: 2,
		Status: conntrack.StatusConfirmed | conntrack.StatusSeenReply}
	sourcetest.Create(t, c, s)
	r.until(t, 2, "NEW", func() bool { _, ok := has(r.tab, s); return ok })

	upd := s.Flow()
	upd.ProtoInfo.TCP.State = 3
	upd.Mark = 9
	upd.Status |= conntrack.StatusAssured
	if err := c.Update(upd); err != nil {
		t.Fatal(err)
	}
	r.until(t, 2, "UPDATE", func() bool {
		f, ok := has(r.tab, s)
		return ok && pstateOf(f) == model.TCPEstablished && markOf(f) == 9 && f.Status&model.StatusAssured != 0
	})

	if err := c.Delete(s.Flow()); err != nil {
		t.Fatal(err)
	}
	r.until(t, 2, "DESTROY", func() bool { _, ok := has(r.tab, s); return !ok })
}

// TestOverflowResync forces lost events (a tiny buffer and a reader held
// back during a burst) and checks that the resync leaves the model equal
// to a fresh dump.
func TestOverflowResync(t *testing.T) {
	ns := netnstest.New(t)
	c := sourcetest.Dial(t, ns.Path)
	hold := make(chan struct{})
	var once sync.Once
	r := startKernel(t, KernelConfig{NetNS: ns.Path, Interval: 50 * time.Millisecond, ReadBuffer: 4096}, func(k *Kernel) {
		k.beforeRecv = func() {
			select {
			case <-hold:
			default:
				<-hold
			}
		}
	})
	// The initial dump does not need the reader.
	r.until(t, 40, "initial snapshot", func() bool { return !r.tab.Info().Loading })
	if err := sourcetest.Fill(c, 0, 3000, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i += 3 { // and some destroys
		src := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		f := conntrack.NewFlow(6, 0, src, netip.MustParseAddr("198.51.100.1"), uint16(1024+i), 80, 0, 0)
		if err := c.Delete(f); err != nil {
			t.Fatal(err)
		}
	}
	once.Do(func() { close(hold) })
	r.until(t, 200, "resync", func() bool {
		info := r.k.Info()
		return info.Resyncs > 0 && !info.Stale && r.tab.Len() == 3000-334
	})
	want := loadTable(t, newKernel(t, KernelConfig{NetNS: ns.Path}))
	if err := sameFlows(r.tab, want); err != nil {
		t.Fatal(err)
	}
}

// sameFlows compares two tables by key and content, ignoring times.
func sameFlows(got, want *model.Table) error {
	if got.Len() != want.Len() {
		return fmt.Errorf("model has %d flows, a fresh dump %d", got.Len(), want.Len())
	}
	for slot := int32(0); slot < want.Slots(); slot++ {
		if !want.Live(slot) {
			continue
		}
		w := *want.At(slot)
		gs := got.Find(w.Key())
		if gs < 0 {
			return fmt.Errorf("flow %v missing from the model", w.Key())
		}
		g := *got.At(gs)
		g.SetExpires(0)
		w.SetExpires(0)
		if !g.SameAs(&w) {
			return fmt.Errorf("flow differs:\n got %+v\nwant %+v", g, w)
		}
	}
	return nil
}

// TestAutoModeReconcile: with nf_conntrack_events=2 flows that existed
// before cttop subscribed send no events; deleted, they must still leave
// the model, through reconciliation.
func TestAutoModeReconcile(t *testing.T) {
	ns := netnstest.New(t)
	// Made while the namespace sends no events: "auto" counts a listener
	// anywhere on the host (see TestDriftReconciles).
	ns.Sysctl(t, "net.netfilter.nf_conntrack_events", "0")
	c := sourcetest.Dial(t, ns.Path)
	old := specs[0]
	sourcetest.Create(t, c, old)
	ns.Sysctl(t, "net.netfilter.nf_conntrack_events", "2")

	r := startKernel(t, KernelConfig{NetNS: ns.Path, Interval: 50 * time.Millisecond, Reconcile: 500 * time.Millisecond}, nil)
	r.until(t, 40, "initial snapshot", func() bool { _, ok := has(r.tab, old); return ok })
	if mode := r.k.Info().EventMode; mode != model.EventsAuto {
		t.Fatalf("EventMode %d, want auto (2)", mode)
	}
	if err := c.Delete(old.Flow()); err != nil {
		t.Fatal(err)
	}
	n := r.until(t, 40, "reconciled removal", func() bool { _, ok := has(r.tab, old); return !ok })
	t.Logf("pre-existing flow left the model after %d batches (reconcile every 500ms)", n)
	if r.k.Info().Reconciles == 0 {
		t.Error("removed without a reconciliation: it has no events to be removed by")
	}
}

// TestNetNSWatchesRightTable: --netns by name and by path sees that
// namespace's flows and not another's.
func TestNetNSWatchesRightTable(t *testing.T) {
	a, b := netnstest.New(t), netnstest.New(t)
	sourcetest.Create(t, sourcetest.Dial(t, a.Path), specs[0], specs[1])
	sourcetest.Create(t, sourcetest.Dial(t, b.Path), specs[2])
	for _, spec := range []string{a.Name, a.Path} {
		tab := loadTable(t, newKernel(t, KernelConfig{NetNS: spec}))
		_, hasA := has(tab, specs[0])
		_, hasB := has(tab, specs[2])
		if tab.Len() != 2 || !hasA || hasB {
			t.Errorf("--netns %s: %d flows (a's: %v, b's: %v)", spec, tab.Len(), hasA, hasB)
		}
	}
	if _, err := NewKernel(KernelConfig{NetNS: "cttop-no-such-ns"}); err == nil {
		t.Error("unknown namespace accepted")
	}
}

// TestStatsCountAndMax: the gauge's numbers are the kernel's.
func TestStatsCountAndMax(t *testing.T) {
	ns := netnstest.New(t)
	sourcetest.Create(t, sourcetest.Dial(t, ns.Path), specs...)
	k := newKernel(t, KernelConfig{NetNS: ns.Path})
	st, err := k.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Count != uint64(len(specs)) || st.Max == 0 || int64(st.Max) != k.Sysctls().Max {
		t.Errorf("stats %+v, sysctl max %d, want count %d", st, k.Sysctls().Max, len(specs))
	}
}

// TestDeadListenerRecovers: a listener that fails with something other
// than ENOBUFS is replaced, the view resyncs, and later events arrive.
func TestDeadListenerRecovers(t *testing.T) {
	ns := netnstest.New(t)
	c := sourcetest.Dial(t, ns.Path)
	var fail atomic.Bool
	r := startKernel(t, KernelConfig{NetNS: ns.Path, Interval: 50 * time.Millisecond}, func(k *Kernel) {
		k.recvErr = func() error {
			if fail.CompareAndSwap(true, false) {
				return unix.EIO
			}
			return nil
		}
	})
	r.until(t, 40, "initial snapshot", func() bool { return !r.tab.Info().Loading })
	fail.Store(true)
	sourcetest.Create(t, c, specs[0]) // its event kills the listener
	r.until(t, 60, "resync after the dead listener", func() bool {
		info := r.k.Info()
		_, ok := has(r.tab, specs[0])
		return info.Resyncs > 0 && !info.Stale && ok
	})
	sourcetest.Create(t, c, specs[1])
	r.until(t, 2, "an event on the new listener", func() bool { _, ok := has(r.tab, specs[1]); return ok })
}
