package guard

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// envGuard is a guard whose only operator evidence is the environment.
func envGuard(env func(string) string, local []netip.Addr) *Guard {
	var op Operator
	for _, p := range envPeers(env) {
		op.add(p)
	}
	return &Guard{Operator: op, Local: local}
}

func TestCheck(t *testing.T) {
	ssh := envOf(map[string]string{"SSH_CONNECTION": "203.0.113.9 52814 198.51.100.1 22"})
	sshMapped := envOf(map[string]string{"SSH_CONNECTION": "::ffff:203.0.113.9 52814 ::ffff:198.51.100.1 22"})
	sshClient := envOf(map[string]string{"SSH_CLIENT": "2001:db8:9::7 52814 22"})
	none := envOf(nil)
	local := []netip.Addr{
		netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8:1::10"),
		netip.MustParseAddr("::ffff:192.0.2.77"), netip.MustParseAddr("fe80::1%eth0"),
	}
	tests := []struct {
		name string
		addr string
		env  func(string) string
		want string // a part of the first warning; "" = safe
	}{
		{"operator", "203.0.113.9/32", ssh, "SSH session comes from: you would lock yourself out (found by: SSH_CONNECTION)"},
		{"operator mapped prefix", "::ffff:203.0.113.9/128", ssh, "SSH session comes from"},
		{"operator mapped env", "203.0.113.9/32", sshMapped, "SSH session comes from"},
		{"network with operator", "203.0.113.0/24", ssh, "203.0.113.0/24 contains 203.0.113.9"},
		{"everything", "0.0.0.0/0", ssh, "contains 203.0.113.9"},
		{"neighbour of operator", "203.0.113.10/32", ssh, ""},
		{"network beside operator", "203.0.114.0/24", ssh, ""},
		{"SSH server", "198.51.100.1/32", ssh, "your SSH session connects to"},
		{"SSH_CLIENT v6", "2001:db8:9::/48", sshClient, "contains 2001:db8:9::7"},
		{"both variables count", "2001:db8:9::7/128", envOf(map[string]string{
			"SSH_CONNECTION": "203.0.113.9 52814 198.51.100.1 22", "SSH_CLIENT": "2001:db8:9::7 52814 22"}), "(found by: SSH_CLIENT)"},
		{"garbage env", "203.0.113.9/32", envOf(map[string]string{"SSH_CONNECTION": "nonsense"}), ""},
		{"malformed SSH_CONNECTION, good SSH_CLIENT", "203.0.113.9/32", envOf(map[string]string{
			"SSH_CONNECTION": "203.0.113.9 52814 198.51.100.1 22 extra", "SSH_CLIENT": "203.0.113.9 52814 22"}), "(found by: SSH_CLIENT)"},
		{"loopback v4", "127.0.0.1/32", none, "loopback"},
		{"loopback v4 other", "127.3.4.5/32", none, "loopback"},
		{"loopback v6", "::1/128", none, "loopback"},
		{"loopback mapped", "::ffff:127.0.0.1/128", none, "loopback"},
		{"network over loopback", "64.0.0.0/2", none, "loopback"},
		{"v6 everything", "::/0", none, "loopback"},
		{"local v4", "192.0.2.10/32", none, "of this host"},
		{"local in network", "192.0.2.0/24", none, "192.0.2.0/24 contains 192.0.2.10"},
		{"local mapped in list", "192.0.2.77/32", none, "of this host"},
		{"local zoned in list", "fe80::/64", none, "contains fe80::1"},
		{"local v6", "2001:db8:1::10/128", none, "of this host"},
		{"stranger", "198.18.0.1/32", ssh, ""},
		{"stranger v6", "2001:db8:5::/48", ssh, ""},
		{"invalid", "", ssh, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p netip.Prefix
			if tt.addr != "" {
				p = netip.MustParsePrefix(tt.addr)
			}
			ws := envGuard(tt.env, local).Check(p)
			if tt.want == "" {
				if len(ws) != 0 {
					t.Fatalf("Check(%s) = %v, want none", tt.addr, ws)
				}
				return
			}
			if len(ws) == 0 || !strings.Contains(ws[0].String(), tt.want) {
				t.Fatalf("Check(%s) = %v, want %q", tt.addr, ws, tt.want)
			}
		})
	}
}

func TestCheckOtherNamespace(t *testing.T) {
	g := &Guard{NetNS: 111, Operator: Operator{Peers: []Peer{{
		Client: netip.MustParseAddr("10.1.1.1"), NetNS: 222, Evidence: []string{"TCP peer of sshd (pid 9)"}}}}}
	ws := g.Check(netip.MustParsePrefix("10.1.1.1/32"))
	if len(ws) != 1 || !strings.Contains(ws[0].Text, "network namespace 222") {
		t.Fatalf("Check = %v, want one warning naming the SSH server's namespace", ws)
	}
	g.NetNS = 222
	if ws := g.Check(netip.MustParsePrefix("10.1.1.1/32")); len(ws) != 1 || strings.Contains(ws[0].Text, "namespace") {
		t.Fatalf("Check = %v, want one warning without a namespace", ws)
	}
}

