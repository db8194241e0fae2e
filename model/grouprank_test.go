package model

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// sortedRows returns every row of g sorted from scratch in the order's
// direction (asc: fewest flows first, ties by key ascending either way):
// what Top must agree with.
func sortedRows(g *Groups, asc bool) []Group {
	g.ensure()
	var all []Group
	for i := range g.list {
		all = append(all, g.list[i].row(&g.mixes))
	}
	slices.SortFunc(all, func(a, b Group) int {
		c := cmp.Compare(b.Flows, a.Flows)
		if asc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return compareGroupKeys(&a.Key, &b.Key)
	})
	return all
}

// TestSelectRanks selects the first ranks of each window's order from
// groups in random order, in the order and against it (a table filled in
// address order), with many ties, and compares them with a sort.
func TestSelectRanks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	for _, order := range []string{"random", "ascending", "descending"} {
		list := make([]groupRec, 20_000)
		for i := range list {
			a := addr("10.0.0.0")
			a[13], a[14], a[15] = byte(i>>16), byte(i>>8), byte(i)
			list[i] = groupRec{key: GroupKey{By: BySrc, Family: IPv4, Addr: a}}
			list[i].flows = int32(1 + r.IntN(3))
		}
		switch order {
		case "random":
			r.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		case "descending":
			slices.Reverse(list)
		}
		for _, asc := range []bool{false, true} {
			var want [2][]int32
			for j, last := range []bool{false, true} {
				for i := range list {
					want[j] = append(want[j], int32(i))
				}
				slices.SortFunc(want[j], func(a, b int32) int { return winCompare(list, last, asc, a, b) })
			}
			for _, k := range [][2]int{{1, 1}, {7, 0}, {0, 128}, {128, 700}, {6000, 6000}} {
				got := selectRanks(list, asc, k, k[0]%2 == 0)
				for j := range got {
					if !slices.Equal(got[j], want[j][:k[j]]) {
						t.Fatalf("%s, asc %v, k %v, window %d: selected %v..., want %v...",
							order, asc, k, j, got[j][:min(5, len(got[j]))], want[j][:min(5, k[j])])
					}
				}
			}
		}
	}
}

// TestRankingWindows follows a grouping through churn in both directions,
// asking for rows near the first ranks, near the last (End) and between,
// and compares them, and the ranks Rank gives, with a sort from scratch
// each time; the window not asked for is selected aside meanwhile, and
// the batches wait for it (go test -race).
func TestRankingWindows(t *testing.T) {
	for _, gr := range []Grouping{Plain(BySrc), {By: BySrc, Bits4: 24, Bits6: 64}, Plain(ByDport)} {
		for _, asc := range []bool{false, true} {
			r := rand.New(rand.NewPCG(11, uint64(gr.Bits4)))
			tab, flows := loadTable(4000)
			next := uint32(len(flows) + 1)
			g := NewGroups(tab)
			g.SetGrouping(gr)
			g.SetReversed(asc)
			g.minAside = 200 // the other window selected aside, while batches come
			for round := 0; round < 60; round++ {
				g.Update(tab.Apply(churn(r, flows, &next, t0.Add(time.Duration(round+1)*time.Second), 60)))
				want := sortedRows(g, asc)
				n := 1 + r.IntN(30)
				offs := []int{r.IntN(40), len(want) - n - r.IntN(40), r.IntN(len(want))}
				for _, off := range offs {
					off = min(max(off, 0), len(want))
					got := g.Top(off, n, nil)
					exp := want[off:min(off+n, len(want))]
					if !slices.EqualFunc(got, exp, groupEqual) {
						t.Fatalf("%v asc %v round %d, ranks %d+%d of %d: %v, want %v", gr, asc, round, off, n, len(want), keys(got), keys(exp))
					}
					if len(exp) > 0 {
						i := r.IntN(len(exp))
						if rk := g.Rank(exp[i].Key, off, off+n); rk != off+i {
							t.Fatalf("%v asc %v round %d: Rank of rank %d is %d", gr, asc, round, off+i, rk)
						}
					}
				}
			}
		}
	}
}

