package filter

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cttop/cttop/model"
)

func fltAddr(s string) model.Addr { return model.AddrFrom(netip.MustParseAddr(s)) }

// fltFlow returns a flow src:sport -> dst:dport whose reply is the inverse
// (no NAT), replied and confirmed, with no protocol state.
func fltFlow(proto uint8, src string, sport uint16, dst string, dport uint16) model.Flow {
	f := model.Flow{
		Orig:   model.Tuple{Src: fltAddr(src), Dst: fltAddr(dst), SrcPort: sport, DstPort: dport},
		Proto:  proto,
		Family: model.IPv4,
		Status: model.StatusConfirmed | model.StatusSeenReply,
	}
	if netip.MustParseAddr(src).Is6() { // including ::ffff:a.b.c.d
		f.Family = model.IPv6
	}
	f.Reply = f.Orig.Inverse()
	f.SetMark(0) // as the kernel says: mark 0, zone 0
	f.SetZone(model.Zone{})
	return f
}

func withState(f model.Flow, s uint8) model.Flow {
	f.SetProtoState(s)
	f.Attrs |= model.HasState
	return f
}

// filterFlows are the flows every match case runs against, by name.
func filterFlows() map[string]model.Flow {
	fl := map[string]model.Flow{}

	f := withState(fltFlow(model.ProtoTCP, "192.0.2.10", 40000, "198.51.100.7", 80), model.TCPEstablished)
	f.Status |= model.StatusAssured
	f.SetMark(0x1234)
	fl["web4"] = f

	f = withState(fltFlow(model.ProtoTCP, "10.1.2.3", 50000, "203.0.113.5", 443), model.TCPSynSent)
	f.Status &^= model.StatusSeenReply
	f.SetZone(model.Zone{ID: 1})
	fl["syn4"] = f

	f = fltFlow(model.ProtoUDP, "10.1.2.3", 53000, "8.8.8.8", 53)
	f.SetMark(0x10)
	fl["dns4"] = f

	// The ICMP id (80) and type<<8|code (2048) sit in the port fields.
	fl["ping4"] = fltFlow(model.ProtoICMP, "10.1.2.3", 80, "198.51.100.7", 8<<8)

	f = withState(fltFlow(model.ProtoTCP, "2001:db8::1", 40000, "2001:db8:1::80", 443), model.TCPEstablished)
	f.Status |= model.StatusAssured
	fl["web6"] = f

	fl["ping6"] = fltFlow(model.ProtoICMPv6, "fe80::1", 80, "ff02::1", 128<<8)

	// SNAT (masquerade): 10.0.0.5 leaves as 203.0.113.1:61000.
	f = withState(fltFlow(model.ProtoTCP, "10.0.0.5", 33000, "93.184.216.34", 80), model.TCPTimeWait)
	f.Reply.Dst, f.Reply.DstPort = fltAddr("203.0.113.1"), 61000
	f.Status |= model.StatusSrcNAT | model.StatusAssured
	fl["snat4"] = f

	// DNAT (port forward): 203.0.113.1:8080 goes to 192.168.1.10:80.
	f = withState(fltFlow(model.ProtoTCP, "198.51.100.20", 45000, "203.0.113.1", 8080), model.TCPSynRecv)
	f.Reply.Src, f.Reply.SrcPort = fltAddr("192.168.1.10"), 80
	f.Status = f.Status&^model.StatusSeenReply | model.StatusDstNAT
	fl["dnat4"] = f

	fl["sctp4"] = withState(fltFlow(model.ProtoSCTP, "10.2.0.1", 5000, "10.2.0.2", 3868), 4) // SCTP ESTABLISHED

	// An IPv6 flow carrying IPv4-mapped addresses: not an IPv4 flow.
	fl["mapped6"] = withState(fltFlow(model.ProtoTCP, "::ffff:10.1.2.3", 1000, "::ffff:10.9.9.9", 22), model.TCPEstablished)

	// GRE has keys, not ports, in the port fields.
	fl["gre4"] = fltFlow(model.ProtoGRE, "10.3.0.1", 80, "10.3.0.2", 80)

	// A TCP flow whose state the kernel did not report.
	f = fltFlow(model.ProtoTCP, "10.4.0.1", 1234, "10.4.0.2", 80)
	f.Status |= model.StatusDying
	f.SetZone(model.Zone{ID: 7})
	fl["nostate"] = f

	f = withState(fltFlow(model.ProtoTCP, "10.4.0.3", 1235, "10.4.0.4", 81), model.TCPNone)
	f.Status &^= model.StatusSeenReply
	fl["none4"] = f
	return fl
}

