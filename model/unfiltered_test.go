package model

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestClearFilterRestoresOrder sets a filter on a sorted list, applies
// batches while it is on (flows added, ended, updated, slots reused), and
// clears it: the whole order comes back at once, without a rebuild (the
// list stays valid), and equals the truth; it stays
// incremental afterwards. A new sort column, a new direction, a full
// reload or too many changes while filtered drop the kept order, and the
// list is rebuilt, true as well.
func TestClearFilterRestoresOrder(t *testing.T) {
	tab, flows := loadTable(20000)
	r := rand.New(rand.NewPCG(9, 9))
	next := uint32(len(flows) + 1)
	now := t0
	step := func(l *List, n int) {
		now = now.Add(time.Second)
		l.Update(tab.Apply(churn(r, flows, &next, now, n)))
	}
	for _, col := range []Column{ColSrc, ColTTL, ColDport, ColState} {
		for _, desc := range []bool{false, true} {
			l := NewList(tab)
			l.minPartial = 1000
			l.SetSort(col, desc)
			settleList(l)
			l.SetFilter(dportIs(443))
			if got, want := listSlots(l), truthSlots(tab, col, desc, dportIs(443)); !slices.Equal(got, want) {
				t.Fatalf("%v desc=%v: filtered rows differ from the truth", col, desc)
			}
			step(l, 300)
			step(l, 300)
			l.SetFilter(dportIs(80)) // another filter: the kept order stays
			step(l, 300)
			l.SetFilter(nil)
			if l.pend != nil || !l.valid {
				t.Fatalf("%v desc=%v: clearing the filter rebuilt the list", col, desc)
			}
			if got, want := listSlots(l), truthSlots(tab, col, desc, nil); !slices.Equal(got, want) {
				t.Fatalf("%v desc=%v: restored order differs from the truth", col, desc)
			}
			step(l, 300)
			if got, want := listSlots(l), truthSlots(tab, col, desc, nil); !slices.Equal(got, want) {
				t.Fatalf("%v desc=%v: incremental update after the restore differs from the truth", col, desc)
			}
		}
	}

	drops := map[string]func(l *List){
		"new column":    func(l *List) { l.SetSort(ColDst, false) },
		"new direction": func(l *List) { l.SetSort(ColSrc, true) },
		"too many changes": func(l *List) {
			for range 3 {
				step(l, 2000)
			}
		},
		"full reload": func(l *List) {
			sn := &Snapshot{}
			for i := range flows[:15000] {
				sn.Add(&flows[i], nil)
			}
			now = now.Add(time.Second)
			l.Update(tab.Apply(&Batch{Time: now, Snapshot: sn}))
		},
	}
	for name, drop := range drops {
		l := NewList(tab)
		l.minPartial = 1000
		settleList(l)
		l.SetFilter(dportIs(443))
		drop(l)
		if l.kept != nil {
			t.Fatalf("%s: the kept order survived", name)
		}
		col, desc := l.Sort()
		l.SetFilter(nil)
		if got, want := listSlots(l), truthSlots(tab, col, desc, nil); !slices.Equal(got, want) {
			t.Fatalf("%s: rebuilt order differs from the truth", name)
		}
	}
}
