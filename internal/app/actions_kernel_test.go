package app

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/source/sourcetest"
	"github.com/ti-mo/conntrack"
)

// TestKernelApplyManyTargets is issue 11's proof that what an apply reports
// is what the kernel did, through the path the UI takes after `b` and `a`:
// the actions adapter applies 300, 1,000 and 10,000 random sources, and
// every address of a /18, in one go; each apply succeeds, the kernel's
// set holds exactly those addresses, and deleting the flows the targets
// select (filter.Targets over the loaded table, as the UI does) removes
// every one of the targets' flows and no other.
func TestKernelApplyManyTargets(t *testing.T) {
	netnstest.Require(t, "conntrack")
	r := rand.New(rand.NewPCG(11, 10))
	random := func(n int) []netip.Addr {
		seen := map[netip.Addr]bool{}
		var out []netip.Addr
		for len(out) < n {
			a := netip.AddrFrom4([4]byte{198, 18 + byte(r.IntN(2)), byte(r.IntN(256)), byte(1 + r.IntN(254))})
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
		return out
	}
	var block18 []netip.Addr
	for a := netip.MustParseAddr("203.0.64.0"); netip.MustParsePrefix("203.0.64.0/18").Contains(a); a = a.Next() {
		block18 = append(block18, a)
	}
	for _, c := range []struct {
		name  string
		addrs []netip.Addr
	}{
		{"300", random(300)},
		{"1000", random(1000)},
		{"10000", random(10000)},
		{"slash18", block18},
	} {
		t.Run(c.name, func(t *testing.T) { applyManyTargets(t, c.addrs) })
	}
}

func applyManyTargets(t *testing.T, addrs []netip.Addr) {
	ns := netnstest.New(t)
	ct := sourcetest.Dial(t, ns.Path)
	// One flow from each target, and others from addresses outside them.
	const others = 200
	for i, a := range addrs {
		f := conntrack.NewFlow(6, conntrack.StatusConfirmed|conntrack.StatusSeenReply, a, netip.MustParseAddr("192.0.2.80"),
			uint16(1024+i%60000), 80, 600, 0)
		f.ProtoInfo.TCP = &conntrack.ProtoInfoTCP{State: 3}
		if err := ct.Create(f); err != nil {
			t.Fatalf("create flow from %s: %v", a, err)
		}
	}
	if err := sourcetest.Fill(ct, 0, others, "192.0.2.80", 80); err != nil {
		t.Fatal(err)
	}

	k, err := source.NewKernel(source.KernelConfig{NetNS: ns.Path})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	a := newKernelActions(context.Background(), k, slog.New(slog.DiscardHandler))
	defer a.close()
	// The system log, in a socket of the test's own.
	logPath := filepath.Join(t.TempDir(), "log")
	syslog, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: logPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer syslog.Close()
	a.audit.Path = logPath
	targets := make([]action.Target, len(addrs))
	for i, ad := range addrs {
		targets[i] = action.Host(action.Drop, ad)
	}
	start := time.Now()
	if err := a.Apply(context.Background(), targets, time.Hour); err != nil {
		t.Fatalf("apply %d targets: %v", len(targets), err)
	}
	t.Logf("applied %d targets in %v", len(targets), time.Since(start).Round(time.Millisecond))

	// The kernel's set holds exactly the addresses: every one inside an
	// entry, and the entries (merged into prefixes where exact) cover no
	// more addresses than there are targets.
	entries, err := a.Rules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	covered := 0
	for _, e := range entries {
		covered += 1 << (32 - e.Target.Addr.Bits())
	}
	if covered != len(addrs) {
		t.Fatalf("the set's %d entries cover %d addresses, want %d", len(entries), covered, len(addrs))
	}
	for _, ad := range addrs {
		if !coveredBy(entries, ad) {
			t.Fatalf("%s is not in the kernel's set", ad)
		}
	}

	// Delete the targets' flows as the UI does after an apply.
	table, _, err := k.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := filter.Targets(targets)
	var flows []model.Flow
	for s := int32(0); s < table.Slots(); s++ {
		if fl := table.At(s); fl.Family != 0 && f.Match(fl, table.ExtAt(s)) {
			flows = append(flows, *fl)
		}
	}
	if len(flows) != len(addrs) {
		t.Fatalf("the targets' filter selects %d flows of %d, want %d", len(flows), table.Len(), len(addrs))
	}
	res, err := a.Delete(context.Background(), flows, func(int) {})
	if err != nil || res.Deleted != len(addrs) || res.Gone != 0 {
		t.Fatalf("delete: %+v, %v; want %d deleted", res, err, len(addrs))
	}
	if n := strings.TrimSpace(lastLine(ns.Run(t, "conntrack", "-C"))); n != fmt.Sprint(others) {
		t.Fatalf("conntrack -C = %s after deleting the targets' flows, want the %d others", n, others)
	}

	// One record per change: the block, then the delete, with their counts.
	for _, want := range []string{
		fmt.Sprintf("action=block count=%d ", len(addrs)),
		fmt.Sprintf("action=delete count=%d deleted=%d gone=0 ", len(addrs), len(addrs)),
	} {
		buf := make([]byte, 64<<10)
		syslog.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := syslog.Read(buf)
		if err != nil {
			t.Fatalf("system log: no record %q: %v", want, err)
		}
		if rec := string(buf[:n]); !strings.Contains(rec, want) {
			t.Fatalf("system log record %q, want %q in it", rec, want)
		}
	}
}

func coveredBy(entries []action.Entry, a netip.Addr) bool {
	for _, e := range entries {
		if e.Target.Addr.Contains(a) {
			return true
		}
	}
	return false
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
