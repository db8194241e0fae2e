package firewall

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

func TestMerge(t *testing.T) {
	hosts := func(a action.Kind, first string, n int) []action.Target {
		var out []action.Target
		addr := netip.MustParseAddr(first)
		for range n {
			out = append(out, action.Host(a, addr))
			addr = addr.Next()
		}
		return out
	}
	tests := []struct {
		name string
		in   []action.Target
		want []action.Target
	}{
		{"a /18 of hosts", hosts(action.Drop, "198.18.0.0", 1<<14), []action.Target{network(action.Drop, "198.18.0.0/18")}},
		{"odd start", hosts(action.Drop, "10.0.0.1", 4), []action.Target{
			host(action.Drop, "10.0.0.1"), network(action.Drop, "10.0.0.2/31"), host(action.Drop, "10.0.0.4")}},
		{"not siblings", []action.Target{host(action.Drop, "10.0.0.1"), host(action.Drop, "10.0.0.2")}, []action.Target{
			host(action.Drop, "10.0.0.1"), host(action.Drop, "10.0.0.2")}},
		{"networks and hosts", []action.Target{
			network(action.Drop, "10.0.1.0/24"), host(action.Drop, "10.0.0.255"), network(action.Drop, "10.0.0.0/25"),
			network(action.Drop, "10.0.0.128/26"), network(action.Drop, "10.0.0.192/27"), network(action.Drop, "10.0.0.224/28"),
			network(action.Drop, "10.0.0.240/29"), network(action.Drop, "10.0.0.248/30"), network(action.Drop, "10.0.0.252/31"),
			host(action.Drop, "10.0.0.254"),
		}, []action.Target{network(action.Drop, "10.0.0.0/23")}},
		{"not wider than /8", []action.Target{network(action.Drop, "10.0.0.0/8"), network(action.Drop, "11.0.0.0/8"),
			network(action.Drop, "12.0.0.0/9"), network(action.Drop, "12.128.0.0/9")}, []action.Target{
			network(action.Drop, "10.0.0.0/8"), network(action.Drop, "11.0.0.0/8"), network(action.Drop, "12.0.0.0/8")}},
		{"not wider than /16", []action.Target{network(action.Drop, "2001::/16"), network(action.Drop, "2000::/16")}, []action.Target{
			network(action.Drop, "2000::/16"), network(action.Drop, "2001::/16")}},
		{"ipv6", []action.Target{host(action.Drop, "2001:db8::"), host(action.Drop, "2001:db8::1")}, []action.Target{network(action.Drop, "2001:db8::/127")}},
		{"not across sets", []action.Target{host(action.Drop, "10.0.0.0"), host(action.NoTrack, "10.0.0.1")}, []action.Target{
			host(action.Drop, "10.0.0.0"), host(action.NoTrack, "10.0.0.1")}},
		{"not across families", []action.Target{host(action.Drop, "255.255.255.255"), host(action.Drop, "::")}, []action.Target{
			host(action.Drop, "255.255.255.255"), host(action.Drop, "::")}},
		{"services stay", []action.Target{action.Service(model.ProtoTCP, 80), action.Service(model.ProtoTCP, 81)}, []action.Target{
			action.Service(model.ProtoTCP, 80), action.Service(model.ProtoTCP, 81)}},
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
				if !ok || (!tg.IsService() && !m.Addr.Contains(tg.Addr.Addr())) || setOf(m) != setOf(tg) {
					t.Fatalf("mergedInto[%s] = %s, %v", tg, m, ok)
				}
			}
		})
	}
}

func TestMergeKeepsAddresses(t *testing.T) {
	// Every address of the input is covered once by the output, and
	// nothing else: compare address counts over a random-looking input.
	var in []action.Target
	for i := range 3000 {
		a := netip.AddrFrom4([4]byte{10, 0, byte(i * 7 / 256), byte(i * 7)})
		in = append(in, action.Host(action.Drop, a), action.Host(action.Drop, a.Next()))
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

// TestPlanEntries: the dialog's count of set entries is what Apply makes:
// eight adjacent /24s one /21, two apart two.
func TestPlanEntries(t *testing.T) {
	var eight []action.Target
	for i := range 8 {
		eight = append(eight, network(action.Drop, netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(i), 0}), 24).String()))
	}
	for _, c := range []struct {
		in   []action.Target
		want int
	}{
		{eight, 1},
		{[]action.Target{host(action.Drop, "10.0.0.1"), host(action.Drop, "10.0.0.3")}, 2},
		{[]action.Target{host(action.Drop, "10.0.0.2"), host(action.Drop, "10.0.0.3")}, 1},
	} {
		if got := (Plan{Targets: c.in, Duration: time.Hour}).Entries(); got != c.want {
			t.Errorf("%v: %d entries, want %d", c.in, got, c.want)
		}
	}
}
