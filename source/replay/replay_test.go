package replay

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

// replayNow is the load time of the tests: every Expires is relative to it.
var replayNow = time.Unix(1_800_000_000, 0)

const replayNowSecs = 1_800_000_000

// ttlOf returns f's TTL at now (0 when unknown).
func ttlOf(f *model.Flow, now uint32) uint32 {
	t, _ := f.TTL(now)
	return t
}

func readReplayFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func addr(s string) model.Addr { return model.AddrFrom(netip.MustParseAddr(s)) }

func tuple(src, dst string, sport, dport uint16) model.Tuple {
	return model.Tuple{Src: addr(src), Dst: addr(dst), SrcPort: sport, DstPort: dport}
}

// findFlow returns the flow of protocol proto with the original tuple orig.
func findFlow(sn *model.Snapshot, proto uint8, orig model.Tuple) (*model.Flow, model.Counters, bool) {
	for i := 0; i < sn.Len(); i++ {
		if f, c := sn.At(i); f.Proto == proto && f.Orig == orig {
			return f, c, true
		}
	}
	return nil, model.Counters{}, false
}

// with returns f after set: the optional values a literal cannot set.
func with(f model.Flow, set func(*model.Flow)) model.Flow {
	set(&f)
	return f
}

// captureFlow is a flow of the captures in testdata, field by field.
type captureFlow struct {
	name    string
	flow    model.Flow
	ctr     model.Counters
	timeout uint32
}

// captureFlows are the flows the checks look at in every capture. The
// fixture flows come from conntrack -I (replayFixtureFlows); "dnat-traffic"
// is real loopback traffic through an nft DNAT rule.
func captureFlows() []captureFlow {
	const (
		est  = model.StatusSeenReply | model.StatusAssured | model.StatusConfirmed
		base = model.HasTimeout | model.HasCounters | model.HasStart | model.HasMark | model.HasZone
	)
	return []captureFlow{{
		name: "tcp-established",
		flow: with(model.Flow{
			Orig:   tuple("192.0.2.1", "198.51.100.2", 40000, 80),
			Reply:  tuple("198.51.100.2", "192.0.2.1", 80, 40000),
			Status: est, Proto: model.ProtoTCP, Family: model.IPv4,
			Attrs: base | model.HasState,
		}, func(f *model.Flow) { f.SetID(3670065062); f.SetProtoState(model.TCPEstablished) }),
		timeout: 297,
	}, {
		name: "icmp-unreplied",
		flow: with(model.Flow{
			Orig:   tuple("192.0.2.1", "198.51.100.2", 7, 8<<8),
			Reply:  tuple("198.51.100.2", "192.0.2.1", 7, 0),
			Status: model.StatusConfirmed, Proto: model.ProtoICMP, Family: model.IPv4,
			Attrs: base,
		}, func(f *model.Flow) { f.SetID(2572017304) }),
		timeout: 27,
	}, {
		name: "ipv6-zone-mark",
		flow: with(model.Flow{
			Orig:   tuple("2001:db8::1", "2001:db8::2", 5353, 53),
			Reply:  tuple("2001:db8::2", "2001:db8::1", 53, 5353),
			Status: model.StatusSeenReply | model.StatusConfirmed, Proto: model.ProtoUDP, Family: model.IPv6, Attrs: base,
		}, func(f *model.Flow) { f.SetID(3640659512); f.SetMark(42); f.SetZone(model.Zone{ID: 5}) }),
		timeout: 57,
	}, {
		name: "dnat-unreplied",
		flow: with(model.Flow{
			Orig:   tuple("10.0.0.1", "10.0.0.2", 1234, 80),
			Reply:  tuple("10.0.0.9", "10.0.0.1", 8080, 1234),
			Status: model.StatusConfirmed | model.StatusDstNAT,
			Proto:  model.ProtoTCP, Family: model.IPv4, Attrs: base | model.HasState,
		}, func(f *model.Flow) { f.SetID(566367119); f.SetProtoState(model.TCPSynSent) }),
		timeout: 97,
	}, {
		name: "snat",
		flow: with(model.Flow{
			Orig:   tuple("10.0.0.1", "10.0.0.2", 1235, 80),
			Reply:  tuple("10.0.0.2", "203.0.113.7", 80, 61000),
			Status: est | model.StatusSrcNAT,
			Proto:  model.ProtoTCP, Family: model.IPv4, Attrs: base | model.HasState,
		}, func(f *model.Flow) { f.SetID(2918858338); f.SetProtoState(model.TCPEstablished) }),
		timeout: 197,
	}, {
		name: "dnat-traffic",
		flow: with(model.Flow{
			Orig:   tuple("127.0.0.1", "127.0.0.1", 36184, 8081),
			Reply:  tuple("127.0.0.1", "127.0.0.1", 8080, 36184),
			Status: est | model.StatusDstNAT,
			Proto:  model.ProtoTCP, Family: model.IPv4, Attrs: base | model.HasState,
		}, func(f *model.Flow) { f.SetID(3208371652); f.SetProtoState(model.TCPEstablished) }),
		ctr:     model.Counters{OrigPackets: 4, OrigBytes: 232, ReplyPackets: 3, ReplyBytes: 180},
		timeout: 431997,
	}, {
		name: "gre",
		flow: with(model.Flow{
			Orig:   tuple("10.0.0.1", "10.0.0.2", 1, 2),
			Reply:  tuple("10.0.0.2", "10.0.0.1", 2, 1),
			Status: model.StatusSeenReply | model.StatusConfirmed,
			Proto:  model.ProtoGRE, Family: model.IPv4, Attrs: base,
		}, func(f *model.Flow) { f.SetID(1493374563) }),
		timeout: 97,
	}}
}

