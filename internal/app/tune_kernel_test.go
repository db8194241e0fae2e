package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/tuning"
)

// TestTuneCtTimeoutPolicies: issue 10's live table with nft ct timeout
// policies, established 1000000 on one port and 100 on another, attached
// with ct timeout set. conntrack -L shows TTLs near 1000000 and 100; --tune
// must group the flows by the timeout that governs them (not credit them
// all to nf_conntrack_tcp_timeout_established = 432000) and propose no
// 86400 for flows it would not change.
func TestTuneCtTimeoutPolicies(t *testing.T) {
	netnstest.Require(t, "conntrack")
	ns := netnstest.New(t)
	ns.NFT(t, `table inet cttimeouts {
	ct timeout long {
		protocol tcp; l3proto ip;
		policy = { established: 1000000 }
	}
	ct timeout short {
		protocol tcp; l3proto ip;
		policy = { established: 100 }
	}
	chain out {
		type filter hook output priority filter; # after conntrack: the flow exists, unconfirmed
		tcp dport 7001 ct timeout set "long"
		tcp dport 7002 ct timeout set "short"
	}
}`)
	// 40 connections under the long policy, 10 under the short one, 2
	// under the sysctl.
	counts := map[int]int{7001: 40, 7002: 10, 7003: 2}
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	ns.Do(t, func() {
		for port, n := range counts {
			ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				t.Errorf("listen: %v", err)
				return
			}
			t.Cleanup(func() { ln.Close() })
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					go io.Copy(io.Discard, c)
				}
			}()
			for range n {
				c, err := net.Dial("tcp4", ln.Addr().String())
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				c.Write([]byte("x")) // data both ways is not needed: the handshake makes it ESTABLISHED
				conns = append(conns, c)
			}
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	// The kernel's own view: TTLs under the policies.
	out := ns.Run(t, "conntrack", "-L", "-p", "tcp")
	for _, c := range []struct {
		dport string
		lo    int
	}{{"dport=7001", 999000}, {"dport=7002", 90}} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 2 && strings.Contains(line, c.dport+" ") && strings.HasPrefix(line, "tcp") {
				ttl, _ := strconv.Atoi(f[2])
				found = found || ttl >= c.lo
			}
		}
		if !found {
			t.Fatalf("conntrack -L shows no %s flow with a TTL of at least %d:\n%s", c.dport, c.lo, out)
		}
	}

	old := tuneWatch
	tuneWatch = 10 * time.Millisecond
	t.Cleanup(func() { tuneWatch = old })
	in, err := tuningInput(context.Background(), Config{NetNS: ns.Path}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Settings.Timeouts["nf_conntrack_tcp_timeout_established"]; got != 432000 {
		t.Fatalf("established sysctl %d, want the default 432000", got)
	}
	// The policies, read from the namespace's nftables.
	if !in.Settings.PoliciesKnown || len(in.Settings.Policies) != 2 {
		t.Fatalf("policies: %+v (known %v)", in.Settings.Policies, in.Settings.PoliciesKnown)
	}
	for _, p := range in.Settings.Policies {
		want := map[string]int64{"inet cttimeouts long": 1000000, "inet cttimeouts short": 100}[p.Name]
		if p.Proto != model.ProtoTCP || p.Timeouts["nf_conntrack_tcp_timeout_established"] != want || want == 0 {
			t.Errorf("policy %+v, want %s established %d", p, p.Name, want)
		}
	}
	a := tuning.Advise(in)
	var above, setting, policy *tuning.StateShare
	for i := range a.States {
		r := &a.States[i]
		if r.State != model.TCPState(model.TCPEstablished) || r.Proto != model.ProtoTCP {
			continue
		}
		switch r.From {
		case tuning.FromTTLs:
			above = r
		case tuning.FromSetting:
			setting = r
		case tuning.FromPolicyOrSetting:
			policy = r
		}
	}
	if above == nil || above.Flows != 40 || above.Timeout < 999000 || !above.AtLeast {
		t.Fatalf("no row of the flows above the sysctl (40 with TTLs near 1000000): %+v\nrows %+v", above, a.States)
	}
	if policy == nil || policy.Flows != 10 || policy.Timeout != 100 {
		t.Fatalf("the short policy's row: %+v, want its 10 flows", policy)
	}
	if setting == nil || setting.Flows != 2 || setting.Longer(86400) != 2 {
		t.Fatalf("the sysctl's row: %+v, want 2 flows above a day", setting)
	}
	for _, c := range a.Changes {
		if c.Key == "nf_conntrack_tcp_timeout_established" {
			t.Errorf("proposes %+v, which would change 2 flows of 52", c)
		}
	}
	text := a.Report().Text(200)
	for _, want := range []string{
		"the flows' TTLs, above nf_conntrack_tcp_timeout_established=432000: the nft ct timeout policy inet cttimeouts long (1000000)",
		"the nft ct timeout policy inet cttimeouts short (100), or nf_conntrack_tcp_timeout_established=432000 for flows idle longer than 4d23h",
		"40 tcp ESTABLISHED flows have TTLs up to 11d13h",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}
