package model

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestRadixSortAgreesWithCompare checks the radix sort of a rebuild against
// a comparison sort with List.compare, for every column, on a table big
// enough for every path: buckets of all sizes, runs of equal summaries
// (IPv6 flows of one /64), and a big rebuild, partial then sorted in the background.
func TestRadixSortAgreesWithCompare(t *testing.T) {
	tab, _ := loadTable(partialMin + 5000)
	for _, col := range Columns() {
		t.Run(col.String(), func(t *testing.T) {
			l := NewList(tab)
			l.SetSort(col, false)
			got := listSlots(l)
			var want []sortItem
			for s := int32(0); s < tab.Slots(); s++ {
				if tab.Live(s) {
					c, _ := tab.CountersAt(s)
					want = append(want, col.item(tab.At(s), &c, s))
				}
			}
			slices.SortFunc(want, func(a, b sortItem) int { return l.compare(&a, &b) })
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i].slot {
					t.Fatalf("row %d: slot %d, want %d", i, got[i], want[i].slot)
				}
			}
		})
	}
}

// TestListIncrementalLarge checks the in-place merge against a rebuild with
// batches of thousands of changes on tens of thousands of flows.
func TestListIncrementalLarge(t *testing.T) {
	tab, flows := loadTable(30000)
	r := rand.New(rand.NewPCG(5, 5))
	next := uint32(len(flows) + 1)
	for _, col := range []Column{ColSrc, ColDport, ColTTL} {
		live := NewList(tab)
		live.SetSort(col, col == ColTTL)
		live.Len()
		now := t0
		for round := 0; round < 5; round++ {
			now = now.Add(time.Second)
			live.Update(tab.Apply(churn(r, flows, &next, now, 3000)))
			fresh := NewList(tab)
			fresh.SetSort(col, col == ColTTL)
			if !slices.Equal(listSlots(live), listSlots(fresh)) {
				t.Fatalf("%v round %d: incremental list differs from a rebuild", col, round)
			}
		}
	}
}
