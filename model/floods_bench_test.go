package model

import (
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time the process used so far (every thread,
// the garbage collector's included): on a machine other work loads,
// wall-clock figures grow with the load and this much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// spoofedFlow returns a half-open TCP flow whose IPv4 source is distinct
// for every id (a bijection of the 32-bit space): a spoofed flood.
func spoofedFlow(id uint32, now uint32) Flow {
	src := id*2654435761 | 1
	var a Addr
	a[10], a[11] = 0xff, 0xff
	a[12], a[13], a[14], a[15] = byte(src>>24), byte(src>>16), byte(src>>8), byte(src)
	f := Flow{Family: IPv4, Proto: ProtoTCP, Status: StatusConfirmed}
	f.SetID(id)
	f.SetProtoState(TCPSynRecv)
	f.SetExpires(now + 60)
	f.Orig = Tuple{Src: a, Dst: addr("192.0.2.1"), SrcPort: uint16(id), DstPort: 80}
	f.Reply = f.Orig.Inverse()
	return f
}

// spoofedTable is n flows from n distinct sources.
func spoofedTable(n int) (*Table, []Flow) {
	sn := &Snapshot{}
	flows := make([]Flow, n)
	now := uint32(t0.Unix())
	for i := range flows {
		flows[i] = spoofedFlow(uint32(i+1), now)
		sn.Add(&flows[i], nil)
	}
	t := NewTable(n)
	t.Apply(&Batch{Time: t0, Snapshot: sn, Info: SourceInfo{EventMode: EventsOn}})
	return t, flows
}

// spoofedChurn is a batch of n events: a third DESTROY of a flow, a third
// NEW of a flow from a new source in its place, a third UPDATE.
func spoofedChurn(r *rand.Rand, flows []Flow, next *uint32, at time.Time, n int) *Batch {
	b := &Batch{Time: at, Info: SourceInfo{EventMode: EventsOn}}
	now := uint32(at.Unix())
	var fresh []int
	for i := 0; i < n; i++ {
		j := r.IntN(len(flows))
		switch i % 3 {
		case 0:
			b.Add(&Event{Type: EventDestroy, Flow: flows[j]})
			flows[j] = spoofedFlow(*next, now)
			*next++
			fresh = append(fresh, j)
		case 1:
			k := fresh[len(fresh)-1]
			b.Add(&Event{Type: EventNew, Flow: flows[k]})
		default:
			flows[j].SetExpires(flows[j].expires + 5)
			b.Add(&Event{Type: EventUpdate, Flow: flows[j]})
		}
	}
	return b
}

var floodGroupings = []struct {
	name  string
	gr    Grouping
	order GroupOrder
}{
	{"src", Plain(BySrc), ByFlows},
	{"src/24", Grouping{By: BySrc, Bits4: 24, Bits6: 64}, ByFlows},
	{"src/auto", Grouping{By: BySrc, Auto: true}, ByFlows},
	{"src/24,by-NEW/s", Grouping{By: BySrc, Bits4: 24, Bits6: 64}, ByNewRate},
	{"src/auto,by-NEW/s", Grouping{By: BySrc, Auto: true}, ByNewRate},
}

// BenchmarkFloodTopFrame is one frame of the top view at 1,000,000 flows
// from 1,000,000 distinct sources: apply a batch of 10,000 events (a
// third each DESTROY, NEW from a new source, UPDATE), update the grouping
// and its NEW/s,
// rank the 40 visible rows and read their NEW/s. (Frames of 10,000
// events are 100,000 events a second.)
func BenchmarkFloodTopFrame(b *testing.B) {
	t, flows := spoofedTable(1_000_000)
	r := rand.New(rand.NewPCG(9, 9))
	next := uint32(len(flows) + 1)
	now := t0
	for _, c := range floodGroupings {
		b.Run(c.name, func(b *testing.B) {
			g := NewGroups(t)
			g.SetGrouping(c.gr)
			g.SetOrder(c.order)
			g.TrackNew(0)
			g.Len()
			var rows []Group
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				now = now.Add(100 * time.Millisecond)
				batch := spoofedChurn(r, flows, &next, now, 10_000)
				c0 := cpuTime()
				b.StartTimer()
				g.Update(t.Apply(batch))
				rows = g.Top(0, 40, rows[:0])
				for i := range rows {
					g.NewRate(rows[i].Key)
				}
				b.StopTimer()
				cpu += cpuTime() - c0
				b.StartTimer()
			}
			b.ReportMetric(float64(g.Len()), "rows")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkFloodGrouping is a change of grouping at 1,000,000 flows from
// 1,000,000 distinct sources: the rebuild a key press costs.
func BenchmarkFloodGrouping(b *testing.B) {
	t, _ := spoofedTable(1_000_000)
	for _, c := range floodGroupings[:3] {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				g := NewGroups(t)
				g.SetGrouping(c.gr)
				g.Top(0, 40, nil)
			}
		})
	}
}

// BenchmarkNewRateMemory fills NEW/s's summaries with more distinct keys
// than they hold, over more than a window, and reports the heap they take
// per tracked key: the memory is bounded whatever the number of sources.
func BenchmarkNewRateMemory(b *testing.B) {
	for _, auto := range []bool{false, true} {
		name := "src"
		if auto {
			name = "src/auto"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				t := NewTable(0)
				g := NewGroups(t)
				g.SetGrouping(Grouping{By: BySrc, Auto: auto})
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				g.TrackNew(0)
				id := uint32(1)
				now := uint32(t0.Unix())
				for i := 0; i < 120; i++ {
					// 12 s of batches of 5,000 new flows from new sources,
					// kept out of the table: only the tracker grows.
					bt := &Batch{Time: t0.Add(time.Duration(i) * 100 * time.Millisecond), Info: SourceInfo{EventMode: EventsOn}}
					for j := 0; j < 5000; j++ {
						bt.Events = append(bt.Events, Pending{Type: EventNew, Flow: spoofedFlow(id, now)})
						id++
					}
					g.rates.observe(&Changes{batch: bt}, t, g.countNew)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				keys := 0
				for _, bk := range g.rates.ring {
					for _, ss := range bk.ss {
						if ss != nil {
							keys += len(ss.ents)
						}
					}
				}
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(keys), "B/key")
				b.ReportMetric(float64(keys), "keys")
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc), "B")
				runtime.KeepAlive(g)
			}
		})
	}
}