func TestCheckService(t *testing.T) {
	g := envGuard(envOf(map[string]string{"SSH_CONNECTION": "203.0.113.9 52814 198.51.100.1 2222"}), nil)
	g.SSHPorts = []uint16{2222, 8022}
	if ws := g.CheckService(model.ProtoTCP, 2222); len(ws) != 1 || !strings.Contains(ws[0].Text, "your SSH session") {
		t.Errorf("CheckService(tcp 2222) = %v, want the session's warning", ws)
	}
	if ws := g.CheckService(model.ProtoTCP, 8022); len(ws) != 1 || !strings.Contains(ws[0].Text, "sshd listens") {
		t.Errorf("CheckService(tcp 8022) = %v, want the listener's warning", ws)
	}
	for _, c := range []struct {
		proto uint8
		port  uint16
	}{{model.ProtoUDP, 2222}, {model.ProtoTCP, 22}, {model.ProtoTCP, 443}} {
		if ws := g.CheckService(c.proto, c.port); len(ws) != 0 {
			t.Errorf("CheckService(%d, %d) = %v, want none", c.proto, c.port, ws)
		}
	}
	bare := &Guard{}
	if ws := bare.CheckService(model.ProtoTCP, 22); len(ws) != 1 {
		t.Errorf("CheckService(tcp 22) without a listener found = %v, want the default port's warning", ws)
	}
	if ws := g.CheckTarget(action.SynProxyService(2222)); len(ws) != 1 || !strings.Contains(ws[0].Text, "under SYNPROXY every new SSH session depends on it") {
		t.Errorf("CheckTarget(synproxy 2222) = %v, want the SYNPROXY wording", ws)
	}
	if ws := g.CheckTarget(action.Service(model.ProtoTCP, 2222)); len(ws) != 1 || !strings.Contains(ws[0].Text, "untracking it locks you out") {
		t.Errorf("CheckTarget(notrack 2222) = %v", ws)
	}
	client := envGuard(envOf(map[string]string{"SSH_CLIENT": "203.0.113.9 52814 2200"}), nil)
	if ws := client.CheckService(model.ProtoTCP, 2200); len(ws) != 1 || !slices.Equal(ws[0].Evidence, []string{"SSH_CLIENT"}) {
		t.Errorf("CheckService(tcp 2200) with SSH_CLIENT = %v, want a warning found by SSH_CLIENT", ws)
	}
}

func flow(src, dst string, dport uint16, state uint8) model.Flow {
	s, d := model.AddrFrom(netip.MustParseAddr(src)), model.AddrFrom(netip.MustParseAddr(dst))
	f := model.Flow{Proto: model.ProtoTCP, Family: model.IPv4}
	f.SetProtoState(state)
	f.Orig = model.Tuple{Src: s, Dst: d, SrcPort: 40000, DstPort: dport}
	f.Reply = f.Orig.Inverse()
	return f
}

func TestSSHClients(t *testing.T) {
	flows := []model.Flow{
		flow("198.51.100.7", "192.0.2.10", 22, model.TCPEstablished),  // counts
		flow("198.51.100.8", "192.0.2.10", 22, model.TCPSynRecv),      // not established
		flow("198.51.100.9", "192.0.2.10", 443, model.TCPEstablished), // not ssh
		flow("198.51.100.10", "192.0.2.99", 22, model.TCPEstablished), // not local
		flow("192.0.2.10", "198.51.100.11", 22, model.TCPEstablished), // outgoing ssh
	}
	nat := flow("198.51.100.12", "203.0.113.1", 2222, model.TCPEstablished) // DNAT 203.0.113.1:2222 -> 192.0.2.10:22
	nat.Reply = model.Tuple{Src: model.AddrFrom(netip.MustParseAddr("192.0.2.10")), Dst: nat.Orig.Src, SrcPort: 22, DstPort: 40000}
	flows = append(flows, nat)
	g := &Guard{Local: []netip.Addr{netip.MustParseAddr("192.0.2.10")}}
	got := g.SSHClients(func(yield func(*model.Flow) bool) {
		for i := range flows {
			if !yield(&flows[i]) {
				return
			}
		}
	})
	want := map[netip.Addr]bool{netip.MustParseAddr("198.51.100.7"): true, netip.MustParseAddr("198.51.100.12"): true}
	if len(got) != len(want) || !got[netip.MustParseAddr("198.51.100.7")] || !got[netip.MustParseAddr("198.51.100.12")] {
		t.Fatalf("SSHClients = %v, want %v", got, want)
	}
	targets := []netip.Prefix{
		netip.MustParsePrefix("198.51.100.7/32"), netip.MustParsePrefix("::ffff:198.51.100.12/128"),
		netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("198.51.100.8/32"), netip.MustParsePrefix("10.0.0.0/8"),
	}
	n, hit := CountSSH(targets, got)
	if n != 3 || len(hit) != 3 || hit[1] != netip.MustParsePrefix("198.51.100.12/32") {
		t.Fatalf("CountSSH = %d %v, want the first three targets", n, hit)
	}
}
