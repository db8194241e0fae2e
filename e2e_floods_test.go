package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
)

// TestTmuxBlockPrefix drives the real binary at 80x24 against a server
// namespace whose clients come from two /24s: grouped by /24, b on the
// attacking prefix's row and apply put the prefix in cttop's set, its
// flows leave the kernel's table, its addresses no longer connect, and a
// client outside it still does.
func TestTmuxBlockPrefix(t *testing.T) {
	netnstest.Require(t, "conntrack", "tmux", "nft")
	bin := binary(t)
	srv, cli := netnstest.New(t), netnstest.New(t)
	netnstest.Veth(t, srv, "10.99.0.1/16", cli, "10.99.7.2/16", "10.99.7.3/16", "10.99.9.9/16")
	serveHTTP(t, srv, "10.99.0.1:80")
	// The link may take a moment to come up.
	for i := 0; !dialFrom(t, cli, "10.99.9.9", "10.99.0.1:80", time.Second); i++ {
		if i == 5 {
			t.Fatal("no connection through the veth pair")
		}
	}
	for i := 0; i < 6; i++ {
		for _, a := range []string{"10.99.7.2", "10.99.7.3"} {
			if !dialFrom(t, cli, a, "10.99.0.1:80", time.Second) {
				t.Fatalf("%s cannot connect before the block", a)
			}
		}
	}
	countFrom := func(src string) int {
		out, err := srv.Command("conntrack", "-L", "-s", src).Output()
		if err != nil {
			t.Fatalf("conntrack -L: %v", err)
		}
		return strings.Count(string(out), "src="+src+" ")
	}
	n := countFrom("10.99.7.2") + countFrom("10.99.7.3")
	if n < 10 || n > 12 {
		t.Fatalf("kernel has %d flows from 10.99.7.0/24, want 10 to 12", n)
	}

	tm := newTmux(t, 80, 24, bin+" --netns "+srv.Name+" --group src/24; echo CTTOP-EXIT=$?; sleep 60")
	s := tm.waitFor("prefix view", 10*time.Second, func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "10.99.7.0/24" && f[1] == fmt.Sprint(n) {
				return true
			}
		}
		return false
	})
	if !strings.Contains(s, "SOURCE /24 (v6 /64)") || !strings.Contains(s, "? help") {
		t.Fatalf("prefix view:\n%s", s)
	}
	tm.keys("b")
	s = tm.waitFor("dialog", 5*time.Second, contains("Apply 1 rule for 1h00m?"))
	if !strings.Contains(s, "drop from 10.99.7.0/24") {
		t.Fatalf("dialog:\n%s", s)
	}
	tm.keys("a")
	tm.waitFor("applied", 10*time.Second, contains(fmt.Sprintf("deleted %d flows", n)))
	if left := countFrom("10.99.7.2") + countFrom("10.99.7.3"); left != 0 {
		t.Errorf("kernel still has %d flows from 10.99.7.0/24", left)
	}
	out := srv.Run(t, "nft", "list", "set", "inet", "cttop", "blocked4")
	if !strings.Contains(out, "10.99.7.0/24") {
		t.Errorf("prefix not in cttop's set:\n%s", out)
	}
	if dialFrom(t, cli, "10.99.7.3", "10.99.0.1:80", 500*time.Millisecond) {
		t.Error("an address of the blocked prefix still connects")
	}
	if !dialFrom(t, cli, "10.99.9.9", "10.99.0.1:80", time.Second) {
		t.Error("the client outside the prefix cannot connect")
	}
	// B lists the prefix with the packets it dropped: the failed
	// connection's SYNs, at least one.
	tm.keys("B")
	s = tm.waitFor("list", 5*time.Second, contains("PACKETS"))
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "drop from 10.99.7.0/24") {
			f := strings.Fields(l)
			if pk := f[len(f)-1]; pk == "0" || pk == "-" {
				t.Errorf("no drops counted: %q", l)
			}
		}
	}
	if strings.Contains(s, "…") {
		t.Errorf("a cut word:\n%s", s)
	}
	tm.keys("Escape")
	tm.waitFor("list closed", 5*time.Second, func(s string) bool { return !strings.Contains(s, "PACKETS") })
	tm.keys("q")
	tm.waitFor("exit", 5*time.Second, contains("CTTOP-EXIT=0"))
}
