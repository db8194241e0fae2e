package model

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// loadTable fills a table with n random flows through one snapshot batch.
func loadTable(n int) (*Table, []Flow) {
	r := rand.New(rand.NewPCG(42, 42))
	sn := &Snapshot{}
	flows := make([]Flow, 0, n)
	for i := 0; i < n; i++ {
		f := randFlow(r, uint32(i+1))
		flows = append(flows, f)
		sn.Add(&f, nil)
	}
	t := NewTable(n)
	t.Apply(&Batch{Time: t0, Snapshot: sn})
	return t, flows
}

// BenchmarkBytesPerFlow reports the Go heap the table holds per flow at
// 1,000,000 flows, with its sorted list built.
func BenchmarkBytesPerFlow(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r := rand.New(rand.NewPCG(42, 42))
		t := NewTable(0)
		for i := 0; i < n; i++ {
			f := randFlow(r, uint32(i+1))
			t.Insert(&f, &Counters{})
		}
		l := NewList(t)
		l.Len()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-B/flow")
		runtime.KeepAlive(t)
		runtime.KeepAlive(l)
	}
}

// BenchmarkIngest measures applying batches of 10,000 coalesced events
// (a third each NEW, UPDATE, DESTROY) to a 1,000,000-flow table.
func BenchmarkIngest(b *testing.B) {
	t, flows := loadTable(1_000_000)
	r := rand.New(rand.NewPCG(7, 7))
	next := uint32(len(flows) + 1)
	now := t0
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		now = now.Add(100 * time.Millisecond)
		batch := churn(r, flows, &next, now, 10_000)
		b.StartTimer()
		t.Apply(batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10_000, "ns/event")
}

// churn builds a batch of n events over flows, replacing destroyed flows
// in the slice with new ones.
func churn(r *rand.Rand, flows []Flow, next *uint32, now time.Time, n int) *Batch {
	b := &Batch{Time: now}
	for i := 0; i < n; i++ {
		j := r.IntN(len(flows))
		switch i % 3 {
		case 0:
			b.Add(&Event{Type: EventDestroy, Flow: flows[j]})
			flows[j] = randFlow(r, *next)
			*next++
		case 1:
			b.Add(&Event{Type: EventNew, Flow: flows[j]})
		default:
			f := flows[j]
			f.Expires += 5
			flows[j] = f
			b.Add(&Event{Type: EventUpdate, Flow: f})
		}
	}
	return b
}

// BenchmarkFrame is one frame at 1,000,000 flows: apply a 10,000-event
// batch, update the filtered sorted list, find the cursor and read the 50
// visible rows.
func BenchmarkFrame(b *testing.B) {
	t, flows := loadTable(1_000_000)
	l := NewList(t)
	l.SetSort(ColTTL, true)
	l.Len()
	r := rand.New(rand.NewPCG(8, 8))
	next := uint32(len(flows) + 1)
	now := t0
	var rows []int32
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		now = now.Add(100 * time.Millisecond)
		batch := churn(r, flows, &next, now, 10_000)
		b.StartTimer()
		l.Update(t.Apply(batch))
		pos := l.Position(l.Slot(l.Len() / 2))
		rows = l.Window(pos, 50, rows[:0])
	}
}

// BenchmarkSortRebuild is a change of sort column at 1,000,000 flows.
func BenchmarkSortRebuild(b *testing.B) {
	t, _ := loadTable(1_000_000)
	l := NewList(t)
	cols := []Column{ColSrc, ColDport, ColTTL}
	i := 0
	for b.Loop() {
		l.SetSort(cols[i%len(cols)], false)
		i++
		l.Len()
	}
}
