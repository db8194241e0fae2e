package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

var t0 = time.Unix(1_700_000_000, 0)

func flow(id uint32, src string, sport uint16, dst string, dport uint16, proto, state uint8) model.Flow {
	f := model.Flow{
		Orig: model.Tuple{Src: model.AddrFrom(netip.MustParseAddr(src)), Dst: model.AddrFrom(netip.MustParseAddr(dst)),
			SrcPort: sport, DstPort: dport},
		Status: model.StatusConfirmed | model.StatusSeenReply, Proto: proto, Family: model.IPv4,
	}
	f.SetID(id)
	f.SetExpires(uint32(t0.Unix()) + 300)
	if proto == model.ProtoTCP {
		f.SetProtoState(state)
	}
	f.Reply = f.Orig.Inverse()
	return f
}

// testTable holds 6 flows from 192.0.2.1, 3 from 192.0.2.2, 1 from
// 192.0.2.3: 7 TCP ESTABLISHED, 1 TCP TIME_WAIT, 2 UDP, all new in a batch a
// second after an empty one, which also saw a flow come and go: 11 flows
// created, 1 removed.
func testTable() *model.Table {
	tab := model.NewTable(0)
	tab.Apply(&model.Batch{Time: t0})
	b := &model.Batch{Time: t0.Add(time.Second), Stats: model.TableStats{Valid: true, Count: 10, Max: 40, Drop: 3, EarlyDrop: 1, InsertFailed: 2, Invalid: 5},
		Info: model.SourceInfo{Kind: "kernel", Resyncs: 2}}
	id := uint32(1)
	add := func(src string, proto, state uint8) {
		f := flow(id, src, uint16(1000+id), "198.51.100.1", 80, proto, state)
		b.Add(&model.Event{Type: model.EventNew, Flow: f})
		id++
	}
	for range 5 {
		add("192.0.2.1", model.ProtoTCP, model.TCPEstablished)
	}
	add("192.0.2.1", model.ProtoTCP, model.TCPTimeWait)
	add("192.0.2.2", model.ProtoTCP, model.TCPEstablished)
	add("192.0.2.2", model.ProtoTCP, model.TCPEstablished)
	add("192.0.2.2", model.ProtoUDP, 0)
	add("192.0.2.3", model.ProtoUDP, 0)
	brief := flow(99, "192.0.2.9", 999, "198.51.100.1", 80, model.ProtoTCP, model.TCPSynSent)
	b.Add(&model.Event{Type: model.EventNew, Flow: brief})
	b.Add(&model.Event{Type: model.EventDestroy, Flow: brief})
	tab.Apply(b)
	return tab
}

