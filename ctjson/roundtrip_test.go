package ctjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"testing"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
)

const now = 1_800_000_000

func addr(s string) model.Addr { return model.AddrFrom(netip.MustParseAddr(s)) }

// roundTripFlows are flows with every field the format carries set, in
// every shape: TCP with a state and SNAT and DNAT, IPv6 UDP, ICMP and
// ICMPv6 echoes, GRE without and with keys (PPTP's, rewritten by NAT), an
// echo whose id NAT rewrote, an offloaded flow without timeout or state, a
// protocol without a name, SCTP, flows without counters, id or age.
func roundTripFlows() []model.Flow {
	tcp := model.Flow{
		Orig:   model.Tuple{Src: addr("192.0.2.1"), Dst: addr("198.51.100.2"), SrcPort: 40000, DstPort: 80},
		Reply:  model.Tuple{Src: addr("10.0.0.9"), Dst: addr("203.0.113.1"), SrcPort: 8080, DstPort: 61000},
		Status: model.StatusConfirmed | model.StatusSeenReply | model.StatusAssured | model.StatusSrcNAT | model.StatusDstNAT,
		Proto:  model.ProtoTCP, Family: model.IPv4, Attrs: model.HasCounters,
	}
	tcp.SetID(4242)
	tcp.SetMark(0xdeadbeef)
	tcp.SetExpires(now + 431999)
	tcp.SetStart(now - 3600)
	tcp.SetZone(model.Zone{ID: 7})
	tcp.SetProtoState(model.TCPEstablished)
	tcp.Attrs |= model.HasHelper | model.HasLabels | model.HasSecctx | model.HasExt
	udp6 := model.Flow{
		Orig:   model.Tuple{Src: addr("2001:db8::1"), Dst: addr("2001:db8::2"), SrcPort: 5353, DstPort: 53},
		Status: model.StatusConfirmed | model.StatusDying, Proto: model.ProtoUDP, Family: model.IPv6,
		Attrs: model.HasCounters,
	}
	udp6.SetID(7)
	udp6.SetMark(42)
	udp6.SetExpires(now + 30)
	udp6.SetZone(model.Zone{ID: 65535, Dir: model.ZoneReply})
	udp6.Attrs |= model.HasHelper | model.HasSecctx // labels unknown: written null
	udp6.Reply = udp6.Orig.Inverse()
	ping := model.Flow{
		Orig:   model.Tuple{Src: addr("192.0.2.1"), Dst: addr("198.51.100.2"), SrcPort: 9, DstPort: 8 << 8},
		Reply:  model.Tuple{Src: addr("198.51.100.2"), Dst: addr("192.0.2.1"), SrcPort: 9, DstPort: 0},
		Status: model.StatusConfirmed | model.StatusSeenReply, Proto: model.ProtoICMP, Family: model.IPv4,
	}
	ping.SetID(1)
	ping.SetExpires(now + 29)
	ping.SetMark(0)
	ping.SetZone(model.Zone{ID: 3, Dir: model.ZoneOrig})
	ping.Attrs |= model.HasHelper | model.HasLabels | model.HasSecctx | model.HasExt
	ping6 := ping
	ping6.Orig = model.Tuple{Src: addr("2001:db8::1"), Dst: addr("2001:db8::2"), SrcPort: 3, DstPort: 128 << 8}
	ping6.Reply = model.Tuple{Src: addr("2001:db8::2"), Dst: addr("2001:db8::1"), SrcPort: 3, DstPort: 129 << 8}
	ping6.Proto, ping6.Family = model.ProtoICMPv6, model.IPv6
	ping6.SetZone(model.Zone{})
	ping6.Attrs &^= model.HasExt // known none
	ping6.SetStart(now - 1)
	// Without id, mark or zone: unknown, absent from the JSON.
	gre := model.Flow{
		Orig:   model.Tuple{Src: addr("10.0.0.1"), Dst: addr("10.0.0.2")},
		Reply:  model.Tuple{Src: addr("10.0.0.2"), Dst: addr("10.0.0.1")},
		Status: model.StatusConfirmed, Proto: model.ProtoGRE, Family: model.IPv4,
	}
	gre.SetExpires(now + 100)
	// PPTP through NAT: the call IDs (GRE keys) rewritten with the source.
	pptp := model.Flow{
		Orig:   model.Tuple{Src: addr("10.0.0.5"), Dst: addr("198.51.100.7"), SrcPort: 0x1f4, DstPort: 0x2a},
		Reply:  model.Tuple{Src: addr("198.51.100.7"), Dst: addr("203.0.113.1"), SrcPort: 0x2a, DstPort: 0x8001},
		Status: model.StatusConfirmed | model.StatusSeenReply | model.StatusSrcNAT, Proto: model.ProtoGRE, Family: model.IPv4,
	}
	pptp.SetExpires(now + 179)
	// An echo whose id the kernel rewrote with the source (SNAT).
	pingNAT := ping
	pingNAT.Orig = model.Tuple{Src: addr("10.0.0.5"), Dst: addr("198.51.100.9"), SrcPort: 7, DstPort: 8 << 8}
	pingNAT.Reply = model.Tuple{Src: addr("198.51.100.9"), Dst: addr("203.0.113.1"), SrcPort: 9, DstPort: 0}
	pingNAT.Status |= model.StatusSrcNAT
	// Offloaded to a flowtable: the kernel gives no timeout and no state.
	off := tcp
	off.Orig.SrcPort, off.Reply.DstPort = 40001, 61001
	off.Status |= model.StatusOffload | model.StatusHWOffload
	off.Forget(model.HasTimeout | model.HasState | model.HasStart)
	// A protocol cttop has no name for, and SCTP in an INIT flood's state.
	other := gre
	other.Proto = 99
	sctp := udp6
	sctp.Proto, sctp.Status = model.ProtoSCTP, model.StatusConfirmed
	sctp.SetProtoState(model.SCTPCookieWait)
	// An IPv6 flow between IPv4-mapped addresses, SNATed to another: its
	// addresses are IPv6, never read back as an IPv4 flow's.
	mapped := tcp
	mapped.Family = model.IPv6
	mapped.Orig.Src, mapped.Orig.Dst = addr("::ffff:192.0.2.1"), addr("::ffff:198.51.100.2")
	mapped.Reply = mapped.Orig.Inverse()
	mapped.Reply.Dst = addr("::ffff:203.0.113.1")
	mapped.Status = model.StatusConfirmed | model.StatusSeenReply | model.StatusSrcNAT
	mapped.Attrs &^= model.HasExt | model.HasCounters
	return []model.Flow{tcp, udp6, ping, ping6, gre, pptp, pingNAT, off, other, sctp, mapped}
}

