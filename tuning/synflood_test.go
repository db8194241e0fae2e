package tuning

import (
	"strings"
	"testing"

	"github.com/cttop/cttop/model"
)

// synTable is the table: 60,000 flows, 42,000 half-open to
// tcp/80 (41,000 SYN_RECV, 1,000 SYN_SENT), the rest established.
func synTable() model.Composition {
	tb := table(60000, 65536, 170)
	tb.TCPStates[model.TCPSynRecv] = 41000
	tb.TCPStates[model.TCPSynSent] = 1000
	tb.TCPStates[model.TCPEstablished] = 18000
	tb.HalfOpen = []model.ServiceCount{{Proto: model.ProtoTCP, Port: 80, Flows: 41200}, {Proto: model.ProtoTCP, Port: 443, Flows: 800}}
	return tb
}

func TestSynFloodFinding(t *testing.T) {
	for _, c := range []struct {
		name  string
		tcp   TCPSettings
		ports []uint16
		want  []string
		not   []string
	}{
		{"cookies on", TCPSettings{Known: true, SynCookies: 1, MaxSynBacklog: 512}, nil, []string{
			"70.0% of flows (42,000) are half-open TCP: SYN_RECV 41,000, kept 1m00s (nf_conntrack_tcp_timeout_syn_recv = 60); SYN_SENT 1,000, kept 2m00s (nf_conntrack_tcp_timeout_syn_sent = 120).",
			"98.1% of them (41,200) go to tcp/80: the mark of a SYN flood against it.",
			"SYNPROXY for it (press P",
			"net.ipv4.tcp_syncookies = 1: the host's own services answer with SYN cookies once a listener's SYN queue (net.ipv4.tcp_max_syn_backlog = 512) is full.",
		}, nil},
		{"cookies off", TCPSettings{Known: true, SynCookies: 0, MaxSynBacklog: 128}, nil, []string{
			"net.ipv4.tcp_syncookies = 0: once a listener's SYN queue (net.ipv4.tcp_max_syn_backlog = 128) is full, the host's own services refuse new clients",
			"sysctl -w net.ipv4.tcp_syncookies=1",
		}, nil},
		{"unknown", TCPSettings{}, nil, []string{"net.ipv4.tcp_syncookies could not be read"}, nil},
		{"under SYNPROXY already", TCPSettings{Known: true, SynCookies: 1, MaxSynBacklog: 512}, []uint16{80}, []string{
			"tcp/80 is under cttop's SYNPROXY already",
		}, []string{"press P"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := host(16*gib, 65536, 65536)
			s.TCP = c.tcp
			a := Advise(Input{Settings: s, Table: synTable(), SynProxyPorts: c.ports, SynProxyKnown: true})
			got := strings.Join(findings(a, FindingSynFlood), "\n")
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("finding lacks %q:\n%s", w, got)
				}
			}
			for _, w := range c.not {
				if strings.Contains(got, w) {
					t.Errorf("finding has %q:\n%s", w, got)
				}
			}
		})
	}
	// A table of established flows has no such finding.
	a := Advise(Input{Settings: host(16*gib, 65536, 65536), Table: table(60000, 65536, 0)})
	if f := findings(a, FindingSynFlood); len(f) != 0 {
		t.Fatalf("finding on a calm table: %q", f)
	}
}

func TestUDPFloodFinding(t *testing.T) {
	tb := table(60000, 65536, 40)
	tb.Protos = map[uint8]int{model.ProtoTCP: 20000, model.ProtoUDP: 40000}
	tb.TopServices = []model.ServiceCount{{Proto: model.ProtoUDP, Port: 53, Flows: 39500}, {Proto: model.ProtoTCP, Port: 443, Flows: 20000}}
	tb.UnrepliedUDP = []model.ServiceCount{{Proto: model.ProtoUDP, Port: 53, Flows: 39000}}
	a := Advise(Input{Settings: host(16*gib, 65536, 65536), Table: tb})
	got := strings.Join(findings(a, FindingUDPFlood), "\n")
	for _, w := range []string{
		"65.0% of flows (39,000) are UDP flows to udp/53 that saw no reply, each kept 30s (nf_conntrack_udp_timeout = 30)",
		"NOTRACK for udp/53 (press n on its row",
		"the filter rules must then accept untracked packets",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("finding lacks %q:\n%s", w, got)
		}
	}
	// The NOTRACK finding does not say it again for udp/53.
	for _, f := range findings(a, FindingNoTrack) {
		if strings.Contains(f, "udp/53") {
			t.Errorf("NOTRACK finding repeats udp/53: %q", f)
		}
	}
}
