package model

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestGroupsInBackground rebuilds groupings in the background (plain ones
// and heavy prefixes), with and without a filter, on flows with and
// without counters, while batches change the table (flows updated,
// removed, added, slots reused): until the worker is released the groups
// say they are counting, with the matching flows at the pass; then they
// equal a synchronous rebuild, the first ranks of a plain grouping's order
// ranked by the worker, and stay equal as they follow later batches.
func TestGroupsInBackground(t *testing.T) {
	var groupings []Grouping
	for by := BySrc; by <= ByProto; by++ {
		groupings = append(groupings, Plain(by))
	}
	groupings = append(groupings, Grouping{By: BySrc, Auto: true}, Grouping{By: ByDst, Auto: true})
	for _, gr := range groupings {
		by := gr.By
		for _, m := range []Matcher{nil, dportIs(443)} {
			r := rand.New(rand.NewPCG(uint64(by), 5))
			tab, flows := loadTable(6000)
			next := uint32(len(flows) + 1)
			// Counters on a third of the flows.
			b := &Batch{Time: t0.Add(time.Second)}
			for i := 0; i < len(flows); i += 3 {
				flows[i].Attrs |= HasCounters
				b.Add(&Event{Type: EventUpdate, Flow: flows[i], Counters: Counters{OrigBytes: uint64(i), OrigPackets: 2}})
			}
			tab.Apply(b)

			g := NewGroups(tab)
			g.minBuild = 1000
			hold := make(chan struct{})
			g.hold = hold
			g.SetShare(0.01)
			g.SetGrouping(gr)
			g.SetFilter(m)
			counting, n := g.Counting()
			want := 0
			for s := int32(0); s < tab.Slots(); s++ {
				if f := tab.At(s); f.Family != 0 && (m == nil || m.Match(f, tab.ExtAt(s))) {
					want++
				}
			}
			// Without a filter the count is the table's at once; with one
			// it is unknown (-1) until the worker has read the table.
			if !counting || n != want && (m == nil || n != -1) {
				t.Fatalf("%v: counting %v with %d flows, want true with %d", gr, counting, n, want)
			}
			<-g.build.read
			if counting, n := g.Counting(); !counting || n != want {
				t.Fatalf("%v: counting %v with %d flows after the read, want true with %d", gr, counting, n, want)
			}
			now := t0.Add(time.Second)
			for round := 0; round < 3; round++ {
				now = now.Add(time.Second)
				g.Update(tab.Apply(churn(r, flows, &next, now, 900)))
				if counting, _ := g.Counting(); !counting {
					t.Fatalf("%v: not counting before the worker ran", gr)
				}
			}
			close(hold)
			<-g.Done()
			if counting, _ := g.Counting(); counting {
				t.Fatalf("%v: still counting after the worker ended", gr)
			}
			if !gr.Auto && (!g.head.ok || len(g.head.idx) == 0) {
				t.Fatalf("%v: adopted without the worker's first %d ranks", gr, len(g.head.idx))
			}
			check := func(when string) {
				t.Helper()
				fresh := NewGroups(tab)
				fresh.SetShare(0.01)
				fresh.SetGrouping(gr)
				fresh.SetFilter(m)
				got, exp := g.Top(0, g.Len(), nil), fresh.Top(0, fresh.Len(), nil)
				if !slices.Equal(got, exp) || g.Matched() != fresh.Matched() {
					t.Fatalf("%v filter=%v %s: %d groups of %d flows, a synchronous rebuild %d of %d",
						gr, m, when, len(got), g.Matched(), len(exp), fresh.Matched())
				}
			}
			check("after adopting")
			now = now.Add(time.Second)
			g.Update(tab.Apply(churn(r, flows, &next, now, 900)))
			check("after a later batch")
		}
	}
}
