package model

import (
	"slices"
	"sort"
)

// Reversing a list (List.SetSort with the same column and the other
// direction) needs no sort: the new order is the old one read backwards,
// but for two rules that make it not quite that. Unknown values come last
// in both directions, and flows of equal value are ordered by identity,
// ascending, in both directions. So the known items are reversed in place,
// then every run of equal values among them is reversed back, and the
// unknown items, last, stay as they are. Each item's summary is rewritten
// as List.item makes it for the new direction. It costs a pass over the
// 16-byte items (16 MB at a million flows), not a rebuild's pass over the
// table and sort.

// reverse turns the sorted items into the order of the other direction and
// flips l.desc. The items must hold the full order (no rebuild under way).
func (l *List) reverse() {
	items := l.items
	// The unknown items are last, with k1 == unknownKey in both directions.
	u := sort.Search(len(items), func(i int) bool { return items[i].k1 == unknownKey })
	known := items[:u]
	slices.Reverse(known)
	addrCol := l.col == ColSrc || l.col == ColDst
	for i := range known {
		it := &known[i]
		// An IPv6 address column's k2 holds the rest of the address,
		// complemented when descending (List.item). The ascending summary
		// of an IPv6 address has its top bit set (addrKey).
		if addrCol && (it.k1>>63 == 1) != l.desc {
			it.k2s = ^it.k2s&^slotMask | it.k2s&slotMask
		}
		it.k1 = reverseKey(it.k1)
	}
	l.desc = !l.desc
	for i := 0; i < len(known); {
		j := i + 1
		for j < len(known) && l.sameValue(&known[j-1], &known[j], addrCol) {
			j++
		}
		slices.Reverse(known[i:j])
		i = j
	}
}

// sameValue reports whether the adjacent items a and b (a first) of a list
// just read backwards have the same value in the sort column. Equal k1 means
// equal value except for IPv6 addresses, whose k1 holds only part of the
// address (and not the port): those are compared in the new direction, in
// which the old order read backwards puts flows of equal value out of
// order (identity descending) and flows of different values in order.
func (l *List) sameValue(a, b *listItem, addrCol bool) bool {
	if a.k1 != b.k1 {
		return false
	}
	if !addrCol || (a.k1>>63 == 1) == l.desc {
		return true
	}
	x, y := a.unpack(), b.unpack()
	return l.compare(&x, &y) > 0
}