// roundTripExts are the flows' rare attributes: a helper, labels by bit
// and by name, a long security context; none for the others.
var roundTripExts = []*model.Ext{
	{Helper: "ftp", Labels: labelBits(1, 5, 127), LabelNames: "eth0-in,blue",
		Secctx: "system_u:object_r:unlabeled_t:s0-s0:c0.c1023 with \"quotes\" and more text"},
	nil,
	{LabelNames: "only-names"},
	nil,
	nil,
	nil, {LabelNames: "only-names"}, {Helper: "ftp", Labels: labelBits(1, 5, 127), LabelNames: "eth0-in,blue", Secctx: "x"}, nil, nil,
	nil,
}

func labelBits(n ...int) model.Labels {
	var l model.Labels
	for _, b := range n {
		l.Set(b)
	}
	return l
}

var roundTripCounters = []model.Counters{
	{OrigPackets: 1, OrigBytes: 1 << 40, ReplyPackets: 3, ReplyBytes: 1<<63 - 1},
	{OrigPackets: 10, OrigBytes: 1000},
	{}, {}, {},
	{}, {}, {OrigPackets: 5, OrigBytes: 500, ReplyPackets: 4, ReplyBytes: 400}, {}, {OrigBytes: 1},
	{},
}

// collect is a Handler that keeps what it is given.
type collect struct {
	stats   model.TableStats
	records []Record
	skipped []string
	broken  error
}

func (c *collect) Table(st model.TableStats)      { c.stats = st }
func (c *collect) Flow(_ int, r *Record) error    { c.records = append(c.records, *r); return nil }
func (c *collect) Skip(line int, why ctparse.Bad) { c.skipped = append(c.skipped, why.String()) }
func (c *collect) Broken(_ int, err error)        { c.broken = err }

