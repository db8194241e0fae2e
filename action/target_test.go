package action

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/cttop/cttop/model"
)

func host(k Kind, s string) Target    { return Host(k, netip.MustParseAddr(s)) }
func network(k Kind, s string) Target { return Source(k, netip.MustParsePrefix(s)) }

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
		{"synproxy", SynProxyService(443), Target{Action: SynProxy, Proto: model.ProtoTCP, Port: 443}},
		{"synproxy udp", Target{Action: SynProxy, Proto: model.ProtoUDP, Port: 53}, Target{}},
		{"synproxy port 0", SynProxyService(0), Target{}},
		{"synproxy address", Source(SynProxy, netip.MustParsePrefix("10.0.0.1/32")), Target{}},
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

func TestTargetString(t *testing.T) {
	for tg, want := range map[Target]string{
		host(Drop, "10.0.0.2"):            "drop from 10.0.0.2",
		network(NoTrack, "10.0.0.0/24"):   "notrack from and to 10.0.0.0/24",
		host(Drop, "2001:db8::1"):         "drop from 2001:db8::1",
		Service(model.ProtoTCP, 80):       "notrack to tcp port 80",
		Service(model.ProtoUDPLite, 53):   "notrack to udplite port 53",
		{Action: 9, Proto: 6, Port: 1}:    "action(9) to tcp port 1",
		SynProxyService(443):              "synproxy to tcp port 443",
		network(Drop, "2001:db8::/32"):    "drop from 2001:db8::/32",
		network(Drop, "0.0.0.0/0"):        "drop from 0.0.0.0/0",
		network(NoTrack, "10.0.0.1/32"):   "notrack from and to 10.0.0.1",
		network(NoTrack, "10.0.0.0/31"):   "notrack from and to 10.0.0.0/31",
		network(NoTrack, "::/0"):          "notrack from and to ::/0",
		network(NoTrack, "::/128"):        "notrack from and to ::",
		network(NoTrack, "fe80::/10"):     "notrack from and to fe80::/10",
		network(NoTrack, "::ffff:0:0/96"): "notrack from and to ::ffff:0.0.0.0/96",
	} {
		if got := tg.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestCompare(t *testing.T) {
	want := []Target{
		Service(model.ProtoTCP, 22), Service(model.ProtoTCP, 80), Service(model.ProtoUDP, 53),
		network(Drop, "10.0.0.0/8"), host(NoTrack, "10.0.0.0"), host(Drop, "10.0.0.2"),
		host(Drop, "192.0.2.1"), host(Drop, "2001:db8::1"),
	}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortStableFunc(got, Compare)
	if !slices.Equal(got, want) {
		t.Errorf("sorted %v, want %v", got, want)
	}
}
