package firewall

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/cttop/cttop/model"
)

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestDanger(t *testing.T) {
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
		want string // a part of the message; "" = safe
	}{
		{"operator", "203.0.113.9/32", ssh, "SSH session comes from"},
		{"operator mapped prefix", "::ffff:203.0.113.9/128", ssh, "SSH session comes from"},
		{"operator mapped env", "203.0.113.9/32", sshMapped, "SSH session comes from"},
		{"network with operator", "203.0.113.0/24", ssh, "203.0.113.0/24 contains 203.0.113.9"},
		{"everything", "0.0.0.0/0", ssh, "contains 203.0.113.9"},
		{"neighbour of operator", "203.0.113.10/32", ssh, ""},
		{"network beside operator", "203.0.114.0/24", ssh, ""},
		{"SSH server", "198.51.100.1/32", ssh, "your SSH session connects to"},
		{"SSH_CLIENT v6", "2001:db8:9::/48", sshClient, "contains 2001:db8:9::7"},
		{"SSH_CONNECTION wins", "2001:db8:9::7/128", envOf(map[string]string{
			"SSH_CONNECTION": "203.0.113.9 52814 198.51.100.1 22", "SSH_CLIENT": "2001:db8:9::7 52814 22"}), ""},
		{"garbage env", "203.0.113.9/32", envOf(map[string]string{"SSH_CONNECTION": "nonsense"}), ""},
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
			got := Danger(p, tt.env, local)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("Danger(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

func TestServiceDanger(t *testing.T) {
	ssh := envOf(map[string]string{"SSH_CONNECTION": "203.0.113.9 52814 198.51.100.1 2222"})
	if got := ServiceDanger(model.ProtoTCP, 2222, ssh); !strings.Contains(got, "SSH session") {
		t.Errorf("ServiceDanger(tcp 2222) = %q, want a warning", got)
	}
	for _, c := range []struct {
		proto uint8
		port  uint16
		env   func(string) string
	}{
		{model.ProtoUDP, 2222, ssh}, {model.ProtoTCP, 22, ssh}, {model.ProtoTCP, 22, envOf(nil)},
	} {
		if got := ServiceDanger(c.proto, c.port, c.env); got != "" {
			t.Errorf("ServiceDanger(%d, %d) = %q, want none", c.proto, c.port, got)
		}
	}
	if got := ServiceDanger(model.ProtoTCP, 22, envOf(map[string]string{"SSH_CLIENT": "203.0.113.9 52814 22"})); got == "" {
		t.Error("ServiceDanger(tcp 22) with SSH_CLIENT = none, want a warning")
	}
}

func TestLocalAddrs(t *testing.T) {
	addrs, err := LocalAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if a.Is4In6() || a.Zone() != "" {
			t.Errorf("LocalAddrs returned %v, want unmapped without zone", a)
		}
	}
}
