package model_test

// The frame benchmarks measure the model with a real compiled filter, which
// package filter makes: hence an external test package.

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/model"
)

// frameFilters are the filters of BenchmarkFrame: none, one that keeps
// most flows, one that keeps a fifth.
var frameFilters = []string{"", "tcp and not dst port 22", "dst port 443 or (udp and dst port 53)"}

// BenchmarkFrame is one frame at 1,000,000 flows: apply a 10,000-event
// batch, update the list filtered by a real filter.Parse filter and sorted by
// TTL, find the cursor and read the 50 visible rows. (Formatting the rows
// is ui's BenchmarkFrame1M.)
func BenchmarkFrame(b *testing.B) {
	t, flows := model.LoadTable(1_000_000)
	r := rand.New(rand.NewPCG(8, 8))
	next := uint32(len(flows) + 1)
	now := model.T0
	for _, expr := range frameFilters {
		name := "all"
		if expr != "" {
			name = "filter=" + expr
		}
		b.Run(name, func(b *testing.B) {
			l := model.NewList(t)
			if expr != "" {
				flt, err := filter.Parse(expr)
				if err != nil {
					b.Fatal(err)
				}
				l.SetFilter(flt)
			}
			l.SetSort(model.ColTTL, true)
			l.Len()
			var rows []int32
			for b.Loop() {
				b.StopTimer()
				now = now.Add(100 * time.Millisecond)
				batch := model.Churn(r, flows, &next, now, 10_000)
				b.StartTimer()
				l.Update(t.Apply(batch))
				pos := l.Position(l.Slot(l.Len() / 2))
				rows = l.Window(pos, 50, rows[:0])
			}
			b.ReportMetric(float64(l.Len()), "rows")
		})
	}
}

// BenchmarkTopFrame is one frame of the top view at 1,000,000 flows:
// apply a 10,000-event batch, update the filtered grouping by source, rank
// the 40 visible groups.
func BenchmarkTopFrame(b *testing.B) {
	t, flows := model.LoadTable(1_000_000)
	g := model.NewGroups(t)
	f, err := filter.Parse("tcp or udp")
	if err != nil {
		b.Fatal(err)
	}
	g.SetFilter(f)
	g.Len()
	r := rand.New(rand.NewPCG(9, 9))
	next := uint32(len(flows) + 1)
	now := model.T0
	var rows []model.Group
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		now = now.Add(100 * time.Millisecond)
		batch := model.Churn(r, flows, &next, now, 10_000)
		b.StartTimer()
		g.Update(t.Apply(batch))
		rows = g.Top(0, 40, rows[:0])
	}
	b.ReportMetric(float64(g.Len()), "groups")
}
