package source

import (
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/sourcetest"
	"github.com/mdlayher/netlink"
	"github.com/ti-mo/conntrack"

	"github.com/cttop/cttop/internal/netnstest"
)

var capture = flag.Bool("capture", false, "rewrite testdata/ctnetlink-*.bin (for the decoder benchmarks) from the kernel")

// rawEvent is one ctnetlink event message as it came off the socket.
type rawEvent struct {
	typ, flags uint16
	seq        uint32
	body       []byte
}

// TestEventsAgreeWithLibrary checks the event path (recvmmsg batches and the
// lean decoder, exactly as readEvents uses them) field by field against the
// library's Event.Unmarshal of the same messages: NEW, UPDATE and DESTROY of
// IPv4, IPv6, ICMP, NATed, zoned and marked flows, and DESTROY with counters
// and timestamps of a flow that carried real traffic.
func TestEventsAgreeWithLibrary(t *testing.T) {
	ns := netnstest.New(t)
	ns.Sysctl(t, "net.netfilter.nf_conntrack_acct", "1")
	ns.Sysctl(t, "net.netfilter.nf_conntrack_timestamp", "1")
	ev, err := dialSock(int(ns.Open(t).Fd()), 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	if err := ev.setReadBuffer(8 << 20); err != nil {
		t.Fatal(err)
	}
	if err := ev.joinGroups(groupNew, groupUpdate, groupDestroy); err != nil {
		t.Fatal(err)
	}
	c := sourcetest.Dial(t, ns.Path)
	sourcetest.Create(t, c, specs...)
	udpOnLoopback(t, ns) // a counted flow, with NEW and UPDATE events of its own
	upd := specs[1].Flow()
	upd.ProtoInfo.TCP.State = model.TCPEstablished
	upd.Mark = 77
	upd.Status |= conntrack.StatusAssured | conntrack.StatusSeenReply
	if err := c.Update(upd); err != nil {
		t.Fatal(err)
	}
	var dump [][]byte
	if *capture {
		dump = captureDump(t, ns)
	}
	if err := c.Flush(); err != nil { // DESTROY for every flow
		t.Fatal(err)
	}

	var datagrams [][]byte
	var evs []rawEvent
	seen := map[model.EventType]int{}
	var counted bool
	deadline := time.Now().Add(5 * time.Second)
	if err := ev.c.SetReadDeadline(deadline); err != nil {
		t.Fatal(err)
	}
	// Every created flow ends with a DESTROY: read until all have.
	flows := len(specs) + 1
	if *capture {
		flows += 1000
	}
	for seen[model.EventDestroy] < flows {
		n, err := ev.recvMany()
		if err != nil {
			t.Fatalf("after %v events: %v", seen, err)
		}
		for i := 0; i < n; i++ {
			b, err := ev.datagram(i)
			if err != nil {
				t.Fatal(err)
			}
			b = append([]byte(nil), b...) // the slot is reused by the next recvMany
			datagrams = append(datagrams, b)
			for len(b) > 0 {
				m, rest, err := nextMsg(b)
				if err != nil {
					t.Fatal(err)
				}
				b = rest
				evs = append(evs, rawEvent(m))
				seen[eventType(&m)]++
			}
		}
	}
	now := uint32(time.Now().Unix())
	for i, re := range evs {
		m := nlmsg(re)
		typ := eventType(&m)
		var got model.Event
		var n int
		var dec decoder
		if err := dec.decodeEvents(reframe(re), now, &got, func(*model.Event) { n++ }); err != nil || n != 1 {
			t.Fatalf("event %d: decoded %d events, err %v", i, n, err)
		}
		var lib conntrack.Event
		err := lib.Unmarshal(netlink.Message{
			Header: netlink.Header{Type: netlink.HeaderType(re.typ), Flags: netlink.HeaderFlags(re.flags), Sequence: re.seq},
			Data:   re.body,
		})
		if err != nil {
			t.Fatalf("event %d: library: %v", i, err)
		}
		var want model.EventType
		switch lib.Type {
		case conntrack.EventNew:
			want = model.EventNew
		case conntrack.EventUpdate:
			want = model.EventUpdate
		case conntrack.EventDestroy:
			want = model.EventDestroy
		}
		if got.Type != typ || got.Type != want {
			t.Errorf("event %d: type %v (header %v), library %v", i, got.Type, typ, want)
		}
		// Only DESTROY carries counters (and, with acct on, always).
		wantF, wantC := libFlow(*lib.Flow, now, typ == model.EventDestroy)
		// What an event's silence means (see knownInEvent): no helper and
		// no context when it does not say; the labels only when it says;
		// a DESTROY says nothing of either, nor of a mark of 0.
		if typ != model.EventNew {
			wantF.Attrs &^= model.HasLabels
		}
		if typ == model.EventDestroy {
			wantF.Attrs &^= model.HasHelper | model.HasSecctx
			if markOf(&wantF) == 0 {
				wantF.Forget(model.HasMark)
			}
		}
		if got.Flow != wantF {
			t.Errorf("event %d (%v) differs:\n got %+v\nwant %+v", i, typ, got.Flow, wantF)
		}
		if got.Counters != wantC {
			t.Errorf("event %d (%v): counters %+v, library %+v", i, typ, got.Counters, wantC)
		}
		counted = counted || (typ == model.EventDestroy && got.Counters.Packets() > 0 && got.Flow.Attrs&model.HasStart != 0)
	}
	if seen[model.EventNew] < len(specs)+1 || seen[model.EventUpdate] == 0 {
		t.Errorf("events seen %v, want %d NEW and some UPDATE", seen, len(specs)+1)
	}
	if !counted {
		t.Error("no DESTROY event with counters and a start time")
	}
	if *capture {
		writeCapture(t, "ctnetlink-events.bin", datagrams)
		writeCapture(t, "ctnetlink-dump.bin", dump)
	}
}

// reframe rebuilds the datagram of one message.
func reframe(re rawEvent) []byte {
	b := make([]byte, nlmsgHdrLen, nlmsgHdrLen+len(re.body))
	binary.NativeEndian.PutUint32(b[0:], uint32(nlmsgHdrLen+len(re.body)))
	binary.NativeEndian.PutUint16(b[4:], re.typ)
	binary.NativeEndian.PutUint16(b[6:], re.flags)
	binary.NativeEndian.PutUint32(b[8:], re.seq)
	return append(b, re.body...)
}

// captureDump adds a thousand plain flows and returns the datagrams of a dump
// of the whole table, as the kernel sent them.
func captureDump(t *testing.T, ns *netnstest.NS) [][]byte {
	t.Helper()
	if err := sourcetest.Fill(sourcetest.Dial(t, ns.Path), 0, 1000, "198.51.100.1", 443); err != nil {
		t.Fatal(err)
	}
	s, err := dialSock(int(ns.Open(t).Fd()), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.send(s.request(ctMsgGet, nlmFRequest|nlmFDump, 0)); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		b, err := s.recv()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, append([]byte(nil), b...))
		if lastOfDump(b, s.seq) {
			return out
		}
	}
}

