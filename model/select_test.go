package model

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBoundHeapInAnyOrder offers a column's items to boundHeap in the
// orders a table's slots can come in (random, already in the order, in the
// reverse order, runs in the order with breaks, many equal summaries) and
// checks that it keeps exactly the k best, the same set a full sort gives,
// in both directions: the in-order shortcut (compact's copy of the last k)
// must agree with the quickselect.
func TestBoundHeapInAnyOrder(t *testing.T) {
	tab, _ := loadTable(5000)
	for _, col := range []Column{ColSrc, ColID, ColDport, ColState} {
		l := NewList(tab)
		l.SetSort(col, false)
		var items []sortItem
		for s := int32(0); s < tab.Slots(); s++ {
			if f := tab.At(s); f.Family != 0 {
				c, _ := tab.CountersAt(s)
				items = append(items, l.item(f, &c, s))
			}
		}
		asc := slices.Clone(items)
		slices.SortFunc(asc, func(x, y sortItem) int { return l.compare(&x, &y) })
		desc := slices.Clone(asc)
		slices.Reverse(desc)
		r := rand.New(rand.NewPCG(3, 3))
		shuffled := slices.Clone(asc)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		// Runs of 700 in the order, the runs themselves shuffled: each
		// run outlasts a buffer of small k, and breaks the order at its
		// start.
		var runs []sortItem
		for _, p := range r.Perm((len(asc) + 699) / 700) {
			runs = append(runs, asc[p*700:min(len(asc), p*700+700)]...)
		}
		// Ascending with every 97th item swapped with its neighbour.
		nearly := slices.Clone(asc)
		for i := 96; i+1 < len(nearly); i += 97 {
			nearly[i], nearly[i+1] = nearly[i+1], nearly[i]
		}
		orders := map[string][]sortItem{"random": shuffled, "ascending": asc, "descending": desc, "runs": runs, "nearly": nearly}
		for name, in := range orders {
			for _, k := range []int{1, 3, 50, 128} {
				for _, low := range []bool{true, false} {
					h := boundHeap{l: l, k: k, keepLow: low}
					for i := range in {
						h.offer(&in[i])
					}
					got := slices.Clone(h.items)
					slices.SortFunc(got, func(x, y sortItem) int { return l.compare(&x, &y) })
					if len(got) > k {
						if low {
							got = got[:k]
						} else {
							got = got[len(got)-k:]
						}
					}
					want := asc[:k]
					if !low {
						want = asc[len(asc)-k:]
					}
					if !slices.Equal(got, want) {
						t.Fatalf("%v, %s order, k=%d, keepLow=%v: kept %d items, not the %d best", col, name, k, low, len(got), k)
					}
				}
			}
		}
	}
}
