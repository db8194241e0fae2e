package firewall

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
)

// Kernel tests of table inet cttop itself, each in a namespace of its own.
var (
	expiresRE  = regexp.MustCompile(` expires [0-9dhms]+`)
	elementsRE = regexp.MustCompile(`elements = \{([^}]*)\}`)
)

// listTable returns `nft list table inet cttop` without the changing
// "expires" times, and with the elements of each set sorted (a hash set
// lists them in the order of its randomly seeded hash).
func listTable(t *testing.T, ns *netnstest.NS) string {
	t.Helper()
	out := expiresRE.ReplaceAllString(ns.Run(t, "nft", "list", "table", "inet", TableName), "")
	return elementsRE.ReplaceAllStringFunc(out, func(m string) string {
		elems := strings.Split(elementsRE.FindStringSubmatch(m)[1], ",")
		for i := range elems {
			elems[i] = strings.TrimSpace(elems[i])
		}
		slices.Sort(elems)
		return "elements = { " + strings.Join(elems, ", ") + " }"
	})
}

// nftLoad loads an nft script with nft -f (or checks it with -c), returning
// nft's error output.
func nftLoad(ns *netnstest.NS, script string, check bool) (string, error) {
	args := []string{"-f", "-"}
	if check {
		args = []string{"-c", "-f", "-"}
	}
	cmd := ns.Command("nft", args...)
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestKernelNFTCheck proves the generated nft text is valid: nft accepts it
// in check mode, and loads it, twice.
func TestKernelNFTCheck(t *testing.T) {
	ns := netnstest.New(t)
	for _, g := range goldenPlans {
		if out, err := nftLoad(ns, g.plan.NFT(), true); err != nil {
			t.Errorf("%s: nft -c -f: %v\n%s", g.name, err, out)
		}
	}
	for _, g := range goldenPlans {
		for range 2 {
			if out, err := nftLoad(ns, g.plan.NFT(), false); err != nil {
				t.Fatalf("%s: nft -f: %v\n%s", g.name, err, out)
			}
		}
	}
}

// TestKernelNFTMatchesApply proves that Plan.NFT is what Apply installs:
// the table nft -f makes from the text lists exactly like the one Apply
// makes through netlink, and each method can run over the other's table.
func TestKernelNFTMatchesApply(t *testing.T) {
	byText, byNetlink := netnstest.New(t), netnstest.New(t)
	fw := openFW(t, byNetlink)
	for _, g := range goldenPlans {
		if out, err := nftLoad(byText, g.plan.NFT(), false); err != nil {
			t.Fatalf("%s: nft -f: %v\n%s", g.name, err, out)
		}
		if err := fw.Apply(g.plan); err != nil {
			t.Fatalf("%s: Apply: %v", g.name, err)
		}
		if a, b := listTable(t, byText), listTable(t, byNetlink); a != b {
			t.Fatalf("%s: nft -f made\n%s\nApply made\n%s", g.name, a, b)
		}
	}
	// Swap: Apply over the table nft made, nft -f over Apply's.
	fwText := openFW(t, byText)
	for _, g := range goldenPlans {
		if err := fwText.Apply(g.plan); err != nil {
			t.Fatalf("%s: Apply over nft's table: %v", g.name, err)
		}
		if out, err := nftLoad(byNetlink, g.plan.NFT(), false); err != nil {
			t.Fatalf("%s: nft -f over Apply's table: %v\n%s", g.name, err, out)
		}
	}
	if a, b := listTable(t, byText), listTable(t, byNetlink); a != b {
		t.Fatalf("after swapping: \n%s\n---\n%s", a, b)
	}
	t.Logf("table:\n%s", listTable(t, byText))
}

// ruleCount counts the rules in table inet cttop.
func ruleCount(t *testing.T, ns *netnstest.NS) int {
	t.Helper()
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(ns.Run(t, "nft", "-j", "list", "table", "inet", TableName)), &doc); err != nil {
		t.Fatalf("nft -j: %v", err)
	}
	n := 0
	for _, o := range doc.Nftables {
		if _, ok := o["rule"]; ok {
			n++
		}
	}
	return n
}

