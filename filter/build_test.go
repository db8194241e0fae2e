package filter

import (
	"net/netip"
	"testing"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

// buildFlows are the flows the constructors are checked on. (Not
// filterFlows: its IPv4-mapped IPv6 flow and its TCP flow without a state
// fall between the groups' keys and their filters, a fault of the state
// and address model left to issue 10.)
func buildFlows() []model.Flow { return benchFlows(3000) }

// sameAsText checks that f's text parses to a filter that matches the same
// flows as f, and returns how many flows f matches.
func sameAsText(t *testing.T, f *Filter, flows []model.Flow) int {
	t.Helper()
	again, err := Parse(f.String())
	if err != nil {
		t.Fatalf("String() %q does not parse: %v", f, err)
	}
	n := 0
	for i := range flows {
		m := f.Match(&flows[i], nil)
		if m != again.Match(&flows[i], nil) {
			t.Fatalf("%q: the filter says %v for flow %d, its text %v", f, m, i, !m)
		}
		if m {
			n++
		}
	}
	return n
}

// TestKey checks that each top-view row's filter selects exactly the flows
// of its group, for every grouping, and agrees with its own text.
func TestKey(t *testing.T) {
	flows := buildFlows()
	tab := model.NewTable(len(flows))
	b := &model.Batch{Time: time.Unix(1_700_000_000, 0)}
	for i := range flows {
		flows[i].SetID(uint32(i + 1))
		b.Add(&model.Event{Type: model.EventNew, Flow: flows[i]})
	}
	tab.Apply(b)
	live := make([]model.Flow, 0, tab.Len())
	for s := int32(0); s < tab.Slots(); s++ {
		if tab.Live(s) {
			live = append(live, *tab.At(s))
		}
	}
	var groupings []model.Grouping
	for by := model.BySrc; by <= model.ByProto; by++ {
		groupings = append(groupings, model.Plain(by))
	}
	for _, s := range []string{"src/24", "dst/16,48", "src/32", "dst/8"} {
		gr, err := model.ParseGrouping(s)
		if err != nil {
			t.Fatal(err)
		}
		groupings = append(groupings, gr)
	}
	for _, gr := range groupings {
		t.Run(gr.String(), func(t *testing.T) {
			g := model.NewGroups(tab)
			g.SetGrouping(gr)
			groups := g.Top(0, g.Len(), nil)
			total := 0
			var keys []model.GroupKey
			for _, gr := range groups {
				total += gr.Flows
				if n := sameAsText(t, Key(gr.Key), live); n != gr.Flows {
					t.Fatalf("%s: filter %q matches %d flows, group has %d", gr.Key, Key(gr.Key), n, gr.Flows)
				}
				if len(keys) < 3 {
					keys = append(keys, gr.Key)
				}
			}
			if total != len(live) {
				t.Fatalf("groups hold %d flows, table %d", total, len(live))
			}
			want := 0
			for _, gr := range groups[:len(keys)] {
				want += gr.Flows
			}
			if n := sameAsText(t, AnyOfKeys(keys), live); n != want {
				t.Fatalf("AnyOfKeys(%v) %q matches %d flows, want %d", keys, AnyOfKeys(keys), n, want)
			}
		})
	}
}

func TestTargets(t *testing.T) {
	flows := buildFlows()
	src := flows[0].Orig.Src.In(flows[0].Family)
	targets := []action.Target{
		action.Host(action.Drop, src),
		action.Source(action.Drop, netip.MustParsePrefix("10.1.0.0/16")),
		action.Service(model.ProtoUDP, 53),
	}
	f := Targets(targets)
	if got, want := f.String(), "(src net "+src.String()+"/32) or (src net 10.1.0.0/16) or (udp dst port 53)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	want := 0
	for i := range flows {
		fl := &flows[i]
		m := fl.Orig.Src.In(fl.Family) == src || netip.MustParsePrefix("10.1.0.0/16").Contains(fl.Orig.Src.In(fl.Family)) ||
			fl.Proto == model.ProtoUDP && fl.Orig.DstPort == 53
		if m {
			want++
		}
		if f.Match(fl, nil) != m {
			t.Fatalf("flow %d: %v, want %v", i, !m, m)
		}
	}
	if n := sameAsText(t, f, flows); n != want || n == 0 {
		t.Fatalf("matched %d flows, want %d (and some)", n, want)
	}
}

func TestNoKeysNoTargets(t *testing.T) {
	flows := buildFlows()
	for _, f := range []*Filter{AnyOfKeys(nil), Targets(nil)} {
		if f.MatchesAll() {
			t.Fatalf("%q matches every flow", f)
		}
		if n := sameAsText(t, f, flows); n != 0 {
			t.Errorf("%q matches %d flows, want none", f, n)
		}
	}
}

// TestAnd checks the UI's drill-down: the current filter narrowed by a
// row's, whatever the current filter was, means "old and new" and parses.
func TestAnd(t *testing.T) {
	fl := filterFlows()
	add, err := Parse("src host 10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	for _, old := range []string{
		"tcp", "80", "10.0.0.0/8", "not tcp", "udp or icmp", "dst port 80 or 53",
		"src host 198.51.100.7 or 10.0.0.5", "!ip6", "unreplied || dying", "port 1-1024 and ip",
	} {
		t.Run(old, func(t *testing.T) {
			of, err := Parse(old)
			if err != nil {
				t.Fatal(err)
			}
			nf, err := And(of, add)
			if err != nil {
				t.Fatal(err)
			}
			if want := "(" + of.String() + ") and src host 10.1.2.3"; nf.String() != want {
				t.Errorf("String() = %q, want %q", nf, want)
			}
			for _, name := range filterFlowNames(fl) {
				x := fl[name]
				if want := of.Match(&x, nil) && add.Match(&x, nil); nf.Match(&x, nil) != want {
					t.Errorf("flow %s: drill-down %q = %v, want %v", name, nf, !want, want)
				}
			}
			var flows []model.Flow
			for _, x := range fl {
				flows = append(flows, x)
			}
			sameAsText(t, nf, flows)
		})
	}
	if f, err := And(nil, add); f != add || err != nil {
		t.Errorf("And(nil, f) = %v, %v; want f", f, err)
	}
	f := add
	for i := 0; i < maxFilterDepth; i++ {
		if f, err = And(f, add); err != nil {
			t.Fatalf("drill-down %d: %v", i+1, err)
		}
	}
	if _, err := Parse(f.String()); err != nil {
		t.Fatalf("%d drill-downs do not parse: %v", maxFilterDepth, err)
	}
	if _, err := And(f, add); err == nil {
		t.Fatalf("drill-down %d deep accepted", maxFilterDepth+1)
	}
}
