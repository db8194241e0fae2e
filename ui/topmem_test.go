package ui

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/model"
)

// heapInUse returns the Go heap in use after a collection: what is
// retained, not the garbage the collector has not returned yet.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// topViewBudget is the Go heap the top view may add to the flows view's,
// per group, at a million flows from as many sources (a million groups
// by source), whatever groupings were tried before; per distinct address
// for the heavy-hitter prefixes (key 6). See model's
// TestGroupsMemoryBudget for the groups alone.
// Measured: 73 bytes a group, 96 an address, 0.3 MB for a few
// groups; before the groups' tallies, 231-474, 243 and 0.2.
const (
	topViewBudget     = 100.0
	topAddressBudget  = 128.0
	topFewGroupBudget = 8 << 20
)

// TestTopViewMemoryBudget walks the top view's keys as a newcomer did at a
// million flows from as many sources (a tenth IPv6) on an 80x24 terminal:
// Tab, every grouping (1-6), the prefix steps, NEW/s order, back to the
// sources, each answered and its groups counted. The heap the top view
// holds beyond the flows view's stays within topViewBudget a group (and
// topAddressBudget an address for key 6), and a grouping of a few groups
// holds a few MB: no grouping keeps what the one before it built.
func TestTopViewMemoryBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a million flows")
	}
	const n = 1_000_000
	r := rand.New(rand.NewPCG(7, 7))
	at := time.Unix(1_700_000_000, 0)
	sn := &model.Snapshot{}
	for i := range n {
		f := spoofedFlow(r, uint32(i+1), uint32(at.Unix()))
		sn.Add(&f, nil)
	}
	m := New(Config{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(BatchMsg{&model.Batch{Time: at, Snapshot: sn, Stats: floodStats(n),
		Info: model.SourceInfo{EventMode: model.EventsOn}}})
	sn = nil
	settle(m)
	m.View()
	base := heapInUse()
	t.Logf("flows view: %.1f MB, %.1f B a flow", float64(base)/1e6, float64(base)/n)
	var first float64
	for i, k := range []string{"tab", "2", "3", "4", "5", "6", "1", "[", "[", "]", "]", ">", ">", "1"} {
		m.Update(benchKey(k))
		settle(m)
		m.View()
		held := float64(heapInUse()) - float64(base)
		rows, gr := m.groups.Len(), m.groups.Grouping()
		switch {
		case gr.Auto:
			per := held / float64(m.groups.Addresses())
			t.Logf("%-3s %-9s %7d rows, %6.1f MB, %5.1f B an address", k, gr, rows, held/1e6, per)
			if per > topAddressBudget {
				t.Errorf("key %s (%s): %.1f bytes an address, over the budget of %.0f", k, gr, per, topAddressBudget)
			}
		case rows < 100:
			t.Logf("%-3s %-9s %7d rows, %6.1f MB", k, gr, rows, held/1e6)
			if held > topFewGroupBudget {
				t.Errorf("key %s (%s): %d rows hold %.1f MB, over %d MB", k, gr, rows, held/1e6, topFewGroupBudget>>20)
			}
		default:
			per := held / float64(rows)
			t.Logf("%-3s %-9s %7d rows, %6.1f MB, %5.1f B a group", k, gr, rows, held/1e6, per)
			if rows > n/2 && per > topViewBudget {
				t.Errorf("key %s (%s): %.1f bytes a group, over the budget of %.0f", k, gr, per, topViewBudget)
			}
			// Back at the sources, within the room a slice grown
			// by append keeps (a quarter): no grouping's memory is
			// kept beside them.
			if i == 0 {
				first = per
			} else if gr == model.Plain(model.BySrc) && per > first*1.25 {
				t.Errorf("back to src after every grouping: %.1f bytes a group, %.1f after Tab", per, first)
			}
		}
	}
	runtime.KeepAlive(m)
}
