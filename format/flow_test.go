package format

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

func addr(s string) model.Addr { return model.AddrFrom(netip.MustParseAddr(s)) }

func flow(proto uint8, src string, sport uint16, dst string, dport uint16) model.Flow {
	f := model.Flow{Proto: proto, Family: model.IPv4, Status: model.StatusSeenReply,
		Orig: model.Tuple{Src: addr(src), Dst: addr(dst), SrcPort: sport, DstPort: dport}}
	if strings.Contains(src, ":") {
		f.Family = model.IPv6
	}
	f.Reply = f.Orig.Inverse()
	if model.IsICMP(proto) {
		// The kernel keeps the id in both tuples; the reply's type is
		// the answer's (echo request 8, reply 0).
		f.Reply.SrcPort, f.Reply.DstPort = sport, 0
	}
	return f
}

func TestEndpointsAndPorts(t *testing.T) {
	tcp6 := flow(model.ProtoTCP, "2001:db8::1", 40000, "2001:db8::2", 443)
	ping := flow(model.ProtoICMP, "192.0.2.1", 7, "192.0.2.2", 8<<8)
	gre := flow(model.ProtoGRE, "192.0.2.1", 1, "192.0.2.2", 2)
	for _, c := range []struct{ got, want string }{
		{Endpoint(model.IPv6, tcp6.Orig.Dst, 443, model.ProtoTCP), "[2001:db8::2]:443"},
		{Endpoint(model.IPv4, addr("192.0.2.1"), 80, model.ProtoUDP), "192.0.2.1:80"},
		{Endpoint(model.IPv4, addr("192.0.2.1"), 0x1f, model.ProtoGRE), "192.0.2.1 key 0x1f"},
		{Endpoint(model.IPv6, addr("2001:db8::1"), 7, model.ProtoICMPv6), "2001:db8::1"},
		{Endpoint(model.IPv4, addr("192.0.2.1"), 7, 99), "192.0.2.1"},
		{SrcPort(&tcp6), "40000"}, {DstPort(&tcp6), "443"},
		{SrcPort(&ping), "id 7"}, {DstPort(&ping), "8/0"},
		{SrcPort(&gre), "0x1"}, {DstPort(&gre), "0x2"},
		{Tuple(&gre, gre.Orig), "192.0.2.1 key 0x1 → 192.0.2.2 key 0x2"},
		{Tuple(&ping, ping.Orig), "192.0.2.1 → 192.0.2.2 (type 8 code 0 id 7)"},
		{Tuple(&tcp6, tcp6.Orig), "[2001:db8::1]:40000 → [2001:db8::2]:443"},
		{Proto(model.ProtoICMPv6), "icmp6"}, {Proto(model.ProtoTCP), "tcp"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestState(t *testing.T) {
	tcp := flow(model.ProtoTCP, "192.0.2.1", 1, "192.0.2.2", 2)
	tcp.SetProtoState(model.TCPSynRecv)
	udp := flow(model.ProtoUDP, "192.0.2.1", 1, "192.0.2.2", 2)
	unreplied := udp
	unreplied.Status = 0
	assured := udp
	assured.Status |= model.StatusAssured
	offloaded := flow(model.ProtoTCP, "192.0.2.1", 1, "192.0.2.2", 2)
	offloaded.Status |= model.StatusOffload // no state from the kernel
	sctp := flow(model.ProtoSCTP, "192.0.2.1", 1, "192.0.2.2", 2)
	sctp.SetProtoState(model.SCTPShutdownAckSent)
	for _, c := range []struct {
		f    model.Flow
		want string
	}{{tcp, "SYN_RECV"}, {udp, "REPLIED"}, {unreplied, "UNREPLIED"}, {assured, "REPLIED"}, // ASSURED is a flag
		{offloaded, "-"}, {sctp, "SHUTDOWN_ACK_SENT"}} {
		if got := State(&c.f); got != c.want {
			t.Errorf("State = %q, want %q", got, c.want)
		}
	}
}

func TestNAT(t *testing.T) {
	plain := flow(model.ProtoTCP, "192.0.2.1", 40000, "198.51.100.7", 80)
	dnat := flow(model.ProtoUDP, "2001:db8:177:177::501", 41234, "2001:db8:10:96::a", 53)
	dnat.Reply.Src = addr("2001:db8:177:177::680a")
	snat := flow(model.ProtoTCP, "10.0.0.5", 33000, "198.51.100.7", 80)
	snat.Reply.Dst, snat.Reply.DstPort = addr("203.0.113.1"), 61000
	if got := NAT(&plain); got != "" || len(NATLines(&plain)) != 0 {
		t.Errorf("NAT of a plain flow = %q, %v", got, NATLines(&plain))
	}
	if got, want := NAT(&dnat), "dst→[2001:db8:177:177::680a]:53"; got != want {
		t.Errorf("NAT = %q, want %q", got, want)
	}
	if got, want := NAT(&snat), "src→203.0.113.1:61000"; got != want {
		t.Errorf("NAT = %q, want %q", got, want)
	}
	if got := NATLines(&snat); len(got) != 1 || got[0] != "src→203.0.113.1:61000 (SNAT of 10.0.0.5:33000)" {
		t.Errorf("NATLines = %q", got)
	}
	// GRE keys rewritten (PPTP): the keys are part of the ends.
	gre := flow(model.ProtoGRE, "10.0.0.5", 0x10, "198.51.100.7", 0x20)
	gre.Reply.Dst, gre.Reply.DstPort = addr("203.0.113.1"), 0x11
	if got, want := NAT(&gre), "src→203.0.113.1 key 0x11"; got != want {
		t.Errorf("NAT of GRE = %q, want %q", got, want)
	}
	// An ICMP id rewritten with the source.
	ping := flow(model.ProtoICMP, "10.0.0.5", 7, "198.51.100.7", 8<<8)
	ping.Reply.Dst, ping.Reply.SrcPort = addr("203.0.113.1"), 9
	if got, want := NAT(&ping), "src→203.0.113.1 id 9"; got != want {
		t.Errorf("NAT of ICMP = %q, want %q", got, want)
	}
	if got := NATLines(&ping); len(got) != 1 || got[0] != "src→203.0.113.1 id 9 (SNAT of 10.0.0.5 id 7)" {
		t.Errorf("NATLines of ICMP = %q", got)
	}
	// An ICMP echo's reply has another type: not a translation.
	echo := flow(model.ProtoICMP, "10.0.0.5", 7, "198.51.100.7", 8<<8)
	if got := NAT(&echo); got != "" {
		t.Errorf("NAT of a plain echo = %q", got)
	}
}

func TestDurationsAndCounts(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Duration(0), "0s"}, {Duration(59), "59s"}, {Duration(98), "1m38s"}, {Duration(101), "1m41s"}, {Duration(245), "4m05s"},
		{Duration(3599), "59m59s"}, {Duration(3600), "1h00m"}, {Duration(86399), "23h59m"}, {Duration(86400 * 4), "4d00h"},
		{Duration(432000), "5d00h"}, {Duration(999998), "11d13h"}, {Duration(-1), "-"}, {Duration(1<<32 - 1), "49710d06h"},
		{Count(999), "999"}, {Count(1200), "1.2K"}, {Count(35_000_000), "35M"}, {Count(4_100_000_000), "4.1G"},
		{Rate(0.01), "0"}, {Rate(7.25), "7.2"}, {Rate(1234), "1.2k"}, {Rate(35_000), "35k"},
		{Commas(262144), "262,144"}, {Plural(1, "flow"), "1 flow"}, {Plural(2048, "flow"), "2,048 flows"},
		{Percent(0.61), "61.0%"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestFlags(t *testing.T) {
	f := flow(model.ProtoTCP, "192.0.2.1", 1, "192.0.2.2", 2)
	for _, c := range []struct {
		status model.Status
		want   string
		names  string
	}{
		{model.StatusSeenReply | model.StatusConfirmed, "", "SEEN_REPLY CONFIRMED"},
		{model.StatusConfirmed, "U", "UNREPLIED CONFIRMED"},
		{model.StatusSeenReply | model.StatusAssured, "A", "SEEN_REPLY ASSURED"},
		{model.StatusSeenReply | model.StatusOffload, "O", "SEEN_REPLY OFFLOAD"},
		{model.StatusSeenReply | model.StatusOffload | model.StatusHWOffload | model.StatusAssured, "AOH", "SEEN_REPLY ASSURED OFFLOAD HW_OFFLOAD"},
		{model.StatusDying | model.StatusTemplate | model.StatusExpected | model.StatusFixedTimeout, "UEFDT", "UNREPLIED EXPECTED DYING FIXED_TIMEOUT TEMPLATE"},
		{model.StatusSeenReply | model.StatusUntracked, "X", "SEEN_REPLY UNTRACKED"},
	} {
		f.Status = c.status
		if got := Flags(&f); got != c.want {
			t.Errorf("Flags(%v) = %q, want %q", c.status.Names(), got, c.want)
		}
		if got := FlagNames(&f); got != c.names {
			t.Errorf("FlagNames = %q, want %q", got, c.names)
		}
	}
	if got, want := FlagLegend("UA", "", "AOH"), "U UNREPLIED, A ASSURED, O OFFLOAD, H HW_OFFLOAD"; got != want {
		t.Errorf("FlagLegend = %q, want %q", got, want)
	}
	if got := FlagLegend("", ""); got != "" {
		t.Errorf("FlagLegend of nothing = %q", got)
	}
}

// TestUnknownIsDash: every cell of a value the source did not give is "-",
// never 0; known zeros stay 0.
func TestUnknownIsDash(t *testing.T) {
	off := flow(model.ProtoTCP, "192.0.2.17", 56408, "192.0.2.16", 5001)
	off.Status |= model.StatusOffload | model.StatusHWOffload
	r := Row{Flow: &off, Now: 1000}
	cells := map[ColumnID]string{}
	for _, c := range Columns() {
		cells[c.ID] = c.Cell(&r)
	}
	for id, want := range map[ColumnID]string{ColState: "-", ColTTL: "-", ColMark: "-", ColZone: "-", ColBytes: "-", ColPkts: "-", ColFlags: "OH"} {
		if cells[id] != want {
			t.Errorf("offloaded flow: column %d = %q, want %q", id, cells[id], want)
		}
	}
	known := off
	known.SetMark(0)
	known.SetZone(model.Zone{})
	known.SetExpires(1000)
	known.Attrs |= model.HasCounters
	r = Row{Flow: &known, Now: 1000}
	for id, want := range map[ColumnID]string{ColTTL: "0s", ColMark: "0", ColZone: "0", ColBytes: "0", ColPkts: "0"} {
		if got := Columns()[id].Cell(&r); got != want {
			t.Errorf("known zeros: column %d = %q, want %q", id, got, want)
		}
	}
}

// TestColumnsBounded: no cell is wider than its column's Max, whatever the
// values, so a fixed-width table never misaligns.
func TestColumnsBounded(t *testing.T) {
	var flows []model.Flow
	for _, p := range []uint8{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP, model.ProtoICMPv6, model.ProtoGRE, model.ProtoSCTP, model.ProtoDCCP, 255, 2} {
		f := flow(p, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535)
		f.Status = model.StatusExpected | model.StatusFixedTimeout | model.StatusOffload | model.StatusHWOffload | model.StatusDying | model.StatusTemplate | model.StatusAssured
		f.SetMark(1<<32 - 1)
		f.SetZone(model.Zone{ID: 65535, Dir: model.ZoneReply})
		f.SetExpires(1<<32 - 1)
		f.Attrs |= model.HasCounters
		for s := uint8(0); s < 12; s++ {
			g := f
			g.SetProtoState(s)
			flows = append(flows, g)
		}
	}
	for i := range flows {
		r := Row{Flow: &flows[i], Counters: model.Counters{OrigBytes: 1 << 63, ReplyBytes: 1<<63 - 1, OrigPackets: 999_999}}
		for _, c := range Columns() {
			if v := c.Cell(&r); c.Max > 0 && len([]rune(v)) > c.Max {
				t.Errorf("%s cell %q is wider than %d", c.Title, v, c.Max)
			}
		}
	}
}

// TestMappedIsIPv6: an IPv6 flow's IPv4-mapped address (::ffff:192.0.2.1)
// is another flow's than an IPv4 flow's 192.0.2.1, whose bytes the model
// shares: every rendering writes it as IPv6, bracketed before a port.
func TestMappedIsIPv6(t *testing.T) {
	m := flow(model.ProtoTCP, "::ffff:192.0.2.1", 40000, "::ffff:198.51.100.1", 443)
	m.Reply.Dst = addr("::ffff:203.0.113.1") // SNAT
	v4 := flow(model.ProtoTCP, "192.0.2.1", 40000, "198.51.100.1", 443)
	if m.Orig.Src != v4.Orig.Src {
		t.Fatal("the test wants the two flows' addresses to share their bytes")
	}
	for _, c := range []struct{ got, want string }{
		{Addr(m.Family, m.Orig.Src), "::ffff:192.0.2.1"},
		{Addr(v4.Family, v4.Orig.Src), "192.0.2.1"},
		{Endpoint(m.Family, m.Orig.Dst, 443, m.Proto), "[::ffff:198.51.100.1]:443"},
		{Tuple(&m, m.Orig), "[::ffff:192.0.2.1]:40000 → [::ffff:198.51.100.1]:443"},
		{NAT(&m), "src→[::ffff:203.0.113.1]:40000"},
		{NATShort(&m), "src→::ffff:203.0.113.1"},
		{IP(m.Orig.Src.In(m.Family)), "::ffff:192.0.2.1"},
		{IP(v4.Orig.Src.In(v4.Family)), "192.0.2.1"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	cols := Columns()
	if got := cols[ColSrc].Cell(&Row{Flow: &m}); got != "::ffff:192.0.2.1" {
		t.Errorf("SRC cell %q, want ::ffff:192.0.2.1", got)
	}
	if got := cols[ColDst].Cell(&Row{Flow: &v4}); got != "198.51.100.1" {
		t.Errorf("an IPv4 flow's DST cell %q, want 198.51.100.1", got)
	}
}

// TestWhyUnknownSaysWhere: the detail pane's words for a flow without
// counters or start say what is known of why, and from where: a live
// kernel's setting, or a saved table (whose format may carry no counters,
// -o save, and whose host's settings are not this host's).
func TestWhyUnknownSaysWhere(t *testing.T) {
	f := flow(model.ProtoTCP, "192.0.2.1", 1, "192.0.2.2", 2)
	for _, c := range []struct {
		info          model.SourceInfo
		counters, age string
	}{
		{model.SourceInfo{Kind: "kernel", AcctKnown: true}, "not counted (net.netfilter.nf_conntrack_acct=0)", "unknown (nf_conntrack_timestamp=1 gives the start)"},
		{model.SourceInfo{Kind: "kernel", AcctKnown: true, Acct: true}, "not known yet (counters come with dumps)", "unknown (nf_conntrack_timestamp=1 gives the start)"},
		{model.SourceInfo{Kind: "replay"}, "unknown (the saved table's format has no counters)", "unknown (the saved table gives no start)"},
		{model.SourceInfo{Kind: "replay", AcctKnown: true}, "not in the saved table (its host counted none: net.netfilter.nf_conntrack_acct=0)", "unknown (the saved table gives no start)"},
		{model.SourceInfo{Kind: "replay", AcctKnown: true, Acct: true}, "not in the saved table (its host did not count this flow)", "unknown (the saved table gives no start)"},
	} {
		if got := Counters(&f, model.Counters{}, c.info); got != c.counters {
			t.Errorf("%+v: counters %q, want %q", c.info, got, c.counters)
		}
		if got := Age(&f, 100, c.info); got != c.age {
			t.Errorf("%+v: age %q, want %q", c.info, got, c.age)
		}
	}
}

// TestOneDurationFormat: a measured time of a second or more is written as
// Duration writes a TTL (1m00s, never Go's 1m0s), so that one duration
// reads one way on every screen; below a second, milliseconds.
func TestOneDurationFormat(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "-"}, {350 * time.Millisecond, "350ms"}, {999600 * time.Microsecond, "1s"}, {4 * time.Second, "4s"},
		{time.Minute, "1m00s"}, {90 * time.Second, "1m30s"}, {2 * time.Minute, "2m00s"}, {90 * time.Minute, "1h30m"},
	} {
		if got := Elapsed(c.d); got != c.want {
			t.Errorf("Elapsed(%v) = %q, want %q", c.d, got, c.want)
		}
		if c.d >= time.Second && c.d%time.Second == 0 {
			if d := Duration(int64(c.d / time.Second)); d != c.want {
				t.Errorf("Duration(%v) = %q, Elapsed %q", c.d, d, c.want)
			}
		}
	}
}