func TestCollect(t *testing.T) {
	e := NewExporter("v1.2.3", "0123abc")
	if err := testutil.CollectAndCompare(e, strings.NewReader(`
# HELP cttop_build_info cttop's version, commit and Go version, always 1.
# TYPE cttop_build_info gauge
cttop_build_info{goversion="`+runtime.Version()+`",revision="0123abc",version="v1.2.3"} 1
`)); err != nil {
		t.Errorf("before Publish: %v", err)
	}
	if n := testutil.CollectAndCount(e); n != 1 {
		t.Errorf("before Publish: %d metrics, want only the build info", n)
	}

	e.Publish(SnapshotFromTable(testTable(), 2))
	want := `
# HELP cttop_conntrack_drops_total Packets dropped because the table was full (kernel drop counter, summed over CPUs).
# TYPE cttop_conntrack_drops_total counter
cttop_conntrack_drops_total 3
# HELP cttop_conntrack_early_drops_total Flows evicted early to make room in a full table (kernel early_drop counter).
# TYPE cttop_conntrack_early_drops_total counter
cttop_conntrack_early_drops_total 1
# HELP cttop_conntrack_entries Entries in the conntrack table (nf_conntrack_count).
# TYPE cttop_conntrack_entries gauge
cttop_conntrack_entries 10
# HELP cttop_conntrack_fill_ratio Entries / max, from 0 to 1.
# TYPE cttop_conntrack_fill_ratio gauge
cttop_conntrack_fill_ratio 0.25
# HELP cttop_conntrack_insert_failed_total Flows that could not be inserted, usually clashes (kernel insert_failed counter).
# TYPE cttop_conntrack_insert_failed_total counter
cttop_conntrack_insert_failed_total 2
# HELP cttop_conntrack_invalid_total Packets conntrack could not track (kernel invalid counter).
# TYPE cttop_conntrack_invalid_total counter
cttop_conntrack_invalid_total 5
# HELP cttop_conntrack_max The table's limit (nf_conntrack_max); at the limit the kernel drops new flows.
# TYPE cttop_conntrack_max gauge
cttop_conntrack_max 40
# HELP cttop_flows_created_total Flows created: NEW events cttop received (the header's new/s); events lost before a resync are missing.
# TYPE cttop_flows_created_total counter
cttop_flows_created_total 11
# HELP cttop_flows_removed_total Flows removed: DESTROY events cttop received (the header's gone/s); events lost before a resync are missing.
# TYPE cttop_flows_removed_total counter
cttop_flows_removed_total 1
# HELP cttop_flows Flows in the table by protocol and state: TCP, SCTP and DCCP states, UNREPLIED or REPLIED for other protocols, unknown for offloaded flows.
# TYPE cttop_flows gauge
cttop_flows{protocol="tcp",state="CLOSE"} 0
cttop_flows{protocol="tcp",state="CLOSE_WAIT"} 0
cttop_flows{protocol="tcp",state="ESTABLISHED"} 7
cttop_flows{protocol="tcp",state="FIN_WAIT"} 0
cttop_flows{protocol="tcp",state="LAST_ACK"} 0
cttop_flows{protocol="tcp",state="NONE"} 0
cttop_flows{protocol="tcp",state="SYN_RECV"} 0
cttop_flows{protocol="tcp",state="SYN_SENT"} 0
cttop_flows{protocol="tcp",state="SYN_SENT2"} 0
cttop_flows{protocol="tcp",state="TIME_WAIT"} 1
cttop_flows{protocol="udp",state="REPLIED"} 2
# HELP cttop_flows_by_protocol Flows in the table by IP protocol.
# TYPE cttop_flows_by_protocol gauge
cttop_flows_by_protocol{protocol="icmp"} 0
cttop_flows_by_protocol{protocol="icmpv6"} 0
cttop_flows_by_protocol{protocol="tcp"} 8
cttop_flows_by_protocol{protocol="udp"} 2
# HELP cttop_resyncs_total Full resynchronisations after events were missed: the kernel dropped them (ENOBUFS) or the event listener was restarted.
# TYPE cttop_resyncs_total counter
cttop_resyncs_total 2
# HELP cttop_snapshot_timestamp_seconds When cttop last updated its view of the table (Unix time): alert on its age to catch a stuck source.
# TYPE cttop_snapshot_timestamp_seconds gauge
cttop_snapshot_timestamp_seconds 1.700000001e+09
# HELP cttop_top_source_flows Flows of the sources with the most flows; at most --top sources, and which ones changes between scrapes.
# TYPE cttop_top_source_flows gauge
cttop_top_source_flows{source="192.0.2.1"} 6
cttop_top_source_flows{source="192.0.2.2"} 3
`
	if err := testutil.CollectAndCompare(e, strings.NewReader(want),
		"cttop_conntrack_drops_total", "cttop_conntrack_early_drops_total", "cttop_conntrack_entries",
		"cttop_conntrack_fill_ratio", "cttop_conntrack_insert_failed_total", "cttop_conntrack_invalid_total",
		"cttop_conntrack_max", "cttop_flows_created_total", "cttop_flows_removed_total", "cttop_flows", "cttop_flows_by_protocol",
		"cttop_resyncs_total", "cttop_snapshot_timestamp_seconds", "cttop_top_source_flows"); err != nil {
		t.Error(err)
	}
	// The collector must also pass the registry's consistency checks.
	if problems, err := testutil.CollectAndLint(e); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

// TestTopSourcesBounded: however many sources, at most N series, and the
// set follows the table from one scrape to the next.
func TestTopSourcesBounded(t *testing.T) {
	tab := model.NewTable(0)
	b := &model.Batch{Time: t0}
	for i := range 1000 {
		src := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}).String()
		f := flow(uint32(i+1), src, 1000, "198.51.100.1", 80, model.ProtoTCP, model.TCPEstablished)
		b.Add(&model.Event{Type: model.EventNew, Flow: f})
	}
	tab.Apply(b)
	e := NewExporter("test", "")
	var s Snapshotter
	e.Publish(s.From(tab, 5))
	if n := testutil.CollectAndCount(e, "cttop_top_source_flows"); n != 5 {
		t.Errorf("%d top source series, want 5", n)
	}
	// 10.9.9.9 becomes the top source with 7 flows.
	b = &model.Batch{Time: t0.Add(time.Second)}
	for i := range 7 {
		f := flow(uint32(5000+i), "10.9.9.9", uint16(2000+i), "198.51.100.1", 80, model.ProtoTCP, model.TCPSynSent)
		b.Add(&model.Event{Type: model.EventNew, Flow: f})
	}
	tab.Apply(b)
	e.Publish(s.From(tab, 5))
	if n := testutil.CollectAndCount(e, "cttop_top_source_flows"); n != 5 {
		t.Errorf("%d top source series, want 5", n)
	}
	if err := testutil.CollectAndCompare(e, strings.NewReader(`
# HELP cttop_top_source_flows Flows of the sources with the most flows; at most --top sources, and which ones changes between scrapes.
# TYPE cttop_top_source_flows gauge
cttop_top_source_flows{source="10.0.0.0"} 1
cttop_top_source_flows{source="10.0.0.1"} 1
cttop_top_source_flows{source="10.0.0.2"} 1
cttop_top_source_flows{source="10.0.0.3"} 1
cttop_top_source_flows{source="10.9.9.9"} 7
`), "cttop_top_source_flows"); err != nil {
		t.Error(err)
	}
	e.Publish(s.From(tab, 0))
	if n := testutil.CollectAndCount(e, "cttop_top_source_flows"); n != 0 {
		t.Errorf("--top 0: %d series", n)
	}
}

