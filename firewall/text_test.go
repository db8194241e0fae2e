package firewall

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

func host(a action.Kind, s string) action.Target { return action.Host(a, netip.MustParseAddr(s)) }
func network(a action.Kind, s string) action.Target {
	return action.Source(a, netip.MustParsePrefix(s))
}

// goldenPlans are the plans whose texts are golden files, and which the
// kernel tests load with nft and apply through netlink.
var goldenPlans = []struct {
	name string
	plan Plan
}{
	{"drop_v4_1h", Plan{Targets: []action.Target{host(action.Drop, "10.99.0.2")}, Duration: time.Hour}},
	{"drop_v6_90m", Plan{Targets: []action.Target{host(action.Drop, "2001:db8::5"), network(action.Drop, "2001:db8:1::/48")}, Duration: 90 * time.Minute}},
	{"drop_mixed_permanent", Plan{Targets: []action.Target{
		host(action.Drop, "198.51.100.7"), network(action.Drop, "2001:db8:3::/64"), network(action.Drop, "203.0.113.0/24"),
	}}},
	{"notrack_source_v4_1h", Plan{Targets: []action.Target{host(action.NoTrack, "10.99.0.3")}, Duration: time.Hour}},
	{"notrack_source_v6_90m", Plan{Targets: []action.Target{host(action.NoTrack, "2001:db8::9"), network(action.NoTrack, "2001:db8:2::/64")}, Duration: 90 * time.Minute}},
	{"notrack_service_permanent", Plan{Targets: []action.Target{action.Service(model.ProtoTCP, 80), action.Service(model.ProtoUDP, 53)}}},
	{"notrack_service_1h", Plan{Targets: []action.Target{
		action.Service(model.ProtoTCP, 443), action.Service(model.ProtoSCTP, 3868), action.Service(model.ProtoDCCP, 5004), action.Service(model.ProtoUDPLite, 5005),
	}, Duration: time.Hour}},
	{"mixed_1h30m", Plan{Targets: []action.Target{
		host(action.Drop, "10.99.0.2"), host(action.NoTrack, "10.99.0.3"), action.Service(model.ProtoTCP, 8080),
		network(action.Drop, "2001:db8:4::/48"), host(action.Drop, "255.255.255.255"),
	}, Duration: 90 * time.Minute}},
	{"synproxy_4443_1h", Plan{Targets: []action.Target{action.SynProxyService(4443)}, Duration: time.Hour, SynProxy: SynProxyParams{
		MSS4: 1460, MSS6: 1440, WindowScaling: true, WScale: 7, Timestamp: true, SACKPerm: true}}},
	{"synproxy_mixed_permanent", Plan{Targets: []action.Target{
		action.SynProxyService(2080), host(action.Drop, "198.51.100.7"), action.SynProxyService(8443), action.Service(model.ProtoUDP, 53),
	}, SynProxy: SynProxyParams{MSS4: 1400, MSS6: 1380}}},
	// Four addresses and two halves of a /63 merge into two entries.
	{"drop_merged_1h", Plan{Targets: []action.Target{
		host(action.Drop, "10.99.1.3"), host(action.Drop, "10.99.1.2"), host(action.Drop, "10.99.1.1"), host(action.Drop, "10.99.1.0"),
		network(action.Drop, "2001:db8:5::/64"), network(action.Drop, "2001:db8:5:1::/64"),
	}, Duration: time.Hour}},
}

func TestNFT(t *testing.T) {
	for _, g := range goldenPlans {
		t.Run(g.name, func(t *testing.T) { golden.RequireEqual(t, g.plan.NFT()) })
	}
}

func TestIPTables(t *testing.T) {
	for _, g := range goldenPlans {
		t.Run(g.name, func(t *testing.T) { golden.RequireEqual(t, g.plan.IPTables()) })
	}
}

func TestExplain(t *testing.T) {
	for _, g := range goldenPlans {
		t.Run(g.name, func(t *testing.T) { golden.RequireEqual(t, g.plan.Explain()) })
	}
}

// TestNoTrackWarning checks that every text of a NOTRACK plan carries the
// accept rule for untracked packets, and that drop-only plans do not.
func TestNoTrackWarning(t *testing.T) {
	for _, g := range goldenPlans {
		notrack := g.plan.has(action.NoTrack)
		texts := map[string]struct{ text, want string }{
			"NFT":      {g.plan.NFT(), "#   ct state untracked accept\n"},
			"IPTables": {g.plan.IPTables(), "-I INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT\n"},
			"Explain":  {g.plan.Explain(), "ct state untracked accept"},
		}
		for name, tx := range texts {
			if got := strings.Contains(tx.text, tx.want); got != notrack {
				t.Errorf("%s: %s contains %q = %v, want %v", g.name, name, tx.want, got, notrack)
			}
		}
	}
}

func TestInvalidPlanText(t *testing.T) {
	p := Plan{Targets: []action.Target{{Action: action.Drop, Proto: model.ProtoTCP, Port: 22}}}
	for name, text := range map[string]string{"NFT": p.NFT(), "IPTables": p.IPTables()} {
		if !strings.HasPrefix(text, "# cttop: invalid target") || strings.Count(text, "\n") != 1 {
			t.Errorf("%s of invalid plan = %q, want one comment line", name, text)
		}
	}
	if got := p.Explain(); !strings.HasPrefix(got, "Cannot apply: invalid target") {
		t.Errorf("Explain of invalid plan = %q", got)
	}
}

func TestNFTDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0s",
		time.Hour:               "1h",
		90 * time.Minute:        "1h30m",
		36 * time.Hour:          "1d12h",
		45 * time.Second:        "45s",
		1500 * time.Millisecond: "1s500ms",
	} {
		if got := nftDuration(d); got != want {
			t.Errorf("nftDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