// BenchmarkVerdictMemory fills the Verdict's summaries (every prefix level
// of both families, the services, the distinct sources) with new flows
// from more distinct sources than they hold, a fifth IPv6, over more than
// a window, and reports the heap they take per tracked key and in all.
func BenchmarkVerdictMemory(b *testing.B) {
	for b.Loop() {
		t := NewTable(0)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		v := NewVerdict(0)
		id := uint32(1)
		now := uint32(t0.Unix())
		r := rand.New(rand.NewPCG(4, 4))
		for i := 0; i < 120; i++ {
			bt := &Batch{Time: t0.Add(time.Duration(i) * 100 * time.Millisecond), Info: SourceInfo{EventMode: EventsOn}}
			for j := 0; j < 5000; j++ {
				f := spoofedFlow(id, now)
				if id%5 == 0 {
					f.Family = IPv6
					for k := range f.Orig.Src {
						f.Orig.Src[k] = byte(r.Uint32())
					}
					f.Orig.Src[0] = 0x20 | f.Orig.Src[0]&0x1f
				}
				bt.Events = append(bt.Events, Pending{Type: EventNew, Flow: f})
				id++
			}
			v.rates.observe(&Changes{batch: bt}, t, v.count)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		keys := 0
		for _, bk := range v.rates.ring {
			for _, ss := range bk.ss {
				if ss != nil {
					keys += len(ss.ents)
				}
			}
			if bk.svc != nil {
				keys += len(bk.svc.ents)
			}
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(keys), "B/key")
		b.ReportMetric(float64(keys), "keys")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc), "B")
		runtime.KeepAlive(v)
	}
}