func TestListenLoopbackOnly(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		addr   string
		public bool
		err    string // "" for success
	}{
		{"127.0.0.1:0", false, ""},
		{"127.0.0.2:0", false, ""},
		{"localhost:0", false, ""},
		{"0.0.0.0:9100", false, "--metrics 0.0.0.0:9100 is not a loopback address: add --metrics-public to expose it"},
		{":9100", false, "--metrics :9100 is not a loopback address: add --metrics-public to expose it"},
		{"[::]:9100", false, "--metrics [::]:9100 is not a loopback address: add --metrics-public to expose it"},
		{"192.0.2.1:9100", false, "--metrics 192.0.2.1:9100 is not a loopback address: add --metrics-public to expose it"},
		{"[::ffff:10.0.0.1]:9100", false, "is not a loopback address"},
		{"127.0.0.1", false, "--metrics 127.0.0.1: want HOST:PORT, such as 127.0.0.1:9163"},
		{"no-such-host.invalid:9100", false, "--metrics no-such-host.invalid:9100: "},
		{"0.0.0.0:0", true, ""},
		{":0", true, ""},
	} {
		ln, err := Listen(ctx, c.addr, c.public)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("Listen(%q, %v): %v", c.addr, c.public, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("Listen(%q, %v) = %v, want an error containing %q", c.addr, c.public, err, c.err)
		}
		if err == nil {
			ln.Close()
		}
		var nl *NotLoopbackError
		if strings.Contains(c.err, "not a loopback") && !errors.As(err, &nl) {
			t.Errorf("Listen(%q): %T is not a *NotLoopbackError", c.addr, err)
		}
	}
	// ::1, where the host has IPv6 loopback.
	if l, err := net.Listen("tcp", "[::1]:0"); err == nil {
		l.Close()
		ln, err := Listen(ctx, "[::1]:0", false)
		if err != nil {
			t.Errorf("Listen([::1]:0): %v", err)
		} else {
			ln.Close()
		}
	}
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	e := NewExporter("test", "")
	e.Publish(SnapshotFromTable(testTable(), 10))
	ln, err := Listen(ctx, "127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.ServeListener(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	get := func(method, path string) (int, string) {
		req, _ := http.NewRequest(method, base+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("GET", "/metrics")
	if code != 200 || !strings.Contains(body, "cttop_conntrack_entries 10\n") || !strings.Contains(body, "go_goroutines") ||
		!strings.Contains(body, "process_resident_memory_bytes") {
		t.Errorf("GET /metrics: %d\n%s", code, body)
	}
	if code, _ := get("GET", "/"); code != 404 {
		t.Errorf("GET /: %d, want 404", code)
	}
	if code, _ := get("POST", "/metrics"); code != 405 {
		t.Errorf("POST /metrics: %d, want 405", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeListener after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeListener did not return after cancel")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Errorf("still listening after cancel")
	}
}

// TestPublishConcurrent: Publish and scrapes on different goroutines (run
// with -race).
func TestPublishConcurrent(t *testing.T) {
	e := NewExporter("test", "")
	tab := testTable()
	done := make(chan struct{})
	go func() {
		defer close(done)
		var s Snapshotter
		for range 200 {
			e.Publish(s.From(tab, 3))
		}
	}()
	for range 50 {
		testutil.CollectAndCount(e)
	}
	<-done
}

// TestOnDemand: a scrape asks the owner for a snapshot and gets it; a
// recent one is used as is; an owner that does not answer costs the scrape
// the wait, not its answer.
func TestOnDemand(t *testing.T) {
	e := NewExporter("test", "")
	want := e.OnDemand(5 * time.Second)
	tab := testTable()
	asked := make(chan struct{}, 10)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-want:
				asked <- struct{}{}
				e.Publish(SnapshotFromTable(tab, 1))
			case <-stop:
				return
			}
		}
	}()
	if got := testutil.CollectAndCount(e, "cttop_conntrack_entries"); got != 1 {
		t.Fatalf("first scrape: %d entries series, want the snapshot asked for", got)
	}
	if len(asked) != 1 {
		t.Errorf("owner asked %d times, want 1", len(asked))
	}
	testutil.CollectAndCount(e) // within FreshFor: no new request
	if len(asked) != 1 {
		t.Errorf("owner asked %d times after a second scrape within %v, want 1", len(asked), FreshFor)
	}

	slow := NewExporter("test", "")
	slow.OnDemand(50 * time.Millisecond)
	start := time.Now()
	if n := testutil.CollectAndCount(slow); n != 1 {
		t.Errorf("unanswered scrape: %d metrics, want the build info", n)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 2*time.Second {
		t.Errorf("unanswered scrape took %v, want about the wait", d)
	}
}