// writeCapture stores datagrams as little-endian uint32 length + bytes.
func writeCapture(t *testing.T, name string, datagrams [][]byte) {
	t.Helper()
	var b []byte
	for _, d := range datagrams {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(d)))
		b = append(b, d...)
	}
	if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote testdata/%s: %d datagrams", name, len(datagrams))
}

// readCapture reads a file writeCapture wrote.
func readCapture(tb testing.TB, name string) [][]byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatalf("%v (regenerate with: sudo go test -run TestEventsAgreeWithLibrary -capture ./source/)", err)
	}
	var out [][]byte
	for len(b) >= 4 {
		n := int(binary.LittleEndian.Uint32(b))
		if 4+n > len(b) {
			tb.Fatal(errors.New("truncated capture"))
		}
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	return out
}

// TestDriftReconciles: with nf_conntrack_events=2 and no reconciliation
// period configured, a flow that existed before cttop subscribed and is
// deleted (no DESTROY event) leaves the model within seconds, because the
// kernel's count of flows drifts from the events' count.
func TestDriftReconciles(t *testing.T) {
	ns := netnstest.New(t)
	// The old flow is made while the namespace sends no events at all: on
	// this kernel "auto" (2) looks for a listener anywhere on the host, so
	// any other ctnetlink listener (another cttop, conntrack -E) would give
	// the flow its events.
	ns.Sysctl(t, "net.netfilter.nf_conntrack_events", "0")
	c := sourcetest.Dial(t, ns.Path)
	old := specs[0]
	sourcetest.Create(t, c, old)
	ns.Sysctl(t, "net.netfilter.nf_conntrack_events", "2")
	r := startKernel(t, KernelConfig{NetNS: ns.Path, Interval: 50 * time.Millisecond}, nil)
	r.until(t, 40, "initial snapshot", func() bool { _, ok := has(r.tab, old); return ok })
	if every := r.k.Info().DumpEvery; every < time.Minute {
		t.Errorf("periodic reconciliation every %v, want a safety net of a minute or more", every)
	}
	if err := c.Delete(old.Flow()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r.until(t, 200, "drift reconciliation", func() bool { _, ok := has(r.tab, old); return !ok })
	if r.k.Info().Reconciles == 0 {
		t.Error("removed without a reconciliation")
	}
	t.Logf("pre-existing flow left the model %v after its deletion", time.Since(start).Round(100*time.Millisecond))
}