// TestLastRowsWithoutSort: the first rows of 60,000 groups in either
// order (r) are ranked in a pass, not a sort of every group, and the last
// ones (End) aside meanwhile; they are exact.
func TestLastRowsWithoutSort(t *testing.T) {
	tab := NewTable(0)
	sn := &Snapshot{}
	for i := 0; i < 60_000; i++ {
		a := addr("10.0.0.0")
		a[13], a[14], a[15] = byte(i>>16), byte(i>>8), byte(i)
		f := tcpFlow(uint32(i+1), "10.0.0.0", uint16(1000+i%50000), "198.51.100.1", 443)
		f.Orig.Src = a
		f.Reply = f.Orig.Inverse()
		sn.Add(&f, nil)
		if i%1000 == 0 { // some sources with more flows
			f.SetID(uint32(100_000 + i))
			f.Orig.SrcPort++
			f.Reply = f.Orig.Inverse()
			sn.Add(&f, nil)
		}
	}
	tab.Apply(&Batch{Time: t0, Snapshot: sn})
	g := NewGroups(tab)
	g.minBuild = 1 << 30
	g.minAside = 1000
	for _, asc := range []bool{false, true} {
		g.SetReversed(asc)
		want := sortedRows(g, asc)
		n := len(want)
		if got := g.Top(0, 20, nil); !slices.EqualFunc(got, want[:20], groupEqual) {
			t.Fatalf("asc %v: first rows %v, want %v", asc, keys(got), keys(want[:20]))
		}
		if g.aside == nil || g.tail.ok {
			t.Fatalf("asc %v: the last rows were not selected aside", asc)
		}
		if got := g.Top(n-20, 20, nil); !slices.EqualFunc(got, want[n-20:], groupEqual) {
			t.Fatalf("asc %v: last rows %v, want %v", asc, keys(got), keys(want[n-20:]))
		}
		for _, w := range g.wins() {
			if !w.ok || w.all || len(w.idx) > n/4 {
				t.Fatalf("asc %v: a window of %d ranks (all %v) of %d groups: a sort, not a pass", asc, len(w.idx), w.all, n)
			}
		}
		if rk := g.Rank(want[n-3].Key, n-20, n); rk != n-3 {
			t.Fatalf("asc %v: Rank of the third last %d", asc, rk)
		}
	}
}

// TestReversedByNewRate: reversed, the rows that created no flows come
// first, by flows ascending, and the rated ones last, fewest NEW/s first.
func TestReversedByNewRate(t *testing.T) {
	tab := NewTable(0)
	g := NewGroups(tab)
	g.TrackNew(0)
	g.SetOrder(ByNewRate)
	g.Len()
	id := uint32(0)
	batch := func(at time.Duration, srcs ...string) {
		b := &Batch{Time: t0.Add(at), Info: SourceInfo{EventMode: EventsOn}}
		for _, s := range srcs {
			id++
			b.Add(&Event{Type: EventNew, Flow: tcpFlow(id, s, uint16(id), "198.51.100.1", 443)})
		}
		g.Update(tab.Apply(b))
	}
	// Before the window: 10.0.0.1 three flows, 10.0.0.2 one, 10.0.0.3 two.
	batch(0, "10.0.0.1", "10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.3")
	// In it: 192.0.2.1 four new flows, 192.0.2.2 two.
	for i := 1; i <= 20; i++ {
		batch(time.Duration(i) * 100 * time.Millisecond)
	}
	batch(2100*time.Millisecond, "192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.2")
	batch(2200 * time.Millisecond)
	want := []string{"192.0.2.1=4", "192.0.2.2=2", "10.0.0.1=3", "10.0.0.3=2", "10.0.0.2=1"}
	if got := keys(g.Top(0, 10, nil)); !slices.Equal(got, want) {
		t.Fatalf("by NEW/s: %v, want %v", got, want)
	}
	g.SetReversed(true)
	slices.Reverse(want)
	if got := keys(g.Top(0, 10, nil)); !slices.Equal(got, want) {
		t.Fatalf("by NEW/s reversed: %v, want %v", got, want)
	}
	for off := range want {
		if got := keys(g.Top(off, 2, nil)); !slices.Equal(got, want[off:min(off+2, len(want))]) {
			t.Fatalf("by NEW/s reversed from rank %d: %v", off, got)
		}
	}
	if rk := g.Rank(GroupKey{By: BySrc, Family: IPv4, Addr: addr("192.0.2.2")}, 3, 5); rk != 3 {
		t.Fatalf("Rank of 192.0.2.2 reversed: %d", rk)
	}
}