// TestLoadReplayCaptures loads the real captures: every line is a flow, and
// chosen flows come out field by field.
func TestLoadReplayCaptures(t *testing.T) {
	for _, tc := range []struct {
		file   string
		format string
		ids    bool   // the format has conntrack ids
		icmp   bool   // the format has ICMP type, code and id
		delta  uint32 // the chosen flows' age in the capture
	}{
		{"conntrack-L.txt", FormatConntrack, false, true, 2},
		{"conntrack-L-extended.txt", FormatConntrack, false, true, 2},
		{"conntrack-L-id.txt", FormatConntrack, true, true, 2},
		{"conntrack-L-timestamp.txt", FormatConntrack, false, true, 2},
		{"conntrack-L-ktimestamp.txt", FormatConntrack, true, true, 2},
		{"conntrack-L.xml", FormatXML, true, false, 2},
		{"proc-nf_conntrack.txt", FormatProc, false, true, 2},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := readReplayFile(t, tc.file)
			want := bytes.Count(data, []byte("\n"))
			if tc.format == FormatXML {
				want = bytes.Count(data, []byte("<flow>"))
			}
			sn, rep, err := Load(bytes.NewReader(data), replayNow)
			if err != nil {
				t.Fatal(err)
			}
			if sn.Len() != want || rep.Lines != want || rep.Skipped != 0 || rep.Format != tc.format {
				t.Fatalf("%d flows, report %+v; want %d flows of format %s", sn.Len(), rep, want, tc.format)
			}
			for _, w := range captureFlows() {
				wf := w.flow
				wf.SetExpires(replayNowSecs + w.timeout)
				wf.SetStart(replayNowSecs - tc.delta)
				if tc.ids {
					wf.Attrs |= model.HasID
				} else {
					wf.Forget(model.HasID)
				}
				if !tc.icmp && model.IsICMP(wf.Proto) {
					// Unknown, and said so.
					wf.Orig.SrcPort, wf.Orig.DstPort, wf.Reply.SrcPort, wf.Reply.DstPort = 0, 0, 0, 0
					wf.Attrs |= model.ICMPUnknown
				}
				// What the format's silence says: conntrack prints every
				// helper and context, /proc every context.
				wf.Attrs |= model.HasSecctx
				if tc.format != FormatProc {
					wf.Attrs |= model.HasHelper
				}
				f, c, ok := findFlow(sn, wf.Proto, wf.Orig)
				if !ok {
					t.Errorf("%s: no flow %v", w.name, wf.Orig)
					continue
				}
				if *f != wf || c != w.ctr {
					t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", w.name, *f, c, wf, w.ctr)
				}
			}
		})
	}
}

