package ui

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/model"
)

// benchFlow returns a pseudo-random flow: IPv4 mostly, some IPv6, TCP in
// all states, UDP, ICMP, a few NATed, marked and zoned.
func benchFlow(r *rand.Rand, id uint32, now uint32) model.Flow {
	f := model.Flow{Family: model.IPv4, Status: model.StatusConfirmed | model.StatusSeenReply}
	f.SetID(id)
	if r.IntN(10) == 0 {
		f.Family = model.IPv6
	}
	addr := func() model.Addr {
		var a model.Addr
		if f.Family == model.IPv4 {
			a[10], a[11] = 0xff, 0xff
			a[12], a[13], a[14], a[15] = 10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))
		} else {
			a[0], a[1], a[2], a[3] = 0x20, 0x01, 0x0d, 0xb8
			a[14], a[15] = byte(r.IntN(256)), byte(r.IntN(256))
		}
		return a
	}
	f.Orig = model.Tuple{Src: addr(), Dst: addr(), SrcPort: uint16(1024 + r.IntN(60000)),
		DstPort: []uint16{22, 53, 80, 443, 8080}[r.IntN(5)]}
	switch r.IntN(10) {
	case 0:
		f.Proto = model.ProtoUDP
	case 1:
		f.Proto = model.ProtoICMP
		f.Orig.DstPort = 8 << 8
	default:
		f.Proto = model.ProtoTCP
		f.SetProtoState(uint8(1 + r.IntN(8)))
		f.Attrs |= model.HasState
	}
	f.Reply = f.Orig.Inverse()
	if r.IntN(20) == 0 {
		f.Reply.Dst = addr()
		f.Status |= model.StatusSrcNAT
	}
	f.Attrs |= model.HasTimeout | model.HasID
	f.SetExpires(now + uint32(r.IntN(500)))
	f.SetMark(uint32(r.IntN(3)))
	return f
}

// benchChurn is a batch of n events over flows: a third each DESTROY (the
// flow is replaced by a new one), NEW, UPDATE.
func benchChurn(r *rand.Rand, flows []model.Flow, next *uint32, at time.Time, n int) *model.Batch {
	b := &model.Batch{Time: at}
	now := uint32(at.Unix())
	for i := 0; i < n; i++ {
		j := r.IntN(len(flows))
		switch i % 3 {
		case 0:
			b.Add(&model.Event{Type: model.EventDestroy, Flow: flows[j]})
			flows[j] = benchFlow(r, *next, now)
			*next++
		case 1:
			b.Add(&model.Event{Type: model.EventNew, Flow: flows[j]})
		default:
			e, _ := flows[j].Expires()
			flows[j].SetExpires(e + 5)
			b.Add(&model.Event{Type: model.EventUpdate, Flow: flows[j]})
		}
	}
	return b
}

// benchModel returns the UI over a table of n flows loaded by a snapshot
// batch, on a 160x56 terminal (50 flow rows), and the flows.
func benchModel(b *testing.B, n int, expr string, at time.Time) (*Model, []model.Flow) {
	r := rand.New(rand.NewPCG(1, 1))
	flows := make([]model.Flow, n)
	for i := range flows {
		flows[i] = benchFlow(r, uint32(i+1), uint32(at.Unix()))
	}
	return benchModelOf(b, flows, expr, at), flows
}

// distinctSources are n flows of benchFlow's kind but each from its own
// IPv4 source, 10.0.0.0 up in the order of the table's slots, to one
// destination: a spoofed flood as a replay of a saved table loads it,
// a million groups by source.
func distinctSources(n int, at time.Time) []model.Flow {
	r := rand.New(rand.NewPCG(3, 3))
	flows := make([]model.Flow, n)
	for i := range flows {
		f := benchFlow(r, uint32(i+1), uint32(at.Unix()))
		f.Family = model.IPv4
		f.Status &^= model.StatusSrcNAT
		var src, dst model.Addr
		src[10], src[11], dst[10], dst[11] = 0xff, 0xff, 0xff, 0xff
		src[12], src[13], src[14], src[15] = 10, byte(i>>16), byte(i>>8), byte(i)
		dst[12], dst[13], dst[14], dst[15] = 198, 51, 100, 1
		f.Orig.Src, f.Orig.Dst = src, dst
		f.Reply = f.Orig.Inverse()
		flows[i] = f
	}
	return flows
}

