package filter

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

// randomTargets returns n targets: addresses of some of flows (so that some
// flows match), random addresses, and prefixes of random lengths, of both
// families.
func randomTargets(r *rand.Rand, flows []model.Flow, n int) []action.Target {
	var ts []action.Target
	for range n {
		f := &flows[r.IntN(len(flows))]
		a := f.Orig.Src.In(f.Family)
		if r.IntN(3) == 0 {
			f = &flows[r.IntN(len(flows))]
			a = f.Reply.Dst.In(f.Family)
		}
		bits := a.BitLen()
		if r.IntN(4) == 0 { // a prefix
			if a.Is4() {
				bits = 8 + r.IntN(25)
			} else {
				bits = 16 + r.IntN(113)
			}
		}
		ts = append(ts, action.Source(action.Drop, netip.PrefixFrom(a, bits).Masked()))
	}
	return ts
}

// TestAddrSetSameAsTests: a filter whose address tests were gathered into
// sets matches exactly the flows its expression tree does, test by test,
// for Targets, AnyOfKeys and parsed "or"s of every direction, next to
// other tests and under negation.
func TestAddrSetSameAsTests(t *testing.T) {
	flows := benchFlows(20000)
	r := rand.New(rand.NewPCG(1, 2))
	var filters []*Filter
	for _, n := range []int{minAddrSet - 1, minAddrSet, 100, 2000} {
		filters = append(filters, Targets(randomTargets(r, flows, n)))
		var keys []model.GroupKey
		for range n {
			f := &flows[r.IntN(len(flows))]
			keys = append(keys, model.GroupKey{By: model.BySrc, Addr: f.Orig.Src}, model.GroupKey{By: model.ByDst, Addr: f.Orig.Dst})
		}
		filters = append(filters, AnyOfKeys(keys))
	}
	for _, dir := range []string{"src ", "dst ", "", "src or dst ", "src and dst "} {
		var terms []string
		for _, tg := range randomTargets(r, flows, 40) {
			terms = append(terms, dir+"net "+tg.Addr.String())
		}
		for _, expr := range []string{
			strings.Join(terms, " or "),
			"not (" + strings.Join(terms, " or ") + ")",
			"tcp and (" + strings.Join(terms, " or ") + ") or port 53",
		} {
			f, err := Parse(expr)
			if err != nil {
				t.Fatalf("%.60s...: %v", expr, err)
			}
			filters = append(filters, f)
		}
	}
	sets := 0
	for _, f := range filters {
		for _, in := range f.prog {
			if in.op == opAddrSet {
				sets++
			}
		}
		matched := 0
		for i := range flows {
			got, want := f.Match(&flows[i], nil), evalNode(f.root, &flows[i], nil)
			if got != want {
				t.Fatalf("%.80s...: flow %d (%s -> %s): compiled %v, tree %v", f, i, flows[i].Orig.Src.StringIn(flows[i].Family), flows[i].Orig.Dst.StringIn(flows[i].Family), got, want)
			}
			if got {
				matched++
			}
		}
		t.Logf("%5d instructions, %5d of %d flows: %.60s", len(f.prog), matched, len(flows), f)
	}
	if sets == 0 {
		t.Fatal("no address set was gathered: the test compares nothing")
	}
}

// TestAddrSetSmall: below minAddrSet address tests stay tests, and the
// program of many is short.
func TestAddrSetSmall(t *testing.T) {
	flows := benchFlows(1000)
	r := rand.New(rand.NewPCG(3, 4))
	small := Targets(randomTargets(r, flows, minAddrSet-1))
	for _, in := range small.prog {
		if in.op == opAddrSet {
			t.Fatalf("%d targets gathered into a set", minAddrSet-1)
		}
	}
	var ts []action.Target
	for i := range 10000 {
		ts = append(ts, action.Host(action.Drop, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})))
	}
	if big := Targets(ts); len(big.prog) != 1 {
		t.Fatalf("10,000 IPv4 hosts compile to %d instructions, want 1 set", len(big.prog))
	}
}

// BenchmarkTargets1M matches the filter of n blocked sources (Targets:
// addresses of the table's sources, and /24s) against a million flows.
// The linear cases compile without sets, as before they existed: one test
// per target for every flow.
func BenchmarkTargets1M(b *testing.B) {
	const n = 1_000_000
	flows := benchFlows(n)
	r := rand.New(rand.NewPCG(5, 6))
	targets := func(k, bits int) []action.Target {
		var ts []action.Target
		for range k {
			f := &flows[r.IntN(n)]
			a := f.Orig.Src.In(f.Family)
			if a.Is4() && bits < 32 {
				ts = append(ts, action.Source(action.Drop, netip.PrefixFrom(a, bits).Masked()))
			} else {
				ts = append(ts, action.Host(action.Drop, a))
			}
		}
		return ts
	}
	for _, c := range []struct {
		name   string
		ts     []action.Target
		linear bool
	}{
		{"hosts=10", targets(10, 32), false},
		{"hosts=2000", targets(2000, 32), false},
		{"hosts=2000/linear", targets(2000, 32), true},
		{"hosts=10000", targets(10000, 32), false},
		{"prefixes24=2000", targets(2000, 24), false},
	} {
		f := Targets(c.ts)
		if c.linear {
			var prog []insn
			emitFilter(&prog, f.root, progAccept, progReject)
			f = &Filter{expr: f.expr, root: f.root, prog: compileFilterProg(prog)}
		}
		b.Run(c.name, func(b *testing.B) {
			matched := 0
			for b.Loop() {
				matched = 0
				for i := range flows {
					if f.Match(&flows[i], nil) {
						matched++
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/flow")
			b.ReportMetric(100*float64(matched)/n, "%matched")
		})
	}
}