// TestLoadReplayFormatsAgree checks that the captures of one table give the
// same flows whatever the format.
func TestLoadReplayFormatsAgree(t *testing.T) {
	load := func(file string) map[model.Key]model.Flow {
		sn, _, err := Load(bytes.NewReader(readReplayFile(t, file)), replayNow)
		if err != nil {
			t.Fatal(err)
		}
		m := map[model.Key]model.Flow{}
		for i := 0; i < sn.Len(); i++ {
			f, _ := sn.At(i)
			g := *f
			// /proc has no ids, no helpers.
			g.Forget(model.HasID | model.HasStart | model.HasHelper)
			m[g.Key()] = g
		}
		return m
	}
	ref := load("conntrack-L.txt")
	for _, file := range []string{"conntrack-L-extended.txt", "conntrack-L-id.txt",
		"conntrack-L-timestamp.txt", "conntrack-L-ktimestamp.txt", "proc-nf_conntrack.txt"} {
		got := load(file)
		if len(got) != len(ref) {
			t.Errorf("%s: %d flows, conntrack-L.txt %d", file, len(got), len(ref))
		}
		for k, f := range ref {
			if got[k] != f {
				t.Errorf("%s: %+v\nconntrack-L.txt: %+v", file, got[k], f)
			}
		}
	}
}

func TestLoadReplayLegacy(t *testing.T) {
	sn, rep, err := Load(bytes.NewReader(readReplayFile(t, "ip_conntrack-legacy.txt")), replayNow)
	if err != nil {
		t.Fatal(err)
	}
	if sn.Len() != 6 || rep.Skipped != 0 || rep.Format != FormatProcLegacy {
		t.Fatalf("%d flows, %+v", sn.Len(), rep)
	}
	f, c, ok := findFlow(sn, model.ProtoTCP, tuple("192.0.2.10", "198.51.100.21", 51200, 80))
	want := with(model.Flow{
		Orig:   tuple("192.0.2.10", "198.51.100.21", 51200, 80),
		Reply:  tuple("198.51.100.21", "203.0.113.1", 80, 51200),
		Status: model.StatusSeenReply | model.StatusAssured | model.StatusConfirmed | model.StatusSrcNAT,
		Proto:  model.ProtoTCP, Family: model.IPv4,
		Attrs: model.HasCounters | model.HasZone | model.HasSecctx,
	}, func(f *model.Flow) {
		f.SetMark(7)
		f.SetExpires(replayNowSecs + 117)
		f.SetProtoState(model.TCPTimeWait)
	})
	if !ok || *f != want || c != (model.Counters{OrigPackets: 6, OrigBytes: 412, ReplyPackets: 5, ReplyBytes: 1830}) {
		t.Errorf("TIME_WAIT flow:\n got %+v %+v\nwant %+v", f, c, want)
	}
	f, _, ok = findFlow(sn, model.ProtoGRE, tuple("192.0.2.10", "198.51.100.22", 0, 0x4000))
	if !ok || f.Reply != tuple("198.51.100.22", "203.0.113.1", 0x4000, 0) || f.Status&model.StatusSrcNAT == 0 {
		t.Errorf("GRE flow: %+v", f)
	}
	if f, _, ok = findFlow(sn, 50, tuple("192.0.2.10", "198.51.100.23", 0, 0)); !ok || f.Attrs&model.HasTimeout == 0 || ttlOf(f, replayNowSecs) != 590 {
		t.Errorf("ESP flow: %+v", f)
	}
}

