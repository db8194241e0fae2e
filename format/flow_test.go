package format

import (
	"net/netip"
	"strings"
	"testing"

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
	return f
}

func TestEndpointsAndPorts(t *testing.T) {
	tcp6 := flow(model.ProtoTCP, "2001:db8::1", 40000, "2001:db8::2", 443)
	ping := flow(model.ProtoICMP, "192.0.2.1", 7, "192.0.2.2", 8<<8)
	gre := flow(model.ProtoGRE, "192.0.2.1", 1, "192.0.2.2", 2)
	for _, c := range []struct{ got, want string }{
		{Endpoint(tcp6.Orig.Dst, 443, model.ProtoTCP), "[2001:db8::2]:443"},
		{Endpoint(addr("192.0.2.1"), 80, model.ProtoUDP), "192.0.2.1:80"},
		{Endpoint(addr("192.0.2.1"), 80, model.ProtoGRE), "192.0.2.1"},
		{SrcPort(&tcp6), "40000"}, {DstPort(&tcp6), "443"},
		{SrcPort(&ping), "-"}, {DstPort(&ping), "8/0"},
		{SrcPort(&gre), "-"}, {DstPort(&gre), "-"},
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
	if got := NATLines(&snat); len(got) != 1 || got[0] != "source 10.0.0.5:33000 is translated to 203.0.113.1:61000 (SNAT)" {
		t.Errorf("NATLines = %q", got)
	}
}

func TestDurationsAndCounts(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{TTL(0), "0s"}, {TTL(99), "99s"}, {TTL(100), "1m40s"}, {TTL(3599), "59m59s"}, {TTL(3600), "1h00m"},
		{TTL(86399), "23h59m"}, {TTL(86400 * 4), "4d00h"},
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
