package firewall

import (
	"errors"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/internal/netnstest"
)

// countersRE matches the counts nft prints, which traffic changes.
var countersRE = regexp.MustCompile(`packets [0-9]+ bytes [0-9]+`)

// TestKernelDropPrefix blocks a /24 with real traffic. An attacker
// namespace holds three addresses inside 10.99.8.0/24 and one outside it
// (10.99.9.1) on its veth; a client namespace reaches the server over
// another veth. After applying the prefix, every address inside fails to
// connect, the attacker's address outside and the client still connect,
// and no other table changes.
func TestKernelDropPrefix(t *testing.T) {
	server, attacker, client := netnstest.New(t), netnstest.New(t), netnstest.New(t)
	inside := []string{"10.99.8.11", "10.99.8.12", "10.99.8.250"}
	netnstest.Veth(t, server, "10.99.0.1/16", attacker, "10.99.8.11/16", "10.99.8.12/16", "10.99.8.250/16", "10.99.9.1/16")
	netnstest.Veth(t, server, "10.98.0.1/24", client, "10.98.0.2/24")
	serve(t, server, "0.0.0.0:8080")
	server.NFT(t, `table ip usr {
	chain input { type filter hook input priority filter; policy accept; tcp dport 8080 counter; }
}`)
	connect := func(ns *netnstest.NS, from, to string) error {
		_, err := dial(t, ns, from, to+":8080")
		return err
	}
	// A new veth drops packets until the link watch activates it.
	deadline := time.Now().Add(5 * time.Second)
	for connect(attacker, "10.99.8.11", "10.99.0.1") != nil || connect(client, "10.98.0.2", "10.98.0.1") != nil {
		if time.Now().After(deadline) {
			t.Fatal("veths not ready")
		}
	}
	for _, from := range append(inside, "10.99.9.1") {
		if err := connect(attacker, from, "10.99.0.1"); err != nil {
			t.Fatalf("before the block, %s cannot connect: %v", from, err)
		}
	}
	ruleset := func() string {
		return countersRE.ReplaceAllString(withoutCttop(server.Run(t, "nft", "list", "ruleset")), "")
	}
	before := ruleset()

	fw := openFW(t, server)
	prefix := netip.MustParsePrefix("10.99.8.0/24")
	if err := fw.Apply(Plan{Targets: []action.Target{action.Source(action.Drop, prefix)}, Duration: time.Hour}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	for _, from := range inside {
		if err := connect(attacker, from, "10.99.0.1"); err == nil {
			t.Errorf("%s, inside %s, still connects", from, prefix)
		}
	}
	if err := connect(attacker, "10.99.9.1", "10.99.0.1"); err != nil {
		t.Errorf("10.99.9.1, outside %s, cannot connect: %v", prefix, err)
	}
	if err := connect(client, "10.98.0.2", "10.98.0.1"); err != nil {
		t.Errorf("the client cannot connect: %v", err)
	}
	if after := ruleset(); after != before {
		t.Errorf("other tables changed:\nbefore\n%s\nafter\n%s", before, after)
	}
	if got, err := fw.List(); err != nil || len(got) != 1 || got[0].Target != action.Source(action.Drop, prefix) {
		t.Fatalf("List = %+v, %v; want the prefix", got, err)
	}

	// Too wide: refused before anything is sent.
	for _, wide := range []string{"0.0.0.0/0", "::/0", "10.0.0.0/7", "2000::/15"} {
		err := fw.Apply(Plan{Targets: []action.Target{action.Source(action.Drop, netip.MustParsePrefix(wide))}})
		if !errors.Is(err, ErrTooWide) || !errors.Is(err, action.ErrInvalid) || !strings.Contains(err.Error(), "wider than") {
			t.Errorf("Apply(%s) = %v, want ErrTooWide", wide, err)
		}
	}
	if after := ruleset(); after != before {
		t.Errorf("other tables changed by refused plans:\n%s", after)
	}
}
