package firewall

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/cttop/cttop/model"
)

func TestMerge(t *testing.T) {
	hosts := func(a Action, first string, n int) []Target {
		var out []Target
		addr := netip.MustParseAddr(first)
		for range n {
			out = append(out, Host(a, addr))
			addr = addr.Next()
		}
		return out
	}
	tests := []struct {
		name string
		in   []Target
		want []Target
	}{
		{"a /18 of hosts", hosts(Drop, "198.18.0.0", 1<<14), []Target{network(Drop, "198.18.0.0/18")}},
		{"odd start", hosts(Drop, "10.0.0.1", 4), []Target{
			host(Drop, "10.0.0.1"), network(Drop, "10.0.0.2/31"), host(Drop, "10.0.0.4")}},
		{"not siblings", []Target{host(Drop, "10.0.0.1"), host(Drop, "10.0.0.2")}, []Target{
			host(Drop, "10.0.0.1"), host(Drop, "10.0.0.2")}},
		{"networks and hosts", []Target{
			network(Drop, "10.0.1.0/24"), host(Drop, "10.0.0.255"), network(Drop, "10.0.0.0/25"),
			network(Drop, "10.0.0.128/26"), network(Drop, "10.0.0.192/27"), network(Drop, "10.0.0.224/28"),
			network(Drop, "10.0.0.240/29"), network(Drop, "10.0.0.248/30"), network(Drop, "10.0.0.252/31"),
			host(Drop, "10.0.0.254"),
		}, []Target{network(Drop, "10.0.0.0/23")}},
		{"not wider than /8", []Target{network(Drop, "10.0.0.0/8"), network(Drop, "11.0.0.0/8"),
			network(Drop, "12.0.0.0/9"), network(Drop, "12.128.0.0/9")}, []Target{
			network(Drop, "10.0.0.0/8"), network(Drop, "11.0.0.0/8"), network(Drop, "12.0.0.0/8")}},
		{"not wider than /16", []Target{network(Drop, "2001::/16"), network(Drop, "2000::/16")}, []Target{
			network(Drop, "2000::/16"), network(Drop, "2001::/16")}},
		{"ipv6", []Target{host(Drop, "2001:db8::"), host(Drop, "2001:db8::1")}, []Target{network(Drop, "2001:db8::/127")}},
		{"not across sets", []Target{host(Drop, "10.0.0.0"), host(NoTrack, "10.0.0.1")}, []Target{
			host(Drop, "10.0.0.0"), host(NoTrack, "10.0.0.1")}},
		{"not across families", []Target{host(Drop, "255.255.255.255"), host(Drop, "::")}, []Target{
			host(Drop, "255.255.255.255"), host(Drop, "::")}},
		{"services stay", []Target{Service(model.ProtoTCP, 80), Service(model.ProtoTCP, 81)}, []Target{
			Service(model.ProtoTCP, 80), Service(model.ProtoTCP, 81)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := merge(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("merge = %v, want %v", got, tt.want)
			}
			into := mergedInto(tt.in, got)
			for _, tg := range tt.in {
				m, ok := into[tg]
				if !ok || (!tg.IsService() && !m.Addr.Contains(tg.Addr.Addr())) || m.set() != tg.set() {
					t.Fatalf("mergedInto[%s] = %s, %v", tg, m, ok)
				}
			}
		})
	}
}

func TestMergeKeepsAddresses(t *testing.T) {
	// Every address of the input is covered once by the output, and
	// nothing else: compare address counts over a random-looking input.
	var in []Target
	for i := range 3000 {
		a := netip.AddrFrom4([4]byte{10, 0, byte(i * 7 / 256), byte(i * 7)})
		in = append(in, Host(Drop, a), Host(Drop, a.Next()))
	}
	n, err := Plan{Targets: in}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	got := merge(n.Targets)
	total := 0
	for _, m := range got {
		total += 1 << (32 - m.Addr.Bits())
		for _, o := range got {
			if m != o && m.Addr.Overlaps(o.Addr) {
				t.Fatalf("%s overlaps %s", m, o)
			}
		}
	}
	if total != len(n.Targets) || len(got) >= len(n.Targets) {
		t.Fatalf("merged %d addresses into %d entries covering %d", len(n.Targets), len(got), total)
	}
}
