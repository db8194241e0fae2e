package model

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// heapOf returns the Go heap that a table of n random flows, its index and
// its sorted list hold when loaded and after ten frames of 10,000 events
// (their change lists and batch buffers in use). One flow in a hundred has
// a helper, so the side table of rare attributes is counted too.
func heapOf(n int) (loaded, steady uint64) {
	r := rand.New(rand.NewPCG(42, 42))
	flows := make([]Flow, 0, n)
	for i := 0; i < n; i++ {
		flows = append(flows, randFlow(r, uint32(i+1)))
	}
	x := &Ext{Helper: "ftp"}
	runtime.GC()
	var before, l1, l2 runtime.MemStats
	runtime.ReadMemStats(&before)
	tab := NewTable(0)
	for i := range flows {
		if i%100 == 0 {
			flows[i].Attrs |= HasHelper
			tab.InsertExt(&flows[i], &Counters{}, x)
			continue
		}
		tab.Insert(&flows[i], &Counters{})
	}
	l := NewList(tab)
	settleList(l)
	runtime.GC()
	runtime.ReadMemStats(&l1)
	next := uint32(n + 1)
	now := t0
	for i := 0; i < 10; i++ {
		now = now.Add(100 * time.Millisecond)
		l.Update(tab.Apply(churn(r, flows, &next, now, 10_000)))
		l.Len()
	}
	settleList(l)
	runtime.GC()
	runtime.ReadMemStats(&l2)
	runtime.KeepAlive(tab)
	runtime.KeepAlive(l)
	runtime.KeepAlive(flows)
	return l1.HeapAlloc - before.HeapAlloc, l2.HeapAlloc - before.HeapAlloc
}

// TestMemoryBudget: each flow without counters costs at most 160 bytes of
// Go heap in the table, its index and its sorted list (issue 10's budget;
// rare attributes live in a side table). The cost of a flow is the slope
// between two table sizes, so the fixed buffers of the event path (sized
// for 10,000 events, whatever the table) are not spread over the flows of
// a small table. BenchmarkBytesPerFlow reports the heap over a million
// flows, fixed buffers included.
func TestMemoryBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("fills tables of 50,000 and 150,000 flows")
	}
	const small, large = 50_000, 150_000
	const budget = 160.0
	ls, ss := heapOf(small)
	ll, sl := heapOf(large)
	for _, m := range []struct {
		name   string
		lo, hi uint64
	}{{"loaded", ls, ll}, {"steady", ss, sl}} {
		per := (float64(m.hi) - float64(m.lo)) / (large - small)
		t.Logf("%s: %.1f B/flow (%d B at %d flows, %d B at %d)", m.name, per, m.lo, small, m.hi, large)
		if per > budget {
			t.Errorf("%s: %.1f bytes of heap per flow, over the budget of %.0f", m.name, per, budget)
		}
	}
}
