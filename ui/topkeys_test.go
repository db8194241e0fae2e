package ui

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/cttop/cttop/model"
)

// TestTopReverse: r in the top view reverses its order as it reverses the
// flows view's: fewest flows first, FLOWS▲ (NEW/s▲ once > ranks by it),
// and back; it no longer switches between FLOWS and NEW/s, which < and >
// do, keeping the direction.
func TestTopReverse(t *testing.T) {
	m := newTestModel(t, 80, 24)
	b := snapshotBatch(0)
	// Source 192.0.2.i holds i+1 flows.
	id := 0
	for i := 0; i < 6; i++ {
		for j := 0; j <= i; j++ {
			f := flow(i, 80)
			id++
			f.SetID(uint32(id))
			f.Orig.SrcPort = uint16(1000 + id)
			f.Reply = f.Orig.Inverse()
			b.Snapshot.Add(&f, nil)
		}
	}
	m.Update(BatchMsg{b})
	press(m, "tab")
	first := func() string { return m.top.rows[0].Key.String() }
	if first() != "192.0.2.5" || !strings.Contains(plain(m), "FLOWS▼") {
		t.Fatalf("by flows, first %s:\n%s", first(), plain(m))
	}
	press(m, "r")
	screen := plain(m)
	if m.groups.Order() != model.ByFlows || !m.groups.Reversed() || first() != "192.0.2.0" ||
		!strings.Contains(screen, "FLOWS▲") || !strings.Contains(screen, "sorted by flows, fewest first") {
		t.Fatalf("r in the top view: order %v reversed %v, first %s:\n%s", m.groups.Order(), m.groups.Reversed(), first(), screen)
	}
	var got []string
	for _, r := range m.top.rows {
		got = append(got, r.Key.String())
	}
	if want := []string{"192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"}; !slices.Equal(got, want) {
		t.Fatalf("reversed rows %v, want %v", got, want)
	}
	press(m, ">")
	if m.groups.Order() != model.ByNewRate || !m.groups.Reversed() || !strings.Contains(plain(m), "NEW/s▲") {
		t.Fatalf("> after r: order %v reversed %v:\n%s", m.groups.Order(), m.groups.Reversed(), plain(m))
	}
	press(m, "r", "<")
	if m.groups.Order() != model.ByFlows || m.groups.Reversed() || first() != "192.0.2.5" || !strings.Contains(plain(m), "FLOWS▼") {
		t.Fatalf("r then <: order %v reversed %v, first %s", m.groups.Order(), m.groups.Reversed(), first())
	}
}

// TestHeavyPrefixesCount: at 70,000 flows, 6 counts the heavy prefixes in
// the background as 1-5 count their groups: the key's frame starts the
// worker and says what it counts; the rows that follow are those of a
// synchronous count.
func TestHeavyPrefixesCount(t *testing.T) {
	m := newTestModel(t, 80, 24)
	b := &model.Batch{Time: t0, Snapshot: &model.Snapshot{},
		Info: model.SourceInfo{Kind: "kernel", EventMode: model.EventsOn}}
	for i := 0; i < 70_000; i++ {
		f := flow(0, 80)
		// 60,000 flows from 198.18.0.0/21, the rest from all over 10/8.
		a := [4]byte{198, 18, byte(i>>8) & 7, byte(i)}
		if i >= 60_000 {
			a = [4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}
		}
		f.Orig.Src = model.AddrFrom(netip.AddrFrom4(a))
		f.SetID(uint32(i + 1))
		f.Orig.SrcPort = uint16(i)
		f.Reply = f.Orig.Inverse()
		b.Snapshot.Add(&f, nil)
	}
	m.Update(BatchMsg{b})
	pressRun(m, "tab")
	press(m, "6")
	if m.groups.Done() == nil {
		t.Fatal("6 counted the heavy prefixes in its frame, not in the background")
	}
	if counting, _ := m.groups.Counting(); counting {
		v := plain(m)
		for _, want := range []string{"counting 70,000 flows by src/auto…", "counting groups"} {
			if !strings.Contains(v, want) {
				t.Fatalf("while counting, no %q:\n%s", want, v)
			}
		}
	}
	<-m.groups.Done()
	m.Update(groupsDoneMsg{})
	fresh := model.NewGroups(m.table)
	fresh.SetGrouping(model.Grouping{By: model.BySrc, Auto: true})
	want := fresh.Top(0, fresh.Len(), nil)
	if len(want) == 0 || !slices.Equal(m.groups.Top(0, m.groups.Len(), nil), want) {
		t.Fatalf("heavy prefixes after the count differ from a synchronous count %v", want)
	}
	if v := plain(m); !strings.Contains(v, want[0].Key.String()) || strings.Contains(v, "counting") {
		t.Fatalf("rows not shown after the count:\n%s", v)
	}
}
