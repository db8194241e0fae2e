package model

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkTopFrame is one frame of the top view at 1,000,000 flows:
// apply a 10,000-event batch, update the filtered grouping by source, rank
// the 40 visible groups.
func BenchmarkTopFrame(b *testing.B) {
	t, flows := loadTable(1_000_000)
	g := NewGroups(t)
	f, err := ParseFilter("tcp or udp")
	if err != nil {
		b.Fatal(err)
	}
	g.SetFilter(f)
	g.Len()
	r := rand.New(rand.NewPCG(9, 9))
	next := uint32(len(flows) + 1)
	now := t0
	var rows []Group
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		now = now.Add(100 * time.Millisecond)
		batch := churn(r, flows, &next, now, 10_000)
		b.StartTimer()
		g.Update(t.Apply(batch))
		rows = g.Top(0, 40, rows[:0])
	}
	b.ReportMetric(float64(g.Len()), "groups")
}
