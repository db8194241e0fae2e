package firewall

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/action"
)

func TestSynProxyParams(t *testing.T) {
	base := SynProxyFacts{SynCookies: 1, Timestamps: 1, SACK: 1, WindowScaling: 1, TCPLoose: 0,
		TCPRmemMax: 6291456, CoreRmemMax: 212992, MTU: 1500, MTUDevice: "eth0"}
	tests := []struct {
		name string
		edit func(*SynProxyFacts)
		want string // options(4) and MSS6, or an error's text
	}{
		{"debian defaults", func(*SynProxyFacts) {}, "mss 1460 wscale 7 timestamp sack-perm / 1440"},
		{"rmem_max larger", func(f *SynProxyFacts) { f.CoreRmemMax = 1 << 25 }, "mss 1460 wscale 10 timestamp sack-perm / 1440"},
		{"tiny buffers", func(f *SynProxyFacts) { f.TCPRmemMax, f.CoreRmemMax = 4096, -1 }, "mss 1460 wscale 0 timestamp sack-perm / 1440"},
		{"huge buffers", func(f *SynProxyFacts) { f.TCPRmemMax = 1 << 31 }, "mss 1460 wscale 14 timestamp sack-perm / 1440"},
		{"jumbo frames", func(f *SynProxyFacts) { f.MTU = 9000 }, "mss 8960 wscale 7 timestamp sack-perm / 8940"},
		{"no sack", func(f *SynProxyFacts) { f.SACK = 0 }, "mss 1460 wscale 7 timestamp / 1440"},
		{"no window scaling", func(f *SynProxyFacts) { f.WindowScaling = 0 }, "mss 1460 timestamp sack-perm / 1440"},
		{"no timestamps: no options", func(f *SynProxyFacts) { f.Timestamps = 0 }, "mss 1460 / 1440"},
		{"no interface", func(f *SynProxyFacts) { f.MTU, f.MTUDevice = 0, "" }, "no interface is up"},
		{"MTU too small", func(f *SynProxyFacts) { f.MTU = 576 }, "MTU 576 of eth0 is below 1280"},
		{"unread", func(f *SynProxyFacts) { f.Timestamps = -1 }, "could not be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := base
			tt.edit(&f)
			p, err := f.Params()
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				got = p.options(4) + " / " + p.options(6)[len("mss "):len("mss ")+4]
				if verr := p.validate(); verr != nil {
					t.Fatalf("Params gave invalid options: %v", verr)
				}
			}
			if !strings.Contains(got, tt.want) {
				t.Fatalf("Params = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSynProxyChecks(t *testing.T) {
	good := SynProxyFacts{SynCookies: 1, Timestamps: 1, TCPLoose: 0}
	for _, c := range good.Checks() {
		if !c.OK || !strings.HasSuffix(c.String(), ": ok, "+c.Note) {
			t.Errorf("%s", c)
		}
	}
	bad := SynProxyFacts{SynCookies: 0, Timestamps: 0, TCPLoose: 1}
	want := map[string]bool{"net.ipv4.tcp_syncookies": true, "net.ipv4.tcp_timestamps": false, "net.netfilter.nf_conntrack_tcp_loose": false}
	for _, c := range bad.Checks() {
		if c.OK != want[c.Setting] || !strings.Contains(c.Note, "sysctl -w "+c.Setting+"=") {
			t.Errorf("%s: ok %v, want %v and the command that fixes it", c, c.OK, want[c.Setting])
		}
	}
	if c := (SynProxyFacts{SynCookies: -1, TCPLoose: -1}).Checks(); c[0].Value != "unknown" || c[2].OK {
		t.Errorf("unknown values: %v", c)
	}
}

func TestSynProxyPlan(t *testing.T) {
	ok := SynProxyParams{MSS4: 1460, MSS6: 1440}
	for _, tt := range []struct {
		name string
		p    Plan
		want error
	}{
		{"ok", Plan{Targets: []action.Target{action.SynProxyService(443)}, SynProxy: ok}, nil},
		{"no options", Plan{Targets: []action.Target{action.SynProxyService(443)}}, action.ErrInvalid},
		{"options unused", Plan{Targets: []action.Target{host(action.Drop, "10.0.0.1")}}, nil},
		{"mss too small", Plan{Targets: []action.Target{action.SynProxyService(443)}, SynProxy: SynProxyParams{MSS4: 500, MSS6: 1440}}, action.ErrInvalid},
		{"ipv6 mss too small", Plan{Targets: []action.Target{action.SynProxyService(443)}, SynProxy: SynProxyParams{MSS4: 1460, MSS6: 1200}}, action.ErrInvalid},
		{"wscale too big", Plan{Targets: []action.Target{action.SynProxyService(443)}, SynProxy: SynProxyParams{MSS4: 1460, MSS6: 1440, WindowScaling: true, WScale: 15}}, action.ErrInvalid},
		{"udp", Plan{Targets: []action.Target{{Action: action.SynProxy, Proto: 17, Port: 53}}, SynProxy: ok}, action.ErrInvalid},
		{"both on one port", Plan{Targets: []action.Target{action.SynProxyService(80), action.Service(6, 80)}, SynProxy: ok, Duration: time.Hour}, ErrOverlap},
		{"udp untracked, tcp proxied", Plan{Targets: []action.Target{action.SynProxyService(53), action.Service(17, 53)}, SynProxy: ok}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Validate(); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Validate = %v, want %v", err, tt.want)
			}
		})
	}
}