func filterFlowNames(fl map[string]model.Flow) []string {
	names := make([]string, 0, len(fl))
	for n := range fl {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// matching returns the sorted names of the flows f matches.
func matching(f *Filter, fl map[string]model.Flow) []string {
	var out []string
	for _, n := range filterFlowNames(fl) {
		x := fl[n]
		if f.Match(&x, nil) {
			out = append(out, n)
		}
	}
	return out
}

func except(fl map[string]model.Flow, not ...string) []string {
	var out []string
	for _, n := range filterFlowNames(fl) {
		if !slices.Contains(not, n) {
			out = append(out, n)
		}
	}
	return out
}

func TestFilterMatch(t *testing.T) {
	fl := filterFlows()
	all := filterFlowNames(fl)
	tcp := []string{"dnat4", "mapped6", "none4", "nostate", "snat4", "syn4", "web4", "web6"}
	v4 := except(fl, "web6", "ping6", "mapped6")
	port80 := []string{"dnat4", "nostate", "snat4", "web4"}
	net10 := []string{"dns4", "gre4", "none4", "nostate", "ping4", "sctp4", "snat4", "syn4"}
	cases := []struct {
		name, expr string
		want       []string
	}{
		// Protocols and families.
		{"tcp", "tcp", tcp},
		{"udp", "udp", []string{"dns4"}},
		{"icmp", "icmp", []string{"ping4"}},
		{"icmp6", "icmp6", []string{"ping6"}},
		{"icmpv6", "icmpv6", []string{"ping6"}},
		{"sctp", "sctp", []string{"sctp4"}},
		{"gre", "gre", []string{"gre4"}},
		{"ip", "ip", v4},
		{"ip6", "ip6", []string{"mapped6", "ping6", "web6"}},
		{"proto number", "proto 17", []string{"dns4"}},
		{"proto name", "proto gre", []string{"gre4"}},
		{"proto icmp6", "proto icmp6", []string{"ping6"}},

		// Addresses.
		{"host v4", "host 10.1.2.3", []string{"dns4", "ping4", "syn4"}},
		{"host v4 not mapped v6", "host 198.51.100.7", []string{"ping4", "web4"}},
		{"host mapped", "host ::ffff:10.1.2.3", []string{"mapped6"}},
		{"src host", "src host 10.1.2.3", []string{"dns4", "ping4", "syn4"}},
		{"dst host is original dst", "dst host 10.1.2.3", nil},
		{"dst host", "dst host 198.51.100.7", []string{"ping4", "web4"}},
		{"host v6", "host 2001:db8::1", []string{"web6"}},
		{"host v6 upper", "host 2001:DB8::1", []string{"web6"}},
		{"net", "net 10.0.0.0/8", net10},
		{"src net", "src net 10.0.0.0/8", net10},
		{"dst net", "dst net 10.0.0.0/8", []string{"gre4", "none4", "nostate", "sctp4"}},
		{"net mask", "net 10.0.0.0 mask 255.0.0.0", net10},
		{"net host bits ignored", "net 10.1.2.3/8", net10},
		{"net of one", "net 10.1.2.3", []string{"dns4", "ping4", "syn4"}},
		{"net v6", "net 2001:db8::/32", []string{"web6"}},
		{"net v6 link-local", "net fe80::/10", []string{"ping6"}},
		{"net mapped", "net ::ffff:0:0/96", []string{"mapped6"}},
		{"net all v4", "net 0.0.0.0/0", v4},
		{"net all v6", "net ::/0", []string{"mapped6", "ping6", "web6"}},

		// Ports.
		{"port", "port 80", port80},
		{"dst port", "dst port 80", []string{"nostate", "snat4", "web4"}},
		{"src port", "src port 80", nil},
		{"port dnat public", "port 8080", []string{"dnat4"}},
		{"port v6", "port 443", []string{"syn4", "web6"}},
		{"port icmp type", "port 2048", nil},
		{"portrange", "portrange 1-1024", except(fl, "ping4", "ping6", "sctp4", "gre4")},
		{"src portrange", "src portrange 1024-65535", except(fl, "ping4", "ping6", "mapped6", "gre4")},
		{"port as range", "port 3000-4000", []string{"sctp4"}},
		{"portrange single", "portrange 53", []string{"dns4"}},
		{"port 0", "port 0", nil},
		{"ip6 port", "ip6 port 443", []string{"web6"}},
		{"tcp port", "tcp port 80", port80},
		{"udp port", "udp port 80", nil},
		{"udp dst port", "udp dst port 53", []string{"dns4"}},

		// Conntrack.
		{"state", "state established", []string{"mapped6", "sctp4", "web4", "web6"}},
		{"state upper", "state ESTABLISHED", []string{"mapped6", "sctp4", "web4", "web6"}},
		{"state syn_sent", "state syn_sent", []string{"syn4"}},
		{"state dash", "state syn-recv", []string{"dnat4"}},
		{"state time_wait", "state TIME_WAIT", []string{"snat4"}},
		{"state none needs a known state", "state none", []string{"none4"}},
		{"state sctp only", "state cookie_wait", nil},
		{"assured", "assured", []string{"snat4", "web4", "web6"}},
		{"unreplied", "unreplied", []string{"dnat4", "none4", "syn4"}},
		{"snat", "snat", []string{"snat4"}},
		{"dnat", "dnat", []string{"dnat4"}},
		{"nat", "nat", []string{"dnat4", "snat4"}},
		{"dying", "dying", []string{"nostate"}},
		{"mark hex", "mark 0x1234", []string{"web4"}},
		{"mark decimal", "mark 4660", []string{"web4"}},
		{"mark zero", "mark 0", except(fl, "web4", "dns4")},
		{"mark mask", "mark 0x10/0xf0", []string{"dns4"}},
		{"mark mask bit", "mark 0x4/0x4", []string{"web4"}},
		{"mark mask value bits outside mask", "mark 0x1234/0xff", []string{"web4"}},
		{"mark mask low byte", "mark 0x34/0xff", []string{"web4"}},
		{"mark zero mask", "mark 0/0", all},
		{"zone", "zone 1", []string{"syn4"}},
		{"zone hex", "zone 0x7", []string{"nostate"}},
		{"zone 0", "zone 0", except(fl, "syn4", "nostate")},

		// NAT: host/net/port see both tuples; src/dst only the original.
		{"snat private", "host 10.0.0.5", []string{"snat4"}},
		{"snat public", "host 203.0.113.1", []string{"dnat4", "snat4"}},
		{"snat public not src", "src host 203.0.113.1", nil},
		{"snat public port", "port 61000", []string{"snat4"}},
		{"snat public dst port", "dst port 61000", nil},
		{"dnat private", "host 192.168.1.10", []string{"dnat4"}},
		{"dnat private net", "net 192.168.1.0/24", []string{"dnat4"}},
		{"dnat private not dst", "dst host 192.168.1.10", nil},
		{"dnat public dst", "dst host 203.0.113.1", []string{"dnat4"}},
		{"src or dst", "src or dst host 203.0.113.1", []string{"dnat4"}},
		{"src and dst", "src and dst net 10.0.0.0/8", []string{"gre4", "none4", "nostate", "sctp4"}},
		{"dst or src port", "dst or src port 80", []string{"nostate", "snat4", "web4"}},

		// Shorthands.
		{"bare port", "80", port80},
		{"bare address", "10.1.2.3", []string{"dns4", "ping4", "syn4"}},
		{"bare net", "10.0.0.0/8", net10},
		{"bare net v6", "2001:db8::/64", []string{"web6"}},
		{"bare range", "1-1024", except(fl, "ping4", "ping6", "sctp4", "gre4")},
		{"src bare address", "src 10.1.2.3", []string{"dns4", "ping4", "syn4"}},
		{"dst bare address", "dst 10.1.2.3", nil},
		{"dst bare port", "dst 443", []string{"syn4", "web6"}},
		{"src bare port", "src 80", nil},
		{"dst bare net", "dst 10.0.0.0/8", []string{"gre4", "none4", "nostate", "sctp4"}},

		// A bare value repeats the qualifiers before it (tcpdump).
		{"repeat dst host", "dst host 198.51.100.7 or 10.1.2.3", []string{"ping4", "web4"}},
		{"repeat dst port", "dst port 443 or 80", []string{"nostate", "snat4", "syn4", "web4", "web6"}},
		{"repeat through not", "dst host 198.51.100.7 and not 10.1.2.3", []string{"ping4", "web4"}},
		{"repeat proto", "udp port 80 or 53", []string{"dns4"}},
		{"repeat needs same kind", "dst port 443 or 10.1.2.3", []string{"dns4", "ping4", "syn4", "web6"}},
		{"repeat stops at word", "dst port 443 and tcp or 80", []string{"dnat4", "nostate", "snat4", "syn4", "web4", "web6"}},
		{"repeat stops at paren", "(dst port 443) or 80", []string{"dnat4", "nostate", "snat4", "syn4", "web4", "web6"}},
		{"repeat stops in paren", "dst port 443 or (80)", []string{"dnat4", "nostate", "snat4", "syn4", "web4", "web6"}},

		// Operators and precedence.
		{"or and", "udp or tcp and port 443", []string{"dns4", "syn4", "web6"}},
		{"and or", "tcp and port 443 or udp", []string{"dns4", "syn4", "web6"}},
		{"parens", "(udp or tcp) and port 443", []string{"syn4", "web6"}},
		{"symbols", "udp || tcp && port 443", []string{"dns4", "syn4", "web6"}},
		{"symbols tight", "udp||tcp&&port 443", []string{"dns4", "syn4", "web6"}},
		{"not binds tightest", "not tcp and net 10.0.0.0/8", []string{"dns4", "gre4", "ping4", "sctp4"}},
		{"not parens", "not (tcp and net 10.0.0.0/8)", except(fl, "syn4", "snat4", "nostate", "none4")},
		{"bang", "!tcp", []string{"dns4", "gre4", "ping4", "ping6", "sctp4"}},
		{"bang space", "! tcp", []string{"dns4", "gre4", "ping4", "ping6", "sctp4"}},
		{"double not", "not not tcp", tcp},
		{"triple bang", "!!!tcp", []string{"dns4", "gre4", "ping4", "ping6", "sctp4"}},
		{"not status", "not unreplied and tcp", []string{"mapped6", "nostate", "snat4", "web4", "web6"}},
		{"mixed", "ip and not tcp or icmp6", []string{"dns4", "gre4", "ping4", "ping6", "sctp4"}},
		{"mixed parens", "ip and (not tcp or icmp6)", []string{"dns4", "gre4", "ping4", "sctp4"}},
		{"nested", "((tcp) and ((port 80)))", port80},
		{"case", "TCP AND Port 443 Or UDP", []string{"dns4", "syn4", "web6"}},
		{"spaces", " \ttcp\n and\r port 443 ", []string{"syn4", "web6"}},
		{"incident", "dst port 80 and not src net 10.0.0.0/8 or state syn_recv", []string{"dnat4", "web4"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse(c.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.expr, err)
			}
			if got := matching(f, fl); !slices.Equal(got, c.want) {
				t.Errorf("%q matches %v, want %v", c.expr, got, c.want)
			}
		})
	}
}

// TestFilterMatchExt checks the words for what a source may omit and for
// the rare attributes: unknown never matches, zones per direction, helper,
// labels, the one state model and the status flags.
// TestPortWords: sport and dport, the words of the SPORT and DPORT columns,
// --sort and --group, match as tcpdump's src port and dst port.
func TestPortWords(t *testing.T) {
	fl := filterFlows()
	for short, long := range map[string]string{
		"dport 80":         "dst port 80",
		"tcp dport 443":    "tcp dst port 443",
		"sport 53000":      "src port 53000",
		"dport 1-79":       "dst portrange 1-79",
		"DPORT 53 or 80":   "dst port 53 or 80",
		"not sport 40000":  "not src port 40000",
		"udp and dport 53": "udp and dst port 53",
	} {
		a, err := Parse(short)
		if err != nil {
			t.Fatalf("%q: %v", short, err)
		}
		b, err := Parse(long)
		if err != nil {
			t.Fatalf("%q: %v", long, err)
		}
		n := 0
		for name, f := range fl {
			if a.Match(&f, nil) != b.Match(&f, nil) {
				t.Errorf("%s: %q says %v, %q says %v", name, short, a.Match(&f, nil), long, b.Match(&f, nil))
			}
			if a.Match(&f, nil) {
				n++
			}
		}
		if n == 0 && short != "dport 1-79" {
			t.Errorf("%q matches no flow: the test proves nothing", short)
		}
	}
}

func TestFilterMatchExt(t *testing.T) {
	fl := extFlows()
	cases := []struct {
		expr string
		want []string
	}{
		{"zone 7", []string{"zboth", "zorig"}},
		{"orig zone 7", []string{"zboth", "zorig"}},
		{"reply zone 7", []string{"zboth"}},
		{"reply zone 9", []string{"zreply"}},
		{"zone 9", []string{"zreply"}},
		{"original zone 0", []string{"ftp", "hwoffload", "offload", "sctpinit", "zreply"}},
		{"zone 0", []string{"ftp", "hwoffload", "offload", "sctpinit", "zorig", "zreply"}},
		{"not zone 0", []string{"unknown", "zboth"}},
		{"mark 0", except2(fl, "unknown")},
		{"mark 0/0", except2(fl, "unknown")},
		{"helper ftp", []string{"ftp"}},
		{"helper FTP", []string{"ftp"}},
		{"not helper ftp", except2(fl, "ftp")},
		{"label green", []string{"ftp"}},
		{"label 5", []string{"ftp"}},
		{"label 6", nil},
		{"offload", []string{"hwoffload", "offload"}},
		{"hw_offload", []string{"hwoffload"}},
		{"state unknown", []string{"hwoffload", "offload"}},
		{"state unreplied", []string{"zorig"}},
		{"state replied", []string{"unknown", "zboth", "zreply"}},
		{"state cookie_wait", []string{"sctpinit"}},
		{"sctp and state COOKIE_WAIT", []string{"sctpinit"}},
		{"state established", []string{"ftp"}},
		{"unreplied", []string{"sctpinit", "zorig"}},
	}
	for _, c := range cases {
		flt, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		var got []string
		for n, fe := range fl {
			if flt.Match(&fe.f, fe.x) {
				got = append(got, n)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%q matches %v, want %v", c.expr, got, c.want)
		}
	}
	for _, bad := range []string{"state assured", "orig 7", "reply port 80", "label 128", "helper 21", "label"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

type flowExt struct {
	f model.Flow
	x *model.Ext
}

// extFlows are flows with what sources may omit or add: offloaded flows,
// a helper and labels, zones of one direction, a flow from a file that
// gave no mark or zone, an SCTP INIT.
func extFlows() map[string]flowExt {
	fl := map[string]flowExt{}
	f := fltFlow(model.ProtoUDP, "198.51.100.5", 41510, "203.0.113.8", 53)
	f.Status |= model.StatusOffload // no timeout, no state
	fl["offload"] = flowExt{f: f}
	f = fltFlow(model.ProtoTCP, "192.0.2.17", 56408, "192.0.2.16", 5001)
	f.Status |= model.StatusOffload | model.StatusHWOffload
	fl["hwoffload"] = flowExt{f: f}
	f = withState(fltFlow(model.ProtoTCP, "10.0.0.1", 40000, "10.0.0.2", 21), model.TCPEstablished)
	f.Attrs |= model.HasHelper | model.HasLabels | model.HasSecctx | model.HasExt
	fl["ftp"] = flowExt{f, &model.Ext{Helper: "ftp", Labels: labelBits(5), LabelNames: "green"}}
	f = fltFlow(model.ProtoUDP, "127.0.0.1", 59910, "127.0.0.1", 6000)
	f.Status &^= model.StatusSeenReply
	f.SetZone(model.Zone{ID: 7, Dir: model.ZoneOrig})
	f.Attrs |= model.HasHelper | model.HasLabels
	fl["zorig"] = flowExt{f: f}
	f = fltFlow(model.ProtoUDP, "127.0.0.1", 39443, "127.0.0.1", 6001)
	f.SetZone(model.Zone{ID: 9, Dir: model.ZoneReply})
	fl["zreply"] = flowExt{f: f}
	f = fltFlow(model.ProtoUDP, "127.0.0.1", 33032, "127.0.0.1", 6003)
	f.SetZone(model.Zone{ID: 7})
	fl["zboth"] = flowExt{f: f}
	f = model.Flow{Orig: model.Tuple{Src: fltAddr("192.0.2.9"), Dst: fltAddr("192.0.2.10")}, Proto: model.ProtoGRE,
		Family: model.IPv4, Status: model.StatusConfirmed | model.StatusSeenReply} // from a file that gave no mark, zone, helper
	f.Reply = f.Orig.Inverse()
	fl["unknown"] = flowExt{f: f}
	f = withState(fltFlow(model.ProtoSCTP, "192.0.2.22", 36002, "198.51.100.10", 38412), model.SCTPCookieWait)
	f.Status &^= model.StatusSeenReply
	fl["sctpinit"] = flowExt{f: f}
	return fl
}

func labelBits(n ...int) model.Labels {
	var l model.Labels
	for _, b := range n {
		l.Set(b)
	}
	return l
}

func except2[T any](fl map[string]T, not ...string) []string {
	var out []string
	for n := range fl {
		if !slices.Contains(not, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// dumpNode prints an expression tree, for the structure tests.
func dumpNode(n *filterNode) string {
	var s string
	switch n.kind {
	case nAnd, nOr:
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			parts[i] = dumpNode(k)
		}
		op := "and"
		if n.kind == nOr {
			op = "or"
		}
		s = op + "(" + strings.Join(parts, " ") + ")"
	default:
		in := n.test
		switch in.op {
		case opProto:
			s = model.ProtoName(uint8(in.a))
		case opPort:
			s = fmt.Sprintf("port%d[%d-%d]", in.d, in.a, in.a+in.b)
		case opAddr:
			s = fmt.Sprintf("addr%d", in.d)
		case opStatus:
			names := model.Status(in.a).Names()
			if names[0] == "UNREPLIED" {
				names = names[1:]
			}
			s = strings.Join(names, "|")
		default:
			s = fmt.Sprintf("op%d", in.op)
		}
	}
	if n.neg {
		s = "not " + s
	}
	return s
}

func TestFilterTree(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"udp or tcp and port 443", "or(udp and(tcp port0[443-443]))"},
		{"tcp and port 443 or udp", "or(and(tcp port0[443-443]) udp)"},
		{"not tcp and udp", "and(not tcp udp)"},
		{"not (tcp and udp)", "not and(tcp udp)"},
		{"tcp or udp or icmp or sctp", "or(tcp udp icmp sctp)"},
		{"(tcp or udp) or (icmp or sctp)", "or(tcp udp icmp sctp)"},
		{"tcp or not (udp or icmp)", "or(tcp not or(udp icmp))"},
		{"tcp and udp and icmp", "and(tcp udp icmp)"},
		{"tcp and (udp or icmp) and sctp", "and(tcp or(udp icmp) sctp)"},
		{"unreplied", "not SEEN_REPLY"},
		{"not unreplied", "SEEN_REPLY"},
		{"nat", "SRC_NAT|DST_NAT"},
		{"tcp dst port 80", "and(tcp port2[80-80])"},
		{"tcp dst port 80 or 443", "or(and(tcp port2[80-80]) and(tcp port2[443-443]))"},
		{"src or dst port 1-2", "port3[1-2]"},
		{"src and dst 10.0.0.0/8", "addr4"},
		{"!(!(!tcp))", "not tcp"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			n, err := parseFilter(c.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := dumpNode(n); got != c.want {
				t.Errorf("parse(%q) = %s, want %s", c.expr, got, c.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	deep := strings.Repeat("(", 101) + "tcp" + strings.Repeat(")", 101)
	cases := []struct{ expr, want string }{
		{"port abc", `filter: expected a port number after "port" at column 6`},
		{"port http", `filter: expected a port number after "port" at column 6`},
		{"port", `filter: expected a port number after "port" at column 5`},
		{"tcp port", `filter: expected a port number after "port" at column 9`},
		{"src PORT x", `filter: expected a port number after "PORT" at column 10`},
		{"port 70000", `filter: port 70000 is greater than 65535 at column 6`},
		{"port 99999999999999999999999", `filter: port 99999999999999999999999 is greater than 65535 at column 6`},
		{"99999", `filter: port 99999 is greater than 65535 at column 1`},
		{"portrange 1-70000", `filter: port 70000 is greater than 65535 at column 11`},
		{"portrange 2000-1000", `filter: port range 2000-1000 is empty (start after end) at column 11`},
		{"portrange x", `filter: expected a port range like 1024-65535 after "portrange" at column 11`},
		{"portrange 1-", `filter: expected a port range like 1024-65535 after "portrange" at column 11`},
		{"host", `filter: expected an address after "host" at column 5`},
		{"host example.com", `filter: expected an address after "host" at column 6`},
		{"host 10.0.0.0/8", `filter: expected an address after "host" at column 6`},
		{"host 10.0.0.300", `filter: invalid address "10.0.0.300" at column 6`},
		{"host fe80::1%eth0", `filter: invalid address "fe80::1%eth0" (zones are not supported) at column 6`},
		{"10.0.0.300", `filter: invalid address "10.0.0.300" at column 1`},
		{"net 10.0.0.0/33", `filter: invalid network "10.0.0.0/33" (prefix length must be 0-32) at column 5`},
		{"net 2001:db8::/129", `filter: invalid network "2001:db8::/129" (prefix length must be 0-128) at column 5`},
		{"net 10.0.0/8", `filter: invalid network "10.0.0/8" at column 5`},
		{"10.0.0.0/x", `filter: invalid network "10.0.0.0/x" (prefix length must be 0-32) at column 1`},
		{"net foo", `filter: expected a network like 10.0.0.0/8 after "net" at column 5`},
		{"net", `filter: expected a network like 10.0.0.0/8 after "net" at column 4`},
		{"net 10.0.0.0 mask 255.0.255.0", `filter: netmask 255.0.255.0 is not contiguous at column 19`},
		{"net 10.0.0.0 mask foo", `filter: expected a netmask like 255.255.255.0 after "mask" at column 19`},
		{"net 10.0.0.0 mask", `filter: expected a netmask like 255.255.255.0 after "mask" at column 18`},
		{"net 2001:db8:: mask 255.0.0.0", `filter: expected a netmask like 255.255.255.0 after "mask" at column 21`},
		{"net 10.0.0.0/8 mask 255.0.0.0", `filter: expected "and" or "or" before "mask" at column 16`},
		{"host 10.0.0.0 mask 255.0.0.0", `filter: expected "and" or "or" before "mask" at column 15`},
		{"dport", `filter: expected a port number after "dport" at column 6`},
		{"src dport 80", `filter: "dport" says its direction: write "dport" alone, or "port" after src or dst at column 5`},
		{"foo", `filter: unknown word "foo" at column 1`},
		{"tcp and foo", `filter: unknown word "foo" at column 9`},
		{"tcp and " + strings.Repeat("x", 100), `filter: unknown word "` + strings.Repeat("x", 32) + `..." at column 9`},
		{"tcp udp", `filter: expected "and" or "or" before "udp" at column 5`},
		{"80 udp", `filter: expected "and" or "or" before "udp" at column 4`},
		{"tcp 80", `filter: expected "and" or "or" before "80" at column 5`},
		{"host 10.1.2.3 10.1.2.4", `filter: expected "and" or "or" before "10.1.2.4" at column 15`},
		{"tcp not udp", `filter: expected "and" or "or" before "not" at column 5`},
		{"tcp (udp)", `filter: expected "and" or "or" before "(" at column 5`},
		{"(tcp udp)", `filter: expected "and", "or" or ")" before "udp" at column 6`},
		{"(tcp", `filter: unclosed "(" at column 1`},
		{"tcp and ((udp)", `filter: unclosed "(" at column 9`},
		{"tcp)", `filter: unmatched ")" at column 4`},
		{")", `filter: unmatched ")" at column 1`},
		{"(tcp))", `filter: unmatched ")" at column 6`},
		{"()", `filter: expected an expression after "(" at column 2`},
		{"tcp and ()", `filter: expected an expression after "(" at column 10`},
		{"tcp and", `filter: expected an expression after "and" at column 8`},
		{"tcp &&", `filter: expected an expression after "&&" at column 7`},
		{"tcp and or udp", `filter: expected an expression after "and" at column 9`},
		{"not", `filter: expected an expression after "not" at column 4`},
		{"!", `filter: expected an expression after "!" at column 2`},
		{"not )", `filter: unmatched ")" at column 5`},
		{"and tcp", `filter: expected an expression before "and" at column 1`},
		{"|| tcp", `filter: expected an expression before "||" at column 1`},
		{"tcp & udp", `filter: expected "&&" at column 5`},
		{"tcp | udp", `filter: expected "||" at column 5`},
		{"tcp &&& udp", `filter: expected "&&" at column 7`},
		{"state", `filter: expected a state name after "state" at column 6`},
		{"state foo", `filter: unknown state "foo" (TCP states: NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2; SCTP and DCCP state names, UNREPLIED, REPLIED and unknown work too) at column 7`},
		{"state state3", `filter: unknown state "state3" (TCP states: NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2; SCTP and DCCP state names, UNREPLIED, REPLIED and unknown work too) at column 7`},
		{"mark x", `filter: expected a mark like 0x10 or 0x10/0xff after "mark" at column 6`},
		{"mark", `filter: expected a mark like 0x10 or 0x10/0xff after "mark" at column 5`},
		{"mark 1/", `filter: expected a mark like 0x10 or 0x10/0xff after "mark" at column 6`},
		{"mark 0x", `filter: expected a mark like 0x10 or 0x10/0xff after "mark" at column 6`},
		{"mark -1", `filter: expected a mark like 0x10 or 0x10/0xff after "mark" at column 6`},
		{"mark 0x100000000", `filter: mark 0x100000000 does not fit in 32 bits at column 6`},
		{"mark 1/4294967296", `filter: mark 1/4294967296 does not fit in 32 bits at column 6`},
		{"zone", `filter: expected a zone number after "zone" at column 5`},
		{"zone x", `filter: expected a zone number after "zone" at column 6`},
		{"zone 70000", `filter: zone 70000 is greater than 65535 at column 6`},
		{"proto", `filter: expected a protocol number or name after "proto" at column 6`},
		{"proto 300", `filter: protocol 300 is greater than 255 at column 7`},
		{"proto foo", `filter: unknown protocol "foo" at column 7`},
		{"src", `filter: expected "host", "net", "port" or "portrange" after "src" at column 4`},
		{"src foo", `filter: expected "host", "net", "port" or "portrange" after "src" at column 5`},
		{"dst state established", `filter: expected "host", "net", "port" or "portrange" after "dst" at column 5`},
		{"src dst host 1.2.3.4", `filter: expected "host", "net", "port" or "portrange" after "src" at column 5`},
		{"src or dst", `filter: expected "host", "net", "port" or "portrange" after "dst" at column 11`},
		{"src or udp", `filter: expected "host", "net", "port" or "portrange" after "src" at column 5`},
		{"icmp port 80", `filter: "icmp" has no ports at column 11`},
		{"ip6 host 10.0.0.1", `filter: "10.0.0.1" is not an IPv6 address at column 10`},
		{"ip net 2001:db8::/32", `filter: "2001:db8::/32" is not an IPv4 address at column 8`},
		{"ip6 host 2001:db8::1 or 10.0.0.1", `filter: "10.0.0.1" is not an IPv6 address at column 25`},
		{"\u00e9t\u00e9 and tcp", `filter: unknown word "été" at column 1`},
		{"(\u00e9", `filter: unknown word "é" at column 2`},
		{"tcp and (\u00e9", `filter: unknown word "é" at column 10`},
		{deep, `filter: more than 100 nested parentheses at column 101`},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			f, err := Parse(c.expr)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want error %s", c.expr, f, c.want)
			}
			if f != nil {
				t.Errorf("Parse(%q) returned a filter with its error", c.expr)
			}
			if err.Error() != c.want {
				t.Errorf("Parse(%q) error\n got %s\nwant %s", c.expr, err, c.want)
			}
			var fe *Error
			if !errors.As(err, &fe) || fe.Column < 1 {
				t.Errorf("error %v is not a *Error with a column", err)
			}
		})
	}
}

// TestFilterDocExamples parses the examples of docs/filter.md.
func TestFilterDocExamples(t *testing.T) {
	for _, expr := range []string{
		"state syn_recv",
		"state syn_recv and dst port 443",
		"unreplied and udp",
		"dst port 53 and not src net 10.0.0.0/8",
		"src host 198.51.100.7",
		"host 198.51.100.7 or 198.51.100.8",
		"not assured and tcp",
		"dnat and not state established",
		"snat and dst port 25",
		"mark 0x1/0x1",
		"ip6 and not icmp6",
		"tcp and (port 22 or 3389) and not 10.0.0.0/8",
		"(state syn_recv or unreplied) and dst 203.0.113.1",
		"state cookie_wait", "state partopen", "esp", "ah", "igmp", "ipip", "pim", "vrrp",
		"dccp", "udplite", "ip4", "ipv4", "ipv6", "proto esp", "dport 443", "tcp sport 1024-65535",
	} {
		if _, err := Parse(expr); err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
		}
	}
}

func TestFilterEmpty(t *testing.T) {
	for _, expr := range []string{"", " ", "\t\n "} {
		f, err := Parse(expr)
		if f != nil || err != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil, nil", expr, f, err)
		}
	}
	var nilFilter *Filter
	var zero Filter
	fl := filterFlows()["web4"]
	if !nilFilter.Match(&fl, nil) || !zero.Match(&fl, nil) {
		t.Error("a nil or zero Filter does not match everything")
	}
	if nilFilter.String() != "" {
		t.Errorf("nil Filter String() = %q", nilFilter.String())
	}
}

func TestFilterString(t *testing.T) {
	f, err := Parse("  dst port 80 AND not 10.0.0.0/8\t")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.String(), "dst port 80 AND not 10.0.0.0/8"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestFilterLimits(t *testing.T) {
	ok := strings.Repeat("(", 100) + "tcp" + strings.Repeat(")", 100)
	if _, err := Parse(ok); err != nil {
		t.Errorf("100 nested parentheses: %v", err)
	}
	huge := strings.Repeat("(", 100_000)
	if _, err := Parse(huge); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("100k parentheses: got %v", err)
	}
	fl := filterFlows()
	tcp, _ := Parse("tcp")
	for _, n := range []int{100_000, 100_001} {
		f, err := Parse(strings.Repeat("!", n) + "tcp")
		if err != nil {
			t.Fatalf("%d negations: %v", n, err)
		}
		x := fl["web4"]
		if f.Match(&x, nil) != (n%2 == 0) || f.Match(&x, nil) != (tcp.Match(&x, nil) == (n%2 == 0)) {
			t.Errorf("%d negations of tcp match a TCP flow: %v", n, f.Match(&x, nil))
		}
	}
	long := strings.Repeat("port 1 or ", 50_000) + "port 80"
	f, err := Parse(long)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.prog) != 50_001 {
		t.Errorf("long chain compiled to %d instructions", len(f.prog))
	}
	x := fl["web4"]
	if !f.Match(&x, nil) {
		t.Error("long chain does not match")
	}
}

func TestFilterMatchAllocs(t *testing.T) {
	f, err := Parse("dst port 80 and not src net 10.0.0.0/8 or state syn_recv or host 2001:db8::1 or mark 1/3")
	if err != nil {
		t.Fatal(err)
	}
	flows := make([]model.Flow, 0, 16)
	for _, x := range filterFlows() {
		flows = append(flows, x)
	}
	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		for i := range flows {
			if f.Match(&flows[i], nil) {
				n++
			}
		}
	})
	if allocs != 0 {
		t.Errorf("Match allocates %v times per run", allocs)
	}
	if n == 0 {
		t.Error("nothing matched")
	}
}

// evalNode evaluates an expression tree directly, to check the compiler.
func evalNode(n *filterNode, f *model.Flow, x *model.Ext) bool {
	var r bool
	switch n.kind {
	case nAnd:
		r = true
		for _, k := range n.kids {
			r = r && evalNode(k, f, x)
		}
	case nOr:
		for _, k := range n.kids {
			r = r || evalNode(k, f, x)
		}
	default:
		r = n.test.test(f, x)
	}
	return r != n.neg
}

// genExpr is a random expression: a primitive (prim >= 0) or an operator.
type genExpr struct {
	op   byte // 'p', '!', '&', '|'
	prim int
	kids []*genExpr
}

func genRandom(r *rand.Rand, depth, nprims int) *genExpr {
	if depth == 0 || r.IntN(4) == 0 {
		return &genExpr{op: 'p', prim: r.IntN(nprims)}
	}
	switch r.IntN(3) {
	case 0:
		return &genExpr{op: '!', kids: []*genExpr{genRandom(r, depth-1, nprims)}}
	case 1:
		return &genExpr{op: '&', kids: []*genExpr{genRandom(r, depth-1, nprims), genRandom(r, depth-1, nprims)}}
	}
	return &genExpr{op: '|', kids: []*genExpr{genRandom(r, depth-1, nprims), genRandom(r, depth-1, nprims)}}
}

func (e *genExpr) prec() int {
	return map[byte]int{'|': 1, '&': 2, '!': 3, 'p': 4}[e.op]
}

// render writes e with only the parentheses precedence needs (and some
// more at random), in randomly chosen operator spellings.
func (e *genExpr) render(r *rand.Rand, prims []string, min int) string {
	var s string
	pick := func(a, b string) string {
		if r.IntN(2) == 0 {
			return a
		}
		return b
	}
	switch e.op {
	case 'p':
		s = prims[e.prim]
	case '!':
		s = pick("not ", "!") + e.kids[0].render(r, prims, 3)
	case '&':
		s = e.kids[0].render(r, prims, 2) + pick(" and ", " && ") + e.kids[1].render(r, prims, 2)
	case '|':
		s = e.kids[0].render(r, prims, 1) + pick(" or ", " || ") + e.kids[1].render(r, prims, 1)
	}
	if e.prec() < min || r.IntN(8) == 0 {
		s = "(" + s + ")"
	}
	return s
}

func (e *genExpr) eval(prims []*Filter, f *model.Flow) bool {
	switch e.op {
	case '!':
		return !e.kids[0].eval(prims, f)
	case '&':
		return e.kids[0].eval(prims, f) && e.kids[1].eval(prims, f)
	case '|':
		return e.kids[0].eval(prims, f) || e.kids[1].eval(prims, f)
	}
	return prims[e.prim].Match(f, nil)
}

// TestFilterRandomExpressions checks precedence, negation and the compiled
// jumps: random expressions over fully qualified primitives, printed with
// minimal parentheses, must match as the same expressions evaluated in Go.
func TestFilterRandomExpressions(t *testing.T) {
	prims := []string{
		"tcp", "udp", "ip6", "port 80", "dst port 443", "src net 10.0.0.0/8",
		"host 203.0.113.1", "state established", "unreplied", "nat", "mark 0x10",
		"zone 1", "assured", "src host 10.1.2.3", "portrange 1-1024", "icmp",
	}
	compiled := make([]*Filter, len(prims))
	for i, p := range prims {
		f, err := Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		compiled[i] = f
	}
	var flows []model.Flow
	for _, x := range filterFlows() {
		flows = append(flows, x)
	}
	flows = append(flows, benchFlows(200)...)
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 3000; i++ {
		e := genRandom(r, 5, len(prims))
		expr := e.render(r, prims, 0)
		f, err := Parse(expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", expr, err)
		}
		for j := range flows {
			if got, want := f.Match(&flows[j], nil), e.eval(compiled, &flows[j]); got != want {
				t.Fatalf("%q on flow %d: got %v, want %v", expr, j, got, want)
			}
		}
	}
}

// benchFlows returns n synthetic flows: mostly IPv4 TCP from internal
// clients to public servers, some UDP, ICMP and IPv6, a fifth NATed.
func benchFlows(n int) []model.Flow {
	r := rand.New(rand.NewPCG(1, 2))
	v4 := func(a, b, c, d byte) model.Addr {
		return model.Addr{10: 0xff, 11: 0xff, 12: a, 13: b, 14: c, 15: d}
	}
	v6 := func() model.Addr {
		return model.Addr{0: 0x20, 1: 0x01, 2: 0x0d, 3: 0xb8, 5: byte(r.IntN(4)), 14: byte(r.IntN(256)), 15: byte(r.IntN(256))}
	}
	ports := []uint16{80, 443, 443, 443, 53, 22, 8080, 123, 3306, 5432}
	states := []uint8{model.TCPEstablished, model.TCPEstablished, model.TCPEstablished, model.TCPEstablished, model.TCPEstablished,
		model.TCPEstablished, model.TCPTimeWait, model.TCPTimeWait, model.TCPSynSent, model.TCPSynRecv, model.TCPFinWait, model.TCPCloseWait, model.TCPLastAck, model.TCPClose}
	flows := make([]model.Flow, n)
	for i := range flows {
		f := &flows[i]
		f.SetID(uint32(i + 1))
		f.Status = model.StatusConfirmed | model.StatusSeenReply
		f.Family = model.IPv4
		if r.IntN(10) == 0 {
			f.Family = model.IPv6
			f.Orig.Src, f.Orig.Dst = v6(), v6()
		} else if r.IntN(4) == 0 {
			f.Orig.Src = v4(byte(1+r.IntN(223)), byte(r.IntN(256)), byte(r.IntN(256)), byte(1+r.IntN(254)))
			f.Orig.Dst = v4(10, 0, byte(r.IntN(4)), byte(1+r.IntN(254)))
		} else {
			f.Orig.Src = v4(10, byte(r.IntN(4)), byte(r.IntN(256)), byte(1+r.IntN(254)))
			f.Orig.Dst = v4(byte(1+r.IntN(223)), byte(r.IntN(256)), byte(r.IntN(256)), byte(1+r.IntN(254)))
		}
		f.Orig.SrcPort = uint16(1024 + r.IntN(64512))
		f.Orig.DstPort = ports[r.IntN(len(ports))]
		switch x := r.IntN(100); {
		case x < 75:
			f.Proto = model.ProtoTCP
			st := states[r.IntN(len(states))]
			f.SetProtoState(st)
			if st == model.TCPSynSent {
				f.Status &^= model.StatusSeenReply
			} else if st == model.TCPEstablished {
				f.Status |= model.StatusAssured
			}
		case x < 95:
			f.Proto = model.ProtoUDP
		default:
			f.Proto = model.ProtoICMP
			if f.Family == model.IPv6 {
				f.Proto = model.ProtoICMPv6
			}
			f.Orig.SrcPort, f.Orig.DstPort = uint16(r.IntN(65536)), 8<<8
		}
		f.Reply = f.Orig.Inverse()
		if f.Family == model.IPv4 && r.IntN(5) == 0 {
			if f.Orig.Src[12] == 10 { // masquerade
				f.Reply.Dst, f.Reply.DstPort = v4(203, 0, 113, 1), uint16(1024+r.IntN(64512))
				f.Status |= model.StatusSrcNAT
			} else { // port forward
				f.Reply.Src, f.Reply.SrcPort = v4(192, 168, 1, byte(1+r.IntN(254))), 8080
				f.Status |= model.StatusDstNAT
			}
		}
		f.SetMark(uint32(r.IntN(4)))
	}
	return flows
}

// BenchmarkFilterMatch1M matches an incident filter against a million
// flows per iteration and reports the cost per flow.
func BenchmarkFilterMatch1M(b *testing.B) {
	const n = 1_000_000
	flows := benchFlows(n)
	for _, expr := range []string{
		"dst port 80 and not src net 10.0.0.0/8 or state syn_recv",
		"host 203.0.113.1",
		"tcp and not (port 22 or port 443) and assured and mark 0x2/0x2",
	} {
		f, err := Parse(expr)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			matched := 0
			for b.Loop() {
				matched = 0
				for i := range flows {
					if f.Match(&flows[i], nil) {
						matched++
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/flow")
			b.ReportMetric(100*float64(matched)/n, "%matched")
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("(dst port 80 and not src net 10.0.0.0/8 or state syn_recv) and host 2001:db8::1"); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzParse checks that the parser never panics, that errors are
// one-line *Errors with a column inside the input, and that what
// parses compiles to a program that agrees with the expression tree, with
// its negation and with its String.
func FuzzParse(f *testing.F) {
	flows := benchFlows(64)
	for _, x := range filterFlows() {
		flows = append(flows, x)
	}
	exts := make([]*model.Ext, len(flows))
	for _, fe := range extFlows() {
		flows = append(flows, fe.f)
		exts = append(exts, fe.x)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := Parse(expr)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *Error", err)
			}
			if fe.Column < 1 || fe.Column > utf8.RuneCountInString(expr)+1 {
				t.Fatalf("error %v: column outside the input", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "filter: ") || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("bad error message %q", msg)
			}
			if flt != nil {
				t.Fatal("filter returned with an error")
			}
			return
		}
		if flt == nil {
			if strings.Trim(expr, " \t\n\r\v\f") != "" {
				t.Fatalf("%q parsed to no filter", expr)
			}
			return
		}
		n, _ := parseFilter(expr)
		neg, nerr := Parse("not (" + expr + ")")
		again, aerr := Parse(flt.String())
		if aerr != nil {
			t.Fatalf("String() %q does not parse: %v", flt.String(), aerr)
		}
		for i := range flows {
			fl, x := &flows[i], exts[i]
			m := flt.Match(fl, x)
			if m != evalNode(n, fl, x) {
				t.Fatalf("%q on flow %d: program says %v, tree %v", expr, i, m, !m)
			}
			if nerr == nil && neg.Match(fl, x) == m {
				t.Fatalf("%q on flow %d: negation also says %v", expr, i, m)
			}
			if again.Match(fl, x) != m {
				t.Fatalf("%q on flow %d: String() %q disagrees", expr, i, flt.String())
			}
		}
		if nerr != nil && !strings.Contains(nerr.Error(), "nested parentheses") {
			t.Fatalf("negation of %q does not parse: %v", expr, nerr)
		}
	})
}
