package model

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// heapInUse returns the Go heap in use after a collection: what is
// retained, not the garbage the collector has not returned yet.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// settleGroups waits for a background rebuild of g and adopts it, as the
// top view's next frame does.
func settleGroups(g *Groups) {
	if counting, _ := g.Counting(); counting {
		<-g.Done()
		g.Counting()
	}
}

// groupsBudgetSteps are the groupings TestGroupsMemoryBudget goes through
// at 1,000,000 flows from as many sources, as a user trying the top view's
// keys does (by address, prefix, heavy prefixes, a key of a few groups, in
// both orders), each counted, before coming back to the sources (the ui's
// TestTopViewMemoryBudget presses every key).
var groupsBudgetSteps = []struct {
	name  string
	gr    Grouping
	order GroupOrder
}{
	{"src", Plain(BySrc), ByFlows},
	{"src/32", Grouping{By: BySrc, Bits4: 32, Bits6: 128}, ByNewRate},
	{"src/auto", Grouping{By: BySrc, Auto: true}, ByFlows},
	{"dport", Plain(ByDport), ByFlows},
	{"src/auto", Grouping{By: BySrc, Auto: true}, ByNewRate},
	{"state", Plain(ByState), ByNewRate},
	{"src", Plain(BySrc), ByFlows},
}

// Budgets of TestGroupsMemoryBudget, in bytes of Go heap the groups hold
// beyond the table's, at a million flows from as many sources: per group
// of a grouping by address (a million groups; 74 measured, 232 before the
// groups kept 56-byte tallies in an index of their own), per distinct
// address of the heavy-hitter prefixes (their trie; 97 measured, 410
// before, the sources' groups kept beside it), and in all for a grouping
// of a handful of groups (its NEW/s summaries, at most 6.3 MB, and nothing
// of the groupings before it; 1.2 MB measured, 246 before).
const (
	groupBudget    = 100.0
	addressBudget  = 128.0
	fewGroupBudget = 8 << 20
)

// TestGroupsMemoryBudget: the top view's groups at a million groups (a
// spoofed flood grouped by source) hold at most groupBudget bytes of heap
// a group, the heavy-hitter prefixes at most addressBudget an address, and
// a grouping keeps nothing of the one before it: after every grouping of
// the top view's keys, NEW/s tracked throughout, the sources' groups take
// what they took at first. Frames of events run between the groupings, so
// the index's and the list's room for churn is counted.
func TestGroupsMemoryBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("groups a million flows from as many sources")
	}
	const n = 1_000_000
	tab, flows := spoofedTable(n)
	r := rand.New(rand.NewPCG(3, 3))
	next := uint32(n + 1)
	now := t0
	frames := func(g *Groups, k int) {
		for range k {
			now = now.Add(100 * time.Millisecond)
			ch := tab.Apply(spoofedChurn(r, flows, &next, now, 10_000))
			if g != nil {
				g.Update(ch)
				g.Top(0, 40, nil)
			}
		}
	}
	frames(nil, 5) // the table's buffers for events, in the base
	base := heapInUse()
	g := NewGroups(tab)
	g.TrackNew(0)
	var first float64
	for i, s := range groupsBudgetSteps {
		g.SetGrouping(s.gr)
		g.SetOrder(s.order)
		settleGroups(g)
		frames(g, 5)
		settleGroups(g)
		held := float64(heapInUse()) - float64(base)
		rows := g.Len()
		switch {
		case s.gr.Auto:
			per := held / float64(g.Addresses())
			t.Logf("%-9s %4d rows, %6.1f MB, %5.1f B per address", s.name, rows, held/1e6, per)
			if per > addressBudget {
				t.Errorf("%s: %.1f bytes a distinct address, over the budget of %.0f", s.name, per, addressBudget)
			}
		case rows < 100:
			t.Logf("%-9s %4d rows, %6.1f MB", s.name, rows, held/1e6)
			if held > fewGroupBudget {
				t.Errorf("%s: %d rows hold %.1f MB, over the budget of %d MB: what the grouping before kept?", s.name, rows, held/1e6, fewGroupBudget>>20)
			}
		default:
			per := held / float64(rows)
			t.Logf("%-9s %7d rows, %6.1f MB, %5.1f B per group", s.name, rows, held/1e6, per)
			if rows > n/2 && per > groupBudget {
				t.Errorf("%s: %.1f bytes a group, over the budget of %.0f", s.name, per, groupBudget)
			}
			// Back at the sources, within the room a slice grown
			// by append keeps (a quarter): no grouping's memory is
			// kept beside them.
			if i == 0 {
				first = per
			} else if s.name == "src" && per > first*1.25 {
				t.Errorf("back to src after every grouping: %.1f bytes a group, %.1f at first", per, first)
			}
		}
	}
	runtime.KeepAlive(g)
	runtime.KeepAlive(tab)
}
