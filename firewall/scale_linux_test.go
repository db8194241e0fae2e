package firewall

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/internal/netnstest"
)

// Kernel tests of large plans: what Apply reports must be what the kernel
// did, and the kernel's set must hold exactly the plan's addresses.

// nftSetElem is one element of `nft -j list set`: an address, a prefix or
// a range, with its timeout and counter.
type nftSetElem struct {
	first, last netip.Addr
	timeout     time.Duration
	counter     *struct{ Packets, Bytes uint64 }
}

// nftListSet reads a set of table inet cttop with `nft -j list set`, so
// the test does not trust the code under test to read it back.
func nftListSet(t *testing.T, ns *netnstest.NS, set string) []nftSetElem {
	t.Helper()
	var doc struct {
		Nftables []struct {
			Set *struct {
				Elem []json.RawMessage `json:"elem"`
			} `json:"set"`
		} `json:"nftables"`
	}
	out := ns.Run(t, "nft", "-j", "list", "set", "inet", TableName, set)
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("nft -j list set: %v", err)
	}
	var elems []nftSetElem
	for _, o := range doc.Nftables {
		if o.Set == nil {
			continue
		}
		for _, raw := range o.Set.Elem {
			elems = append(elems, parseNFTElem(t, raw))
		}
	}
	return elems
}