// TestRoundTrip writes a table with every field set, reads it back and
// compares every field.
func TestRoundTrip(t *testing.T) {
	flows := roundTripFlows()
	stats := model.TableStats{Valid: true, Count: 5, Max: 262144, Drop: 1, EarlyDrop: 2, InsertFailed: 3, Invalid: 4}
	groups := []model.Group{{Key: model.GroupKey{By: model.BySrc, Addr: addr("192.0.2.1"), Family: model.IPv4}, Flows: 2,
		Counted: 1, Bytes: 99, Packets: 9}}
	groups[0].Mix.Add(model.TCPState(model.TCPEstablished), 1)
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	Write(w, Document{Stats: stats, Matched: 5, Groups: groups, Now: now,
		Flows: func(yield func(Row) bool) {
			for i := range flows {
				if !yield(Row{Flow: &flows[i], Counters: roundTripCounters[i], Ext: roundTripExts[i]}) {
					return
				}
			}
		}})
	w.Flush()

	var c collect
	if err := Read(bytes.NewReader(out.Bytes()), &c); err != nil || c.broken != nil || len(c.skipped) > 0 {
		t.Fatalf("Read: %v, broken %v, skipped %v\n%s", err, c.broken, c.skipped, out.Bytes())
	}
	wantStats := stats
	wantStats.Count = 0 // not read: the flows count themselves
	if c.stats != wantStats {
		t.Errorf("table: %+v, want %+v", c.stats, wantStats)
	}
	if len(c.records) != len(flows) {
		t.Fatalf("read %d flows, want %d", len(c.records), len(flows))
	}
	for i, r := range c.records {
		want := flows[i]
		got := r.Flow
		// Times travel as seconds from now: the timeout and the age.
		ttl, hasTTL := want.TTL(now)
		if r.HasTimeout != hasTTL || r.Timeout != ttl {
			t.Errorf("flow %d: timeout %d (%v), want %d (%v)", i, r.Timeout, r.HasTimeout, ttl, hasTTL)
		}
		age, hasAge := want.Age(now)
		if r.HasAge != hasAge || hasAge && r.Age != uint64(age) {
			t.Errorf("flow %d: age %d (%v), want %d", i, r.Age, r.HasAge, age)
		}
		if !r.StatusSet {
			t.Errorf("flow %d: status not read", i)
		}
		want.Forget(model.HasTimeout | model.HasStart) // the reader reports them in the Record
		if got != want {
			t.Errorf("flow %d:\n got %+v\nwant %+v", i, got, want)
		}
		var wx model.Ext
		if x := roundTripExts[i]; x != nil {
			wx = *x
		}
		if r.Ext != wx {
			t.Errorf("flow %d: ext %+v, want %+v", i, r.Ext, wx)
		}
		wc := roundTripCounters[i]
		if want.Attrs&model.HasCounters == 0 {
			wc = model.Counters{}
		}
		if r.Counters != wc {
			t.Errorf("flow %d: counters %+v, want %+v", i, r.Counters, wc)
		}
	}

	// What only the writer has: the match count and the groups.
	var doc struct {
		Matched int `json:"matched"`
		Groups  []struct {
			Key     string         `json:"key"`
			Flows   int            `json:"flows"`
			Share   float64        `json:"share"`
			Bytes   uint64         `json:"bytes"`
			Packets uint64         `json:"packets"`
			Counted int            `json:"counted"`
			States  map[string]int `json:"states"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if g := doc.Groups; doc.Matched != 5 || len(g) != 1 || g[0].Key != "192.0.2.1" || g[0].Flows != 2 || g[0].Share != 0.4 ||
		g[0].Bytes != 99 || g[0].Packets != 9 || g[0].Counted != 1 || len(g[0].States) != 1 || g[0].States["ESTABLISHED"] != 1 {
		t.Errorf("matched and groups: %+v", doc)
	}
}

// TestReadNotOurs: documents that are not cttop's JSON are a FormatError.
func TestReadNotOurs(t *testing.T) {
	for _, in := range []string{`{"kind": "other"}`, `not json`, `{"flows": 3`} {
		var c collect
		err := Read(bytes.NewReader([]byte(in)), &c)
		var fe *FormatError
		if in == `{"flows": 3` {
			if err != nil || c.broken == nil {
				t.Errorf("%s: %v, broken %v; want a broken document", in, err, c.broken)
			}
			continue
		}
		if !errors.As(err, &fe) {
			t.Errorf("%s: %v, want a *FormatError", in, err)
		}
	}
}
