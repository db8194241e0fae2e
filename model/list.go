package model

import (
	"cmp"
	"slices"
	"sort"
)

// Matcher selects flows; a compiled filter expression is one.
// Match must not allocate: it runs for every flow of a million-flow table.
type Matcher interface {
	Match(f *Flow) bool
}

// List is the filtered, sorted view of a Table: the rows of the flows view.
// It is maintained incrementally from each Apply's Changes, so a frame costs
// a pass over the list plus a binary search per changed flow, not a sort of
// the table; a new sort column or filter rebuilds it once. Not safe for
// concurrent use.
type List struct {
	t      *Table
	col    Column
	desc   bool
	filter Matcher

	items []sortItem // matched flows, ascending by (col, identity)
	spare []sortItem
	added []sortItem
	valid bool
	marks []uint64
}

// NewList returns the list of all flows of t sorted by source.
func NewList(t *Table) *List { return &List{t: t, col: ColSrc} }

// Sort returns the sort column and direction.
func (l *List) Sort() (Column, bool) { return l.col, l.desc }

// SetSort sorts by column c, descending if desc.
func (l *List) SetSort(c Column, desc bool) {
	if c != l.col {
		l.valid = false
	}
	l.col, l.desc = c, desc
}

// Filter returns the current filter (nil: every flow).
func (l *List) Filter() Matcher { return l.filter }

// SetFilter keeps only the flows m matches (nil: all of them).
func (l *List) SetFilter(m Matcher) {
	if f, ok := m.(*Filter); ok && f == nil {
		m = nil // a nil *Filter matches everything: skip the calls
	}
	l.filter = m
	l.valid = false
}

// Update follows the changes of the table's last Apply. It must be called
// after every Apply of the table (changes are not kept across Applys).
func (l *List) Update(ch *Changes) {
	if !l.valid {
		return
	}
	if ch.Full {
		l.valid = false
		return
	}
	if len(ch.List) == 0 {
		return
	}
	l.incremental(ch.List)
}

// Invalidate forces a rebuild, for a table filled outside of Apply.
func (l *List) Invalidate() { l.valid = false }

// Len returns the number of matched flows.
func (l *List) Len() int {
	l.ensure()
	return len(l.items)
}

// Slot returns the table slot of the flow at display position i.
func (l *List) Slot(i int) int32 {
	l.ensure()
	if l.desc {
		i = len(l.items) - 1 - i
	}
	return l.items[i].slot
}

// Window appends to dst the slots of display rows [offset, offset+height).
func (l *List) Window(offset, height int, dst []int32) []int32 {
	l.ensure()
	for i := max(offset, 0); i < offset+height && i < len(l.items); i++ {
		dst = append(dst, l.Slot(i))
	}
	return dst
}

// Position returns the display position of the flow at slot, or -1 if it
// is not in the list.
func (l *List) Position(slot int32) int {
	l.ensure()
	if slot < 0 || slot >= l.t.Slots() || !l.t.Live(slot) {
		return -1
	}
	f := l.t.At(slot)
	c := l.t.CountersAt(slot)
	x := l.col.item(f, &c, slot)
	i := sort.Search(len(l.items), func(i int) bool { return l.compare(&l.items[i], &x) >= 0 })
	if i == len(l.items) || l.items[i].slot != slot {
		return -1
	}
	if l.desc {
		return len(l.items) - 1 - i
	}
	return i
}

func (l *List) match(f *Flow) bool { return l.filter == nil || l.filter.Match(f) }

func (l *List) compare(x, y *sortItem) int {
	if x.k1 != y.k1 {
		return cmp.Compare(x.k1, y.k1)
	}
	// An IPv6 address summary is lossy: equal summaries decide nothing.
	lossy := (l.col == ColSrc || l.col == ColDst) && x.k1>>63 == 1
	if !lossy && x.k2 != y.k2 {
		return cmp.Compare(x.k2, y.k2)
	}
	ca, cb := l.t.CountersAt(x.slot), l.t.CountersAt(y.slot)
	return l.col.compareFlows(l.t.At(x.slot), &ca, l.t.At(y.slot), &cb)
}

func (l *List) ensure() {
	if l.valid {
		return
	}
	l.items = l.items[:0]
	n := l.t.Slots()
	for slot := int32(0); slot < n; slot++ {
		f := l.t.At(slot)
		if f.Family == 0 || !l.match(f) {
			continue
		}
		c := l.t.CountersAt(slot)
		l.items = append(l.items, l.col.item(f, &c, slot))
	}
	slices.SortFunc(l.items, func(a, b sortItem) int { return l.compare(&a, &b) })
	l.valid = true
}

func (l *List) incremental(changes []Change) {
	words := (int(l.t.Slots()) + 63) / 64
	if len(l.marks) < words {
		l.marks = make([]uint64, words+words/4)
	}
	for i := range changes {
		s := changes[i].Slot
		l.marks[s>>6] |= 1 << (s & 63)
	}
	// Drop every changed slot; those still matching come back below.
	kept := l.items[:0]
	for _, it := range l.items {
		if l.marks[it.slot>>6]&(1<<(it.slot&63)) == 0 {
			kept = append(kept, it)
		}
	}
	l.items = kept
	l.added = l.added[:0]
	for i := range changes {
		s := changes[i].Slot
		l.marks[s>>6] &^= 1 << (s & 63)
		f := l.t.At(s)
		if f.Family == 0 || !l.match(f) {
			continue
		}
		c := l.t.CountersAt(s)
		l.added = append(l.added, l.col.item(f, &c, s))
	}
	if len(l.added) == 0 {
		return
	}
	slices.SortFunc(l.added, func(a, b sortItem) int { return l.compare(&a, &b) })
	// Merge: binary-search each new item's place and copy the runs between.
	out := slices.Grow(l.spare[:0], len(l.items)+len(l.added))
	lo := 0
	for i := range l.added {
		x := &l.added[i]
		rest := l.items[lo:]
		j := lo + sort.Search(len(rest), func(k int) bool { return l.compare(&rest[k], x) >= 0 })
		out = append(out, l.items[lo:j]...)
		out = append(out, *x)
		lo = j
	}
	out = append(out, l.items[lo:]...)
	l.spare = l.items
	l.items = out
}