// TestSCTPFloodInMetrics: an SCTP INIT flood (COOKIE_WAIT) and offloaded
// flows (state unknown) have series of their own in cttop_flows.
func TestSCTPFloodInMetrics(t *testing.T) {
	tab := model.NewTable(0)
	b := &model.Batch{Time: t0}
	for i := range 40 {
		f := flow(uint32(i+1), "192.0.2.22", uint16(30000+i), "198.51.100.10", 38412, model.ProtoSCTP, model.SCTPCookieWait)
		f.Status &^= model.StatusSeenReply
		f.SetProtoState(model.SCTPCookieWait)
		b.Add(&model.Event{Type: model.EventNew, Flow: f})
	}
	off := flow(100, "192.0.2.5", 5, "198.51.100.1", 53, model.ProtoUDP, 0)
	off.Status |= model.StatusOffload
	b.Add(&model.Event{Type: model.EventNew, Flow: off})
	tab.Apply(b)
	sn := SnapshotFromTable(tab, 0)
	if n := sn.ByState[ProtoState{"sctp", "COOKIE_WAIT"}]; n != 40 {
		t.Errorf("sctp COOKIE_WAIT %d, want 40 (%v)", n, sn.ByState)
	}
	if n := sn.ByState[ProtoState{"udp", "unknown"}]; n != 1 {
		t.Errorf("udp unknown %d, want 1 (%v)", n, sn.ByState)
	}
}

// TestUnrecordedStatsHaveNoSeries: a replay of a file without the kernel's
// statistics exports its flows as the entries, and no max, fill ratio or
// drop counters (unknown, never 0).
func TestUnrecordedStatsHaveNoSeries(t *testing.T) {
	tab := model.NewTable(0)
	b := &model.Batch{Time: t0, Stats: model.TableStats{Valid: true, Unrecorded: true, Count: 1}}
	b.Add(&model.Event{Type: model.EventNew, Flow: flow(1, "192.0.2.5", 5, "198.51.100.1", 53, model.ProtoUDP, 0)})
	tab.Apply(b)
	sn := SnapshotFromTable(tab, 0)
	if !sn.Stats.Valid || !sn.Stats.Unrecorded {
		t.Fatalf("the snapshot's statistics %+v, want the batch's", sn.Stats)
	}
	e := NewExporter("v1", "c")
	e.Publish(sn)
	for _, name := range []string{"cttop_conntrack_max", "cttop_conntrack_fill_ratio", "cttop_conntrack_drops_total",
		"cttop_conntrack_early_drops_total", "cttop_conntrack_insert_failed_total", "cttop_conntrack_invalid_total"} {
		if n := testutil.CollectAndCount(e, name); n != 0 {
			t.Errorf("%s: %d series, want none", name, n)
		}
	}
	if err := testutil.CollectAndCompare(e, strings.NewReader(`
# HELP cttop_conntrack_entries Entries in the conntrack table (nf_conntrack_count).
# TYPE cttop_conntrack_entries gauge
cttop_conntrack_entries 1
`), "cttop_conntrack_entries"); err != nil {
		t.Error(err)
	}
}
