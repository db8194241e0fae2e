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
// 1,000,000 flows, with its sorted list built ("loaded") and after ten
// frames of 10,000 events each ("steady": the change list, the list's
// slack and the batch buffers are in use then). "acct" is the same with
// per-flow counters (nf_conntrack_acct=1), which add 32 bytes a flow.
func BenchmarkBytesPerFlow(b *testing.B) {
	const n = 1_000_000
	for _, acct := range []bool{false, true} {
		name := "noacct"
		if acct {
			name = "acct"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				r := rand.New(rand.NewPCG(42, 42))
				flows := make([]Flow, 0, n) // the churn's flows, outside the count
				for i := 0; i < n; i++ {
					f := randFlow(r, uint32(i+1))
					if acct {
						f.Attrs |= HasCounters
					}
					flows = append(flows, f)
				}
				runtime.GC()
				var before, loaded, steady runtime.MemStats
				runtime.ReadMemStats(&before)
				t := NewTable(0)
				for i := range flows {
					c := Counters{}
					if acct {
						c = Counters{OrigPackets: 1, OrigBytes: 60}
					}
					t.Insert(&flows[i], &c)
				}
				l := NewList(t)
				settleList(l) // the list built, its background sort done
				runtime.GC()
				runtime.ReadMemStats(&loaded)
				next := uint32(n + 1)
				now := t0
				for i := 0; i < 10; i++ {
					now = now.Add(100 * time.Millisecond)
					l.Update(t.Apply(churn(r, flows, &next, now, 10_000)))
					l.Len()
				}
				settleList(l)
				runtime.GC()
				runtime.ReadMemStats(&steady)
				b.ReportMetric(float64(loaded.HeapAlloc-before.HeapAlloc)/n, "loaded-heap-B/flow")
				b.ReportMetric(float64(steady.HeapAlloc-before.HeapAlloc)/n, "steady-heap-B/flow")
				runtime.KeepAlive(t)
				runtime.KeepAlive(l)
				runtime.KeepAlive(flows)
			}
		})
	}
}

// settleList builds l and waits for its background sort, if any.
func settleList(l *List) {
	l.Len()
	if d := l.Done(); d != nil {
		<-d
	}
	l.Len()
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
	b.ReportMetric(float64(b.N)*10_000/b.Elapsed().Seconds(), "events/s")
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
			f.SetExpires(f.expires + 5)
			flows[j] = f
			b.Add(&Event{Type: EventUpdate, Flow: f})
		}
	}
	return b
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
		settleList(l)
	}
}

// BenchmarkSortColumn is a rebuild of the list sorted by one column at
// 1,000,000 flows: what a key press that changes the sort or the filter
// costs.
func BenchmarkSortColumn(b *testing.B) {
	t, _ := loadTable(1_000_000)
	for _, col := range Columns() {
		b.Run(col.String(), func(b *testing.B) {
			l := NewList(t)
			l.SetSort(col, false)
			for b.Loop() {
				l.Invalidate()
				settleList(l) // the whole order, background included
			}
		})
	}
}

// BenchmarkSortFirstRows is the part of a rebuild at 1,000,000 flows that
// a key press waits for: the count and the first 50 rows (and the last 50)
// exact, the rest left to the background sort, whose end is not timed.
func BenchmarkSortFirstRows(b *testing.B) {
	t, _ := loadTable(1_000_000)
	var rows []int32
	for _, col := range []Column{ColSrc, ColDport, ColTTL, ColState, ColID} {
		b.Run(col.String(), func(b *testing.B) {
			l := NewList(t)
			l.SetSort(col, false)
			l.Need(50, -1)
			settleList(l)
			var cpu time.Duration
			for b.Loop() {
				c0 := cpuTime()
				l.Invalidate()
				rows = l.Window(0, 50, rows[:0])
				cpu += cpuTime() - c0
				b.StopTimer()
				settleList(l)
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkSelectInOrder is a re-sort's frame part (the count and the rows
// on screen, BenchmarkSortFirstRows) at 1,000,000 flows whose slots come in
// source-address order, as a table filled in address order has them
// (bench/ctbench fill, a replayed sorted file): by source, every item beats
// the tail's threshold (and, with a focused flow, the threshold of the rows
// before it); by source port, they come in no order. "focus" also selects
// the rows around a focused flow in the middle of the order.
func BenchmarkSelectInOrder(b *testing.B) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(7, 7))
	sn := &Snapshot{}
	for i := 0; i < n; i++ {
		f := randFlow(r, uint32(i+1))
		f.Family, f.Proto = IPv4, ProtoTCP
		f.Orig.Src = Addr{10: 0xff, 11: 0xff, 12: 10, 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)}
		f.Orig.Dst = Addr{10: 0xff, 11: 0xff, 12: 198, 13: 51, 14: 100, 15: 1}
		f.Reply = f.Orig.Inverse()
		sn.Add(&f, nil)
	}
	t := NewTable(n)
	t.Apply(&Batch{Time: t0, Snapshot: sn})
	var rows []int32
	for _, col := range []Column{ColSrc, ColSport} {
		for _, focus := range []int32{-1, n / 2} {
			name := col.String()
			if focus >= 0 {
				name += "/focus"
			}
			b.Run(name, func(b *testing.B) {
				l := NewList(t)
				l.SetSort(col, false)
				l.Need(50, focus)
				settleList(l)
				for b.Loop() {
					l.Invalidate()
					rows = l.Window(0, 50, rows[:0])
					b.StopTimer()
					settleList(l)
					b.StartTimer()
				}
			})
		}
	}
}