// TestLoadReplayJSON loads cttop --once --format json of the captured table.
func TestLoadReplayJSON(t *testing.T) {
	data := readReplayFile(t, "cttop-once.json")
	sn, rep, meta, err := loadReplay(context.Background(), bytes.NewReader(data), replayNow, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if sn.Len() != 18 || rep.Lines != 18 || rep.Skipped != 0 || rep.Format != FormatJSON {
		t.Fatalf("%d flows, %+v", sn.Len(), rep)
	}
	if want := (model.TableStats{Valid: true, Max: 262144}); meta.stats != want || !meta.acct {
		t.Errorf("meta %+v, want %+v and acct", meta, want)
	}
	for _, w := range captureFlows() {
		wf := w.flow
		wf.SetExpires(replayNowSecs + w.timeout)
		wf.Forget(model.HasStart) // cttop's age is not known to be the kernel's
		wf.Attrs |= model.HasID
		switch w.name {
		case "dnat-traffic":
			// The kernel's status bits, which conntrack -L does not show.
			wf.Status |= model.StatusSrcNATDone | model.StatusDstNATDone
		case "gre":
			// cttop does not write GRE keys.
			wf.Orig.SrcPort, wf.Orig.DstPort, wf.Reply.SrcPort, wf.Reply.DstPort = 0, 0, 0, 0
		}
		f, c, ok := findFlow(sn, wf.Proto, wf.Orig)
		if !ok || *f != wf || c != w.ctr {
			t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", w.name, f, c, wf, w.ctr)
		}
	}
}

// TestLoadReplayJSONBrief loads a hand-made JSON after the format as first
// specified: pretty-printed, with totals for the counters.
func TestLoadReplayJSONBrief(t *testing.T) {
	data := readReplayFile(t, "cttop.json")
	sn, rep, meta, err := loadReplay(context.Background(), bytes.NewReader(data), replayNow, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if sn.Len() != 6 || rep.Lines != 6 || rep.Skipped != 0 || rep.Format != FormatJSON {
		t.Fatalf("%d flows, %+v", sn.Len(), rep)
	}
	wantStats := model.TableStats{Valid: true, Max: 262144, Drop: 3, EarlyDrop: 2, InsertFailed: 1}
	if meta.stats != wantStats || !meta.acct {
		t.Errorf("meta %+v, want %+v and acct", meta, wantStats)
	}
	for _, w := range captureFlows() {
		if w.name == "gre" || w.name == "dnat-unreplied" {
			continue // not in the file
		}
		wf := w.flow
		wf.SetExpires(replayNowSecs + w.timeout)
		wf.Forget(model.HasStart) // no age in the file
		wf.Attrs |= model.HasID
		if w.name == "dnat-traffic" {
			wf.Status |= model.StatusDstNATDone // the file says so
		}
		// bytes and packets are totals: they go to the original direction.
		wc := model.Counters{OrigPackets: w.ctr.Packets(), OrigBytes: w.ctr.Bytes()}
		f, c, ok := findFlow(sn, wf.Proto, wf.Orig)
		if !ok || *f != wf || c != wc {
			t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", w.name, f, c, wf, wc)
		}
	}
	f, _, ok := findFlow(sn, 2, tuple("10.0.0.1", "10.0.0.2", 0, 0))
	if !ok || f.Attrs&model.HasCounters != 0 || f.Status != model.StatusConfirmed {
		t.Errorf("igmp flow without counters: %+v", f)
	}
}

func TestReplayRun(t *testing.T) {
	data := readReplayFile(t, "conntrack-L-id.txt")
	r := New("-", bytes.NewReader(data))
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *model.Batch)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- r.Run(ctx, out) }()
	var b *model.Batch
	select {
	case b = <-out:
	case err := <-done:
		t.Fatalf("Run returned %v before its batch", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no batch")
	}
	if b.Snapshot == nil || b.Snapshot.Len() != 18 || b.Time.Before(start) || len(b.Events) != 0 {
		t.Fatalf("batch %+v", b)
	}
	wantInfo := model.SourceInfo{Kind: "replay", Name: "stdin", EventMode: model.EventsUnknown, Acct: true, AcctKnown: true,
		Entries: model.CountFileFlows, Rows: model.CountFileFlows}
	if b.Info != wantInfo {
		t.Errorf("info %+v, want %+v", b.Info, wantInfo)
	}
	if want := (model.TableStats{Valid: true, Unrecorded: true, Count: 18}); b.Stats != want {
		t.Errorf("stats %+v, want %+v", b.Stats, want)
	}
	if rep := r.Report(); rep.Lines != 18 || rep.Format != FormatConntrack {
		t.Errorf("report %+v", rep)
	}
	// The model takes the snapshot as is: the TTLs are the capture's.
	tab := model.NewTable(0)
	tab.Apply(b)
	if tab.Len() != 18 {
		t.Errorf("table has %d flows", tab.Len())
	}
	f, _, _ := findFlow(b.Snapshot, model.ProtoTCP, tuple("192.0.2.1", "198.51.100.2", 40000, 80))
	if ttl, _ := f.TTL(uint32(b.Time.Unix())); ttl != 297 {
		t.Errorf("TTL %d, want 297", ttl)
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned %v before ctx ended", err)
	case <-time.After(20 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestReplayRunStats(t *testing.T) {
	r := New("table.json", bytes.NewReader(readReplayFile(t, "cttop.json")))
	// The hand-made file has statistics; cttop-once.json's are all zero.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan *model.Batch, 1)
	go r.Run(ctx, out)
	b := <-out
	want := model.TableStats{Valid: true, Count: 6, Max: 262144, Drop: 3, EarlyDrop: 2, InsertFailed: 1}
	if b.Stats != want || b.Info.Name != "table.json" || !b.Info.Acct {
		t.Errorf("stats %+v info %+v, want %+v", b.Stats, b.Info, want)
	}
}

func TestReplayRunErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, doc, want string
	}{
		{"empty stdin", "-", "", "replay: stdin: empty file"},
		{"unknown", "dump.txt", "hello\n", "replay: dump.txt: unknown format (expected conntrack -L, /proc/net/nf_conntrack, XML, conntrack -o save or cttop JSON)"},
		{"no flows", "bad.txt", "tcp 6 299 src=10.0.0\n",
			`replay: bad.txt: no parseable flow: 1 line skipped, at line 1: bad address "10.0.0"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New(tc.file, strings.NewReader(tc.doc))
			err := r.Run(context.Background(), make(chan *model.Batch))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err %v, want %s", err, tc.want)
			}
		})
	}
	// A context that ends first: no error, no batch needed.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := New("x", bytes.NewReader(readReplayFile(t, "conntrack-L.txt")))
	if err := r.Run(ctx, make(chan *model.Batch)); err != nil {
		t.Fatalf("Run with ended ctx: %v", err)
	}
}

// TestReplayAcctKnown: whether the saved table's host counted is known
// from its flows (some have counters, or none although the format carries
// them), but not from conntrack -L -o save, which carries no counters.
func TestReplayAcctKnown(t *testing.T) {
	for _, c := range []struct {
		file            string
		acct, acctKnown bool
	}{
		{"conntrack-L-save.txt", false, false},
		{"conntrack-L-extended.txt", true, true},
		{"conntrack-L-id.txt", true, true},
		{"", false, true}, // conntrack -L without counters: its host counted none
	} {
		data := []byte("udp      17 29 src=192.0.2.1 dst=192.0.2.2 sport=1 dport=2 [UNREPLIED] src=192.0.2.2 dst=192.0.2.1 sport=2 dport=1 mark=0 use=1\n")
		if c.file != "" {
			data = readReplayFile(t, c.file)
		}
		r := New("-", bytes.NewReader(data))
		ctx, cancel := context.WithCancel(context.Background())
		out := make(chan *model.Batch, 1)
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx, out) }()
		select {
		case b := <-out:
			if b.Info.Acct != c.acct || b.Info.AcctKnown != c.acctKnown {
				t.Errorf("%s: Acct %v AcctKnown %v, want %v %v", c.file, b.Info.Acct, b.Info.AcctKnown, c.acct, c.acctKnown)
			}
		case err := <-done:
			t.Fatalf("%s: %v", c.file, err)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no batch", c.file)
		}
		cancel()
		<-done
	}
}