// parseNFTElem parses "10.0.0.1", {"prefix": ...}, {"range": [...]} or
// {"elem": {"val": ..., "timeout": s, "counter": {...}}}.
func parseNFTElem(t *testing.T, raw json.RawMessage) nftSetElem {
	t.Helper()
	var s string
	if json.Unmarshal(raw, &s) == nil {
		a := netip.MustParseAddr(s)
		return nftSetElem{first: a, last: a}
	}
	var o struct {
		Prefix *struct {
			Addr string `json:"addr"`
			Len  int    `json:"len"`
		} `json:"prefix"`
		Range []string `json:"range"`
		Elem  *struct {
			Val     json.RawMessage                  `json:"val"`
			Timeout int64                            `json:"timeout"`
			Counter *struct{ Packets, Bytes uint64 } `json:"counter"`
		} `json:"elem"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("nft element %s: %v", raw, err)
	}
	switch {
	case o.Prefix != nil:
		p := netip.PrefixFrom(netip.MustParseAddr(o.Prefix.Addr), o.Prefix.Len)
		return nftSetElem{first: p.Addr(), last: lastAddr(p)}
	case len(o.Range) == 2:
		return nftSetElem{first: netip.MustParseAddr(o.Range[0]), last: netip.MustParseAddr(o.Range[1])}
	case o.Elem != nil:
		e := parseNFTElem(t, o.Elem.Val)
		e.timeout = time.Duration(o.Elem.Timeout) * time.Second
		e.counter = o.Elem.Counter
		return e
	}
	t.Fatalf("nft element %s: unknown form", raw)
	return nftSetElem{}
}

// covered returns the addresses the elements cover, counting each once
// per element (so overlapping elements show as duplicates).
func covered(t *testing.T, elems []nftSetElem) []netip.Addr {
	t.Helper()
	var out []netip.Addr
	for _, e := range elems {
		for a := e.first; ; a = a.Next() {
			out = append(out, a)
			if len(out) > 1<<22 {
				t.Fatalf("set covers more than %d addresses", 1<<22)
			}
			if a == e.last {
				break
			}
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// randomAddrs returns n distinct IPv4 addresses drawn with a fixed seed.
func randomAddrs(n int, seed uint64) []netip.Addr {
	r := rand.New(rand.NewPCG(seed, seed))
	seen := map[netip.Addr]bool{}
	var out []netip.Addr
	for len(out) < n {
		a := netip.AddrFrom4([4]byte{byte(1 + r.IntN(222)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// prefixAddrs returns every address of p, in order.
func prefixAddrs(p netip.Prefix) []netip.Addr {
	var out []netip.Addr
	for a := p.Addr(); p.Contains(a); a = a.Next() {
		out = append(out, a)
	}
	return out
}

// TestKernelApplyMany applies 300, 1,000 and 10,000 targets in one plan,
// random addresses and all addresses of one /18: each Apply reports
// success, and the kernel's set (read with nft -j) covers exactly the
// plan's addresses, each once, with the plan's timeout; the /18 is one
// element.
func TestKernelApplyMany(t *testing.T) {
	slash18 := netip.MustParsePrefix("198.18.0.0/18")
	cases := []struct {
		name  string
		addrs []netip.Addr
		elems int // elements nft lists; 0: any
	}{
		{"random 300", randomAddrs(300, 1), 0},
		{"random 1000", randomAddrs(1000, 2), 0},
		{"random 10000", randomAddrs(10000, 3), 0},
		{"one /18 (16384)", prefixAddrs(slash18), 1},
		// 198.18.0.0 to 198.18.1.43: a /24, a /27, a /29 and a /30.
		{"first 300 of a /18", prefixAddrs(slash18)[:300], 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := netnstest.New(t)
			fw := openFW(t, ns)
			p := Plan{Duration: time.Hour}
			for _, a := range tc.addrs {
				p.Targets = append(p.Targets, action.Host(action.Drop, a))
			}
			start := time.Now()
			if err := fw.Apply(p); err != nil {
				t.Fatalf("Apply(%d targets) = %v", len(p.Targets), err)
			}
			t.Logf("Apply of %d targets: %v", len(p.Targets), time.Since(start))
			elems := nftListSet(t, ns, SetBlocked4)
			want := slices.SortedFunc(slices.Values(tc.addrs), netip.Addr.Compare)
			if got := covered(t, elems); !slices.Equal(got, want) {
				t.Fatalf("set covers %d addresses, want the plan's %d exactly", len(got), len(want))
			}
			if tc.elems != 0 && len(elems) != tc.elems {
				t.Errorf("set has %d elements, want %d merged prefixes", len(elems), tc.elems)
			}
			for _, e := range elems {
				if e.timeout != time.Hour {
					t.Fatalf("element %s-%s has timeout %v, want 1h", e.first, e.last, e.timeout)
				}
			}
			if n := len(nftListSet(t, ns, SetBlocked6)); n != 0 {
				t.Errorf("blocked6 has %d elements", n)
			}
		})
	}
}

// TestKernelApplyLostAcks makes the kernel's acknowledgements overflow a
// tiny receive buffer (the fault of issue 11, item 10): a batch the kernel
// committed is reported as applied, after reading the table back, and a
// batch it rejected is an *ApplyError that lists every target as not in.
func TestKernelApplyLostAcks(t *testing.T) {
	ns := netnstest.New(t)
	fw := openFW(t, ns)
	fw.recvBuf = 1 // the kernel's minimum: room for about two acknowledgements
	p := Plan{Duration: time.Hour}
	for _, a := range randomAddrs(3000, 4) {
		p.Targets = append(p.Targets, action.Host(action.Drop, a))
	}
	if err := fw.Apply(p); err != nil {
		t.Fatalf("Apply with lost acknowledgements = %v, want nil (the batch was committed)", err)
	}
	if got := covered(t, nftListSet(t, ns, SetBlocked4)); len(got) != 3000 {
		t.Fatalf("set covers %d addresses, want 3000", len(got))
	}

	// A batch the kernel rejects at its last message, acknowledgements
	// lost or not: nothing new is in.
	next := Plan{Targets: []action.Target{host(action.Drop, "192.0.2.1"), host(action.NoTrack, "192.0.2.2"), p.Targets[0]}, Duration: 2 * time.Hour}
	for _, recv := range []int{1, 0} {
		fw.recvBuf = recv
		fw.beforeFlush = func(c *nftables.Conn, table *nftables.Table) {
			missing := &nftables.Set{Table: table, Name: "missing", KeyType: nftables.TypeIPAddr}
			_ = c.SetAddElements(missing, []nftables.SetElement{{Key: []byte{192, 0, 2, 1}}})
		}
		err := fw.Apply(next)
		var ae *ApplyError
		if !errors.As(err, &ae) || len(ae.In) != 0 || len(ae.NotIn) != 3 || len(ae.Unknown) != 0 {
			t.Fatalf("recv buffer %d: Apply = %v (%+v), want an ApplyError with 3 targets not in", recv, err, ae)
		}
		t.Logf("recv buffer %d: %v", recv, err)
	}
}

// BenchmarkKernelApply measures one Apply of n random addresses into an
// empty table, and List of the n entries back, in a namespace.
func BenchmarkKernelApply(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		p := Plan{Duration: time.Hour}
		for _, a := range randomAddrs(n, 5) {
			p.Targets = append(p.Targets, action.Host(action.Drop, a))
		}
		b.Run(fmt.Sprintf("apply_%d", n), func(b *testing.B) {
			ns := netnstest.New(b)
			fw, err := Open(int(ns.Open(b).Fd()))
			if err != nil {
				b.Fatal(err)
			}
			defer fw.Close()
			for b.Loop() {
				b.StopTimer()
				ns.NFT(b, "add table inet cttop\ndelete table inet cttop")
				b.StartTimer()
				if err := fw.Apply(p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("list_%d", n), func(b *testing.B) {
			ns := netnstest.New(b)
			fw, err := Open(int(ns.Open(b).Fd()))
			if err != nil {
				b.Fatal(err)
			}
			defer fw.Close()
			if err := fw.Apply(p); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if es, err := fw.List(); err != nil || len(es) != n {
					b.Fatalf("List: %d entries, %v", len(es), err)
				}
			}
		})
	}
}

// envKillHelper names the namespace in which TestKernelApplyKilled's
// helper process applies its plan: the test binary, started with it set,
// runs killHelper instead of the tests.
const envKillHelper = "CTTOP_FIREWALL_KILL_HELPER"

func init() {
	if path := os.Getenv(envKillHelper); path != "" {
		os.Exit(killHelper(path))
	}
}

// killHelper applies 10,000 addresses in the namespace at path, saying
// "applying" on stdout first.
func killHelper(path string) int {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fw, err := Open(int(f.Fd()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	p := Plan{Duration: time.Hour}
	for _, a := range randomAddrs(10000, 6) {
		p.Targets = append(p.Targets, action.Host(action.Drop, a))
	}
	fmt.Println("applying")
	if err := fw.Apply(p); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestKernelApplyKilled kills a process with SIGKILL at moments spread
// over its Apply of 10,000 addresses: every time, the kernel's set holds
// all of them or none.
func TestKernelApplyKilled(t *testing.T) {
	ns := netnstest.New(t)
	counts := map[int]int{}
	for i := range 12 {
		ns.NFT(t, "add table inet cttop\ndelete table inet cttop")
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), envKillHelper+"="+ns.Path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until it starts applying, then kill it 0 to 220 ms later
		// (Apply takes 60 to 200 ms here, depending on the load).
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
			t.Fatalf("helper: %v", err)
		}
		time.Sleep(time.Duration(i*20) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		n := 0
		if slices.Contains(strings.Split(ns.Run(t, "nft", "list", "tables"), "\n"), "table inet "+TableName) {
			n = len(covered(t, nftListSet(t, ns, SetBlocked4)))
		}
		if n != 0 && n != 10000 {
			t.Fatalf("killed %d ms into Apply: the set holds %d of 10000 addresses", i*20, n)
		}
		counts[n]++
	}
	t.Logf("12 kills: %d left none, %d left all 10000", counts[0], counts[10000])
}
