package ui

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/model"
)

// spoofedFlow returns a half-open TCP flow to port 80 from a source
// distinct for every id: IPv4 (a bijection of the 32-bit space), every
// tenth IPv6 (random in 2000::/3).
func spoofedFlow(r *rand.Rand, id, now uint32) model.Flow {
	f := model.Flow{Family: model.IPv4, Proto: model.ProtoTCP, Status: model.StatusConfirmed}
	f.SetID(id)
	f.SetProtoState(model.TCPSynRecv)
	f.Attrs |= model.HasState | model.HasTimeout | model.HasID
	f.SetExpires(now + 60)
	var src, dst model.Addr
	if id%10 == 0 {
		f.Family = model.IPv6
		for i := range src {
			src[i] = byte(r.Uint32())
		}
		src[0] = 0x20 | src[0]&0x1f
		dst[0], dst[1], dst[2], dst[3], dst[15] = 0x20, 0x01, 0x0d, 0xb8, 1
	} else {
		s := id*2654435761 | 1
		src[10], src[11], dst[10], dst[11] = 0xff, 0xff, 0xff, 0xff
		src[12], src[13], src[14], src[15] = byte(s>>24), byte(s>>16), byte(s>>8), byte(s)
		dst[12], dst[13], dst[14], dst[15] = 192, 0, 2, 1
	}
	f.Orig = model.Tuple{Src: src, Dst: dst, SrcPort: uint16(id), DstPort: 80}
	f.Reply = f.Orig.Inverse()
	return f
}

// floodStats is a table 95% full: under pressure, so the verdict judges.
func floodStats(n int) model.TableStats {
	return model.TableStats{Valid: true, Count: uint64(n), Max: uint64(n) * 100 / 95}
}

// floodChurn is a batch of n events: a third DESTROY of a flow, a third
// NEW of a flow from a new source in its place, a third UPDATE.
func floodChurn(r *rand.Rand, flows []model.Flow, next *uint32, at time.Time, n int) *model.Batch {
	b := &model.Batch{Time: at, Info: model.SourceInfo{EventMode: model.EventsOn}, Stats: floodStats(len(flows))}
	now := uint32(at.Unix())
	for i := 0; i < n; i += 3 {
		j := r.IntN(len(flows))
		b.Add(&model.Event{Type: model.EventDestroy, Flow: flows[j]})
		flows[j] = spoofedFlow(r, *next, now)
		*next++
		b.Add(&model.Event{Type: model.EventNew, Flow: flows[j]})
		k := r.IntN(len(flows))
		e, _ := flows[k].Expires()
		flows[k].SetExpires(e + 5)
		b.Add(&model.Event{Type: model.EventUpdate, Flow: flows[k]})
	}
	return b
}

// BenchmarkFloodFrame1M is one frame of the top view as the program runs
// it, at 1,000,000 flows from 1,000,000 distinct sources (a tenth IPv6) in
// a table 95% full: Update with a batch of 10,000 events (apply, the
// grouping and its NEW/s, the verdict) and View (the header, the verdict
// line and the rows) on an 80x24 terminal. Frames of 10,000 events are
// 100,000 events a second.
func BenchmarkFloodFrame1M(b *testing.B) {
	for _, c := range []struct {
		name  string
		group string
		order model.GroupOrder
	}{
		{"src/24", "src/24", model.ByFlows},
		{"src/auto", "src/auto", model.ByFlows},
		{"src/24,by-NEW/s", "src/24", model.ByNewRate},
		{"src/auto,by-NEW/s", "src/auto", model.ByNewRate},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(7, 7))
			at := time.Unix(1_700_000_000, 0)
			flows := make([]model.Flow, 1_000_000)
			sn := &model.Snapshot{}
			for i := range flows {
				flows[i] = spoofedFlow(r, uint32(i+1), uint32(at.Unix()))
				sn.Add(&flows[i], nil)
			}
			gr, err := model.ParseGrouping(c.group)
			if err != nil {
				b.Fatal(err)
			}
			m := New(Config{Group: gr, TopView: true})
			m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			m.Update(BatchMsg{&model.Batch{Time: at, Snapshot: sn, Stats: floodStats(len(flows)),
				Info: model.SourceInfo{EventMode: model.EventsOn}}})
			if d := m.groups.Done(); d != nil {
				<-d
				m.Update(groupsDoneMsg{})
			}
			m.groups.SetOrder(c.order)
			next := uint32(len(flows) + 1)
			for range 60 { // 6 s: the verdict judges from the first timed frame on
				at = at.Add(100 * time.Millisecond)
				m.Update(BatchMsg{floodChurn(r, flows, &next, at, 10_000)})
			}
			var cpu time.Duration
			var v tea.View
			for b.Loop() {
				b.StopTimer()
				at = at.Add(100 * time.Millisecond)
				batch := floodChurn(r, flows, &next, at, 10_000)
				b.StartTimer()
				c0 := cpuTime()
				m.Update(BatchMsg{batch})
				v = m.View()
				cpu += cpuTime() - c0
			}
			if !strings.Contains(v.Content, "NEW/s") || !strings.Contains(v.Content, "likely spoofed") {
				b.Fatalf("no top view with NEW/s and the verdict:\n%s", v.Content)
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