// benchModelOf returns the UI over a table of flows loaded by a snapshot
// (see benchModel).
func benchModelOf(b *testing.B, flows []model.Flow, expr string, at time.Time) *Model {
	sn := &model.Snapshot{}
	for i := range flows {
		sn.Add(&flows[i], nil)
	}
	cfg := Config{Sort: model.ColTTL, Reverse: true}
	if expr != "" {
		f, err := filter.Parse(expr)
		if err != nil {
			b.Fatal(err)
		}
		cfg.Filter = f
	}
	m := New(cfg)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 56})
	m.Update(BatchMsg{&model.Batch{Time: at, Snapshot: sn}})
	if v := m.View(); !strings.Contains(v.Content, "TTL") {
		b.Fatalf("no flows table on screen:\n%s", v.Content)
	}
	return m
}

// BenchmarkFrame1M is one frame of the flows view at 1,000,000 flows, as
// the program runs it: Update with a batch of 10,000 events (apply, update
// the filtered and sorted list, find the cursor's flow, the visible window)
// and View (format the 50 visible rows and the header). Run with a real
// ParseFilter filter and without.
func BenchmarkFrame1M(b *testing.B) {
	for _, filter := range []string{"", "tcp and not dst port 22"} {
		name := "all"
		if filter != "" {
			name = "filter=" + filter
		}
		b.Run(name, func(b *testing.B) {
			at := time.Unix(1_700_000_000, 0)
			m, flows := benchModel(b, 1_000_000, filter, at)
			r := rand.New(rand.NewPCG(2, 2))
			next := uint32(len(flows) + 1)
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				at = at.Add(100 * time.Millisecond)
				batch := benchChurn(r, flows, &next, at, 10_000)
				b.StartTimer()
				c0 := cpuTime()
				m.Update(BatchMsg{batch})
				_ = m.View()
				cpu += cpuTime() - c0
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkLoad1M is the start of a million-flow load as the kernel source
// hands it over: the first frame (Update with the first part of the dump,
// 65,536 flows, about what 100 ms of a dump reads, then View: the screen
// says loading with the kernel's count and shows rows), and a frame in the
// middle (another part on top of 500,000 loaded flows).
func BenchmarkLoad1M(b *testing.B) {
	const n, part = 1_000_000, 65_536
	at := time.Unix(1_700_000_000, 0)
	r := rand.New(rand.NewPCG(1, 1))
	flows := make([]model.Flow, n)
	for i := range flows {
		flows[i] = benchFlow(r, uint32(i+1), uint32(at.Unix()))
	}
	batch := func(from, to int, cont bool) *model.Batch {
		sn := &model.Snapshot{Continues: cont, More: true}
		for i := from; i < to; i++ {
			sn.Add(&flows[i], nil)
		}
		return &model.Batch{Time: at, Snapshot: sn,
			Info:  model.SourceInfo{Kind: "kernel", EventMode: model.EventsOn, Loading: true},
			Stats: model.TableStats{Valid: true, Count: n, Max: 1 << 21}}
	}
	for _, c := range []struct {
		name   string
		loaded int
	}{{"first", 0}, {"middle", 500_000}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				m := New(Config{Sort: model.ColSrc})
				m.Update(tea.WindowSizeMsg{Width: 160, Height: 56})
				if c.loaded > 0 {
					m.Update(BatchMsg{batch(0, c.loaded, false)})
					settle(m)
				}
				next := batch(c.loaded, c.loaded+part, c.loaded > 0)
				b.StartTimer()
				m.Update(BatchMsg{next})
				v := m.View().Content
				b.StopTimer()
				if !strings.Contains(v, "LOADING") {
					b.Fatalf("no loading indicator:\n%s", v)
				}
				b.StartTimer()
			}
		})
	}
}