// TestKernelIdempotent checks that applying again neither duplicates rules
// nor forgets entries, and that an entry applied again takes the new
// timeout.
func TestKernelIdempotent(t *testing.T) {
	ns := netnstest.New(t)
	fw := openFW(t, ns)
	p := Plan{Targets: []action.Target{host(action.Drop, "10.99.0.2")}, Duration: time.Hour}
	for range 3 {
		if err := fw.Apply(p); err != nil {
			t.Fatalf("Apply: %v", err)
		}
	}
	if err := fw.Apply(Plan{Targets: []action.Target{host(action.Drop, "10.99.0.3")}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	want := 0
	for _, c := range chains {
		want += len(c.rules)
	}
	if got := ruleCount(t, ns); got != want {
		t.Errorf("%d rules after applying 4 times, want %d", got, want)
	}
	got, err := fw.List()
	if err != nil || len(got) != 2 || got[0].Timeout != time.Hour || got[1].Timeout != 0 {
		t.Fatalf("List = %+v, %v; want 10.99.0.2 (1h) and 10.99.0.3 (none)", got, err)
	}
	if err := fw.Apply(Plan{Targets: []action.Target{host(action.Drop, "10.99.0.2")}, Duration: 90 * time.Minute}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if got, _ := fw.List(); len(got) != 2 || got[0].Timeout != 90*time.Minute {
		t.Errorf("List = %+v, want 10.99.0.2 with the new timeout 1h30m", got)
	}
}

// TestKernelWholeOrNothing checks that a plan that fails changes nothing:
// one Go rejects, one whose table was changed by hand, and one the kernel
// rejects at the last message of the batch.
func TestKernelWholeOrNothing(t *testing.T) {
	ns := netnstest.New(t)
	fw := openFW(t, ns)
	ruleset := func() string { return expiresRE.ReplaceAllString(ns.Run(t, "nft", "list", "ruleset"), "") }
	unchanged := func(what string, f func() error, want error) {
		t.Helper()
		before := ruleset()
		err := f()
		if err == nil || (want != nil && !errors.Is(err, want)) {
			t.Fatalf("%s: Apply = %v, want an error wrapping %v", what, err, want)
		}
		t.Logf("%s: %v", what, err)
		if after := ruleset(); after != before {
			t.Fatalf("%s changed the ruleset:\n%s", what, after)
		}
	}
	bad := Plan{Targets: []action.Target{host(action.Drop, "10.99.0.2"), {Action: action.Drop, Proto: model.ProtoTCP, Port: 22}}, Duration: time.Hour}
	unchanged("invalid plan", func() error { return fw.Apply(bad) }, action.ErrInvalid)

	good := Plan{Targets: []action.Target{host(action.Drop, "10.99.0.2")}, Duration: time.Hour}
	ns.NFT(t, "table inet cttop { chain output { type filter hook output priority filter; policy accept; }; }")
	unchanged("changed chain", func() error { return fw.Apply(good) }, ErrConflict)
	ns.Run(t, "nft", "delete", "table", "inet", TableName)

	// A batch that would create the table, sets, chains and rules and add
	// elements, and then fails at its last message.
	fw.beforeFlush = func(c *nftables.Conn, table *nftables.Table) {
		missing := &nftables.Set{Table: table, Name: "missing", KeyType: nftables.TypeIPAddr}
		_ = c.SetAddElements(missing, []nftables.SetElement{{Key: []byte{192, 0, 2, 1}}})
	}
	unchanged("failing batch, new table", func() error { return fw.Apply(good) }, nil)
	fw.beforeFlush = nil
	if err := fw.Apply(good); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	fw.beforeFlush = func(c *nftables.Conn, table *nftables.Table) {
		c.DelTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: "missing"})
	}
	// This one would also replace 10.99.0.2 by the network containing it.
	next := Plan{Targets: []action.Target{network(action.Drop, "10.99.0.0/30"), host(action.NoTrack, "10.99.0.3"), action.Service(model.ProtoUDP, 53)}}
	unchanged("failing batch, existing table", func() error { return fw.Apply(next) }, nil)
	fw.beforeFlush = nil
	if got, err := fw.List(); err != nil || len(got) != 1 || got[0].Target != host(action.Drop, "10.99.0.2") {
		t.Fatalf("List = %+v, %v; want only 10.99.0.2", got, err)
	}
}

// withoutCttop returns an `nft list ruleset` output without table inet cttop.
func withoutCttop(ruleset string) string {
	var b strings.Builder
	skip := false
	for line := range strings.SplitAfterSeq(ruleset, "\n") {
		if strings.HasPrefix(line, "table ") {
			skip = strings.HasPrefix(line, "table inet "+TableName+" {")
		}
		if !skip {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestKernelOtherTablesUntouched checks that Apply, List and Remove leave
// every other table byte for byte as it was, including tables of other
// families with the same chain names and a table with a similar name.
func TestKernelOtherTablesUntouched(t *testing.T) {
	ns := netnstest.New(t)
	ns.NFT(t, `table ip filter {
	set blocked4 { type ipv4_addr; flags interval; elements = { 192.0.2.0/24 } }
	chain prerouting { type filter hook prerouting priority raw; policy accept; ip saddr @blocked4 drop; }
	chain input { type filter hook input priority filter; policy accept; ct state established accept; }
}
table inet cttop2 { chain output { type filter hook output priority raw; notrack; }; }
table ip6 cttop { chain input { type filter hook input priority 0; ip6 saddr ::1 accept; }; }`)
	before := ns.Run(t, "nft", "list", "ruleset")
	fw := openFW(t, ns)
	for _, g := range goldenPlans {
		if err := fw.Apply(g.plan); err != nil {
			t.Fatalf("%s: Apply: %v", g.name, err)
		}
	}
	entries, err := fw.List()
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, e := range entries {
		if err := fw.Remove(e.Target); err != nil {
			t.Fatalf("Remove(%s): %v", e.Target, err)
		}
	}
	after := ns.Run(t, "nft", "list", "ruleset")
	if withoutCttop(after) != before {
		t.Fatalf("other tables changed:\nbefore\n%s\nafter\n%s", before, after)
	}
	if got, err := fw.List(); err != nil || len(got) != 0 {
		t.Fatalf("List after removing all = %+v, %v", got, err)
	}
}

// TestKernelListRoundTrip applies targets of every kind, including the
// ends of the address spaces, and reads them back with List.
func TestKernelListRoundTrip(t *testing.T) {
	ns := netnstest.New(t)
	fw := openFW(t, ns)
	targets := []action.Target{
		host(action.Drop, "0.0.0.1"), network(action.Drop, "10.0.0.0/8"), network(action.Drop, "10.99.0.0/31"), host(action.Drop, "255.255.255.255"),
		network(action.Drop, "2001:db8::/32"), network(action.Drop, "ffff::/16"),
		network(action.NoTrack, "192.0.2.0/24"), network(action.NoTrack, "192.0.3.0/24"), host(action.NoTrack, "::"),
		action.Service(model.ProtoTCP, 1), action.Service(model.ProtoUDPLite, 65535),
	}
	// 10.99.0.0/31 is inside 10.0.0.0/8: apply it first, apart.
	if err := fw.Apply(Plan{Targets: []action.Target{targets[2]}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	rest := slices.Delete(slices.Clone(targets), 2, 3)
	if err := fw.Apply(Plan{Targets: rest, Duration: 2 * time.Hour}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	got, err := fw.List()
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var gotTargets []action.Target
	for _, e := range got {
		gotTargets = append(gotTargets, e.Target)
		if e.Timeout != 2*time.Hour || e.Expires <= time.Hour || e.Expires > 2*time.Hour {
			t.Errorf("%s: timeout %v, expires %v; want 2h, about 2h", e.Target, e.Timeout, e.Expires)
		}
	}
	// 10.0.0.0/8 replaced 10.99.0.0/31, 192.0.2.0/24 and 192.0.3.0/24
	// merged into their /23; List sorts by set, then address.
	want := []action.Target{
		host(action.Drop, "0.0.0.1"), network(action.Drop, "10.0.0.0/8"), host(action.Drop, "255.255.255.255"),
		network(action.Drop, "2001:db8::/32"), network(action.Drop, "ffff::/16"),
		network(action.NoTrack, "192.0.2.0/23"), host(action.NoTrack, "::"),
		action.Service(model.ProtoTCP, 1), action.Service(model.ProtoUDPLite, 65535),
	}
	if !slices.Equal(gotTargets, want) {
		t.Fatalf("List =\n%v\nwant\n%v", gotTargets, want)
	}

	// An address inside a blocked network is an overlap, and not removable.
	if err := fw.Apply(Plan{Targets: []action.Target{host(action.Drop, "10.1.2.3")}}); !errors.Is(err, ErrOverlap) {
		t.Errorf("Apply(inside a network) = %v, want ErrOverlap", err)
	}
	if err := fw.Remove(host(action.Drop, "10.1.2.3")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove(inside a network) = %v, want ErrNotFound", err)
	}
	for _, tg := range want {
		if err := fw.Remove(tg); err != nil {
			t.Fatalf("Remove(%s): %v", tg, err)
		}
	}
	if got, err := fw.List(); err != nil || len(got) != 0 {
		t.Fatalf("List after removing all = %v, %v", got, err)
	}
}

// TestKernelListByHand checks that List reads ranges added by hand with
// nft as the prefixes that cover them.
func TestKernelListByHand(t *testing.T) {
	ns := netnstest.New(t)
	if out, err := nftLoad(ns, goldenPlans[0].plan.NFT(), false); err != nil {
		t.Fatalf("nft -f: %v\n%s", err, out)
	}
	ns.Run(t, "nft", "add", "element", "inet", TableName, SetNoTrack4, "{ 10.0.0.1-10.0.0.6 timeout 1m }")
	got, err := openFW(t, ns).List()
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var gotTargets []string
	for _, e := range got {
		gotTargets = append(gotTargets, e.Target.String())
		// The range's count is not any one prefix's: unknown.
		if e.Counter.Known != (e.Target.Action == action.Drop) {
			t.Errorf("%s: counter known %v", e.Target, e.Counter.Known)
		}
	}
	want := []string{"drop from 10.99.0.2", "notrack from and to 10.0.0.1", "notrack from and to 10.0.0.2/31", "notrack from and to 10.0.0.4/31", "notrack from and to 10.0.0.6"}
	if !slices.Equal(gotTargets, want) {
		t.Fatalf("List = %q, want %q", gotTargets, want)
	}
}

// TestKernelIPTables runs the generated iptables commands in a namespace,
// then the commented commands that remove them.
func TestKernelIPTables(t *testing.T) {
	netnstest.Require(t, "iptables", "ip6tables")
	ns := netnstest.New(t)
	for _, g := range goldenPlans {
		text := g.plan.IPTables()
		run := func(script string) {
			cmd := ns.Command("sh", "-e", "-s")
			cmd.Stdin = strings.NewReader(script)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s\nscript:\n%s", g.name, err, out, script)
			}
		}
		run(text)
		var removal []string
		for line := range strings.SplitSeq(text, "\n") {
			if cmd, ok := strings.CutPrefix(line, "#   "); ok {
				removal = append(removal, cmd)
			}
		}
		run(strings.Join(removal, "\n"))
	}
}

// TestKernelPermission drops CAP_NET_ADMIN on one thread and checks that
// Open says what is missing.
func TestKernelPermission(t *testing.T) {
	ns := netnstest.New(t)
	err := inNS(t, ns, func() error {
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capget(&hdr, &data[0]); err != nil {
			return err
		}
		data[0].Effective &^= 1 << unix.CAP_NET_ADMIN
		if err := unix.Capset(&hdr, &data[0]); err != nil {
			return err
		}
		fw, err := Open(0)
		if err == nil {
			fw.Close()
			return errors.New("Open succeeded without CAP_NET_ADMIN")
		}
		if !errors.Is(err, ErrPermission) || !strings.Contains(err.Error(), "cttop needs CAP_NET_ADMIN (run as root)") {
			return fmt.Errorf("Open = %v, want ErrPermission", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestKernelConcurrent runs Apply, List and Remove from several goroutines.
func TestKernelConcurrent(t *testing.T) {
	ns := netnstest.New(t)
	fw := openFW(t, ns)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			tg := action.Host(action.Drop, netip.AddrFrom4([4]byte{10, 98, 0, byte(i + 1)}))
			for range 5 {
				if err := fw.Apply(Plan{Targets: []action.Target{tg}, Duration: time.Minute}); err != nil {
					t.Errorf("Apply: %v", err)
				}
				if _, err := fw.List(); err != nil {
					t.Errorf("List: %v", err)
				}
			}
			if err := fw.Remove(tg); err != nil {
				t.Errorf("Remove: %v", err)
			}
		})
	}
	wg.Wait()
	if got, err := fw.List(); err != nil || len(got) != 0 {
		t.Fatalf("List = %v, %v; want empty", got, err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := fw.List(); !errors.Is(err, ErrClosed) {
		t.Fatalf("List after Close = %v, want ErrClosed", err)
	}
}

// TestKernelExpiry checks that the kernel removes an entry when its timeout
// runs out, interval end included: the same address and a network around
// it can be applied afterwards.
func TestKernelExpiry(t *testing.T) {
	ns := netnstest.New(t)
	fw := openFW(t, ns)
	if err := fw.Apply(Plan{Targets: []action.Target{host(action.Drop, "10.99.0.2"), host(action.NoTrack, "2001:db8::2")}, Duration: time.Second}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := fw.List()
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if len(got) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("entries did not expire: %+v", got)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := fw.Apply(Plan{Targets: []action.Target{host(action.Drop, "10.99.0.2")}, Duration: time.Hour}); err != nil {
		t.Fatalf("Apply after expiry: %v", err)
	}
	if err := fw.Apply(Plan{Targets: []action.Target{network(action.Drop, "10.99.0.0/24"), network(action.NoTrack, "2001:db8::/64")}}); err != nil {
		t.Fatalf("Apply of networks after expiry: %v", err)
	}
	got, err := fw.List()
	if err != nil || len(got) != 2 || got[0].Target != network(action.Drop, "10.99.0.0/24") || got[1].Target != network(action.NoTrack, "2001:db8::/64") {
		t.Fatalf("List = %+v, %v", got, err)
	}
}
