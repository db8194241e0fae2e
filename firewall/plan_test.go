package firewall

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/cttop/cttop/action"
)

func TestValidate(t *testing.T) {
	a, b := host(action.Drop, "10.0.0.2"), host(action.Drop, "10.0.0.3")
	tests := []struct {
		name string
		plan Plan
		want error
	}{
		{"ok", Plan{Targets: []action.Target{a, b}, Duration: time.Hour}, nil},
		{"permanent", Plan{Targets: []action.Target{a}}, nil},
		{"duplicates", Plan{Targets: []action.Target{a, a, network(action.Drop, "10.0.0.2/32")}}, nil},
		{"same address, both actions", Plan{Targets: []action.Target{a, host(action.NoTrack, "10.0.0.2")}}, nil},
		{"empty", Plan{Duration: time.Hour}, action.ErrInvalid},
		{"negative", Plan{Targets: []action.Target{a}, Duration: -time.Second}, action.ErrInvalid},
		{"sub-millisecond", Plan{Targets: []action.Target{a}, Duration: time.Microsecond}, action.ErrInvalid},
		{"invalid target", Plan{Targets: []action.Target{a, {}}}, action.ErrInvalid},
		{"overlap", Plan{Targets: []action.Target{a, network(action.Drop, "10.0.0.0/24")}}, ErrOverlap},
		{"all of IPv4", Plan{Targets: []action.Target{network(action.Drop, "0.0.0.0/0")}}, ErrTooWide},
		{"all of IPv6", Plan{Targets: []action.Target{network(action.Drop, "::/0")}}, ErrTooWide},
		{"wider than /8", Plan{Targets: []action.Target{a, network(action.Drop, "10.0.0.0/7")}}, ErrTooWide},
		{"mapped wider than /8", Plan{Targets: []action.Target{network(action.Drop, "::ffff:10.0.0.0/103")}}, ErrTooWide},
		{"wider than /16", Plan{Targets: []action.Target{network(action.NoTrack, "2000::/15")}}, ErrTooWide},
		{"a /8", Plan{Targets: []action.Target{network(action.Drop, "10.0.0.0/8"), network(action.NoTrack, "10.0.0.0/8")}}, nil},
		{"a /16", Plan{Targets: []action.Target{network(action.Drop, "2001:db8::/16")}}, nil},
		{"overlap mapped", Plan{Targets: []action.Target{network(action.NoTrack, "::ffff:10.0.0.0/120"), host(action.NoTrack, "10.0.0.9")}}, ErrOverlap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.plan.Validate()
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Validate = %v, want %v", err, tt.want)
			}
		})
	}
	n, _ := Plan{Targets: []action.Target{a, a, b, a}}.normalize()
	if !slices.Equal(n.Targets, []action.Target{a, b}) {
		t.Errorf("normalize kept %v, want %v", n.Targets, []action.Target{a, b})
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
