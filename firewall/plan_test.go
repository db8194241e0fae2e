package firewall

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   Target
		want Target // zero: an error wrapping ErrInvalid
	}{
		{"host v4", host(Drop, "10.0.0.2"), network(Drop, "10.0.0.2/32")},
		{"host v6", host(NoTrack, "2001:db8::1"), network(NoTrack, "2001:db8::1/128")},
		{"host bits cleared", network(Drop, "10.0.0.5/24"), network(Drop, "10.0.0.0/24")},
		{"mapped host", network(Drop, "::ffff:10.0.0.2/128"), network(Drop, "10.0.0.2/32")},
		{"mapped network", network(NoTrack, "::ffff:10.0.0.0/120"), network(NoTrack, "10.0.0.0/24")},
		{"mapped all", network(Drop, "::ffff:0.0.0.0/96"), network(Drop, "0.0.0.0/0")},
		{"mapped too short", network(Drop, "::ffff:0.0.0.0/95"), Target{}},
		{"Host unmaps", Host(Drop, netip.MustParseAddr("::ffff:192.0.2.1")), network(Drop, "192.0.2.1/32")},
		{"Host drops zone", Host(Drop, netip.MustParseAddr("fe80::1%eth0")), network(Drop, "fe80::1/128")},
		{"service", Service(model.ProtoTCP, 80), Service(model.ProtoTCP, 80)},
		{"service udplite", Service(model.ProtoUDPLite, 5), Service(model.ProtoUDPLite, 5)},
		{"service icmp", Service(model.ProtoICMP, 8), Target{}},
		{"service port 0", Service(model.ProtoUDP, 0), Target{}},
		{"drop service", Target{Action: Drop, Proto: model.ProtoTCP, Port: 22}, Target{}},
		{"address and service", Target{Action: NoTrack, Addr: netip.MustParsePrefix("10.0.0.1/32"), Proto: model.ProtoTCP, Port: 80}, Target{}},
		{"nothing", Target{}, Target{}},
		{"bad action", Target{Action: 7, Addr: netip.MustParsePrefix("10.0.0.1/32")}, Target{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Normalize()
			if tt.want == (Target{}) {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Normalize(%+v) = %+v, %v; want ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normalize(%+v) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	a, b := host(Drop, "10.0.0.2"), host(Drop, "10.0.0.3")
	tests := []struct {
		name string
		plan Plan
		want error
	}{
		{"ok", Plan{Targets: []Target{a, b}, Duration: time.Hour}, nil},
		{"permanent", Plan{Targets: []Target{a}}, nil},
		{"duplicates", Plan{Targets: []Target{a, a, network(Drop, "10.0.0.2/32")}}, nil},
		{"same address, both actions", Plan{Targets: []Target{a, host(NoTrack, "10.0.0.2")}}, nil},
		{"empty", Plan{Duration: time.Hour}, ErrInvalid},
		{"negative", Plan{Targets: []Target{a}, Duration: -time.Second}, ErrInvalid},
		{"sub-millisecond", Plan{Targets: []Target{a}, Duration: time.Microsecond}, ErrInvalid},
		{"invalid target", Plan{Targets: []Target{a, {}}}, ErrInvalid},
		{"overlap", Plan{Targets: []Target{a, network(Drop, "10.0.0.0/24")}}, ErrOverlap},
		{"all of IPv4", Plan{Targets: []Target{network(Drop, "0.0.0.0/0")}}, ErrTooWide},
		{"all of IPv6", Plan{Targets: []Target{network(Drop, "::/0")}}, ErrTooWide},
		{"wider than /8", Plan{Targets: []Target{a, network(Drop, "10.0.0.0/7")}}, ErrTooWide},
		{"mapped wider than /8", Plan{Targets: []Target{network(Drop, "::ffff:10.0.0.0/103")}}, ErrTooWide},
		{"wider than /16", Plan{Targets: []Target{network(NoTrack, "2000::/15")}}, ErrTooWide},
		{"a /8", Plan{Targets: []Target{network(Drop, "10.0.0.0/8"), network(NoTrack, "10.0.0.0/8")}}, nil},
		{"a /16", Plan{Targets: []Target{network(Drop, "2001:db8::/16")}}, nil},
		{"overlap mapped", Plan{Targets: []Target{network(NoTrack, "::ffff:10.0.0.0/120"), host(NoTrack, "10.0.0.9")}}, ErrOverlap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.plan.Validate()
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Validate = %v, want %v", err, tt.want)
			}
		})
	}
	n, _ := Plan{Targets: []Target{a, a, b, a}}.normalize()
	if !slices.Equal(n.Targets, []Target{a, b}) {
		t.Errorf("normalize kept %v, want %v", n.Targets, []Target{a, b})
	}
}

func TestTargetString(t *testing.T) {
	for tg, want := range map[Target]string{
		host(Drop, "10.0.0.2"):            "drop 10.0.0.2",
		network(NoTrack, "10.0.0.0/24"):   "notrack 10.0.0.0/24",
		host(Drop, "2001:db8::1"):         "drop 2001:db8::1",
		Service(model.ProtoTCP, 80):       "notrack tcp port 80",
		Service(model.ProtoUDPLite, 53):   "notrack udplite port 53",
		{Action: 9, Proto: 6, Port: 1}:    "action(9) tcp port 1",
		network(Drop, "2001:db8::/32"):    "drop 2001:db8::/32",
		network(Drop, "0.0.0.0/0"):        "drop 0.0.0.0/0",
		network(NoTrack, "10.0.0.1/32"):   "notrack 10.0.0.1",
		network(NoTrack, "10.0.0.0/31"):   "notrack 10.0.0.0/31",
		network(NoTrack, "::/0"):          "notrack ::/0",
		network(NoTrack, "::/128"):        "notrack ::",
		network(NoTrack, "fe80::/10"):     "notrack fe80::/10",
		network(NoTrack, "::ffff:0:0/96"): "notrack ::ffff:0.0.0.0/96",
	} {
		if got := tg.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestRangePrefixes(t *testing.T) {
	tests := []struct {
		first, last string
		want        []string
	}{
		{"10.0.0.0", "10.0.0.255", []string{"10.0.0.0/24"}},
		{"10.0.0.1", "10.0.0.6", []string{"10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"}},
		{"0.0.0.0", "255.255.255.255", []string{"0.0.0.0/0"}},
		{"255.255.255.255", "255.255.255.255", []string{"255.255.255.255/32"}},
		{"128.0.0.0", "255.255.255.255", []string{"128.0.0.0/1"}},
		{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", []string{"::/0"}},
		{"2001:db8::", "2001:db8::1:0", []string{"2001:db8::/112", "2001:db8::1:0/128"}},
		{"10.0.0.2", "10.0.0.1", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range rangePrefixes(netip.MustParseAddr(tt.first), netip.MustParseAddr(tt.last)) {
			got = append(got, p.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("rangePrefixes(%s, %s) = %v, want %v", tt.first, tt.last, got, tt.want)
		}
	}
}

func TestLastAddr(t *testing.T) {
	for p, want := range map[string]string{
		"10.0.0.0/24":     "10.0.0.255",
		"10.0.0.7/32":     "10.0.0.7",
		"0.0.0.0/0":       "255.255.255.255",
		"2001:db8::/32":   "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
		"2001:db8::5/128": "2001:db8::5",
	} {
		if got := lastAddr(netip.MustParsePrefix(p)).String(); got != want {
			t.Errorf("lastAddr(%s) = %s, want %s", p, got, want)
		}
	}
}
