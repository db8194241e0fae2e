package model

import (
	"cmp"
	"sort"
	"sync"
)

// Matcher selects flows; a compiled filter expression (filter.Filter) is
// one. Match must not allocate: it runs for every flow of a million-flow
// table, and List may call it from two goroutines at once when it rebuilds.
// A nil Matcher means every flow.
type Matcher interface {
	Match(f *Flow) bool
}

// matchesAll is implemented by Matchers that can tell they select every
// flow (a nil *filter.Filter does): List and Groups then treat them as nil
// and skip a call per flow.
type matchesAll interface {
	MatchesAll() bool
}

// orNil returns nil for a Matcher that selects every flow, else m.
func orNil(m Matcher) Matcher {
	if a, ok := m.(matchesAll); ok && a.MatchesAll() {
		return nil
	}
	return m
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

	items []listItem // matched flows, ascending by (col, identity)
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
	l.filter = orNil(m)
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
	return l.items[i].slot()
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
	x := masked(l.col.item(f, &c, slot))
	i := sort.Search(len(l.items), func(i int) bool { it := l.items[i].unpack(); return l.compare(&it, &x) >= 0 })
	if i == len(l.items) || l.items[i].slot() != slot {
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
	return l.compareTie(x, y)
}

// compareTie orders items of equal k1.
func (l *List) compareTie(x, y *sortItem) int {
	if x.k2 != y.k2 {
		return cmp.Compare(x.k2, y.k2)
	}
	ca, cb := l.t.CountersAt(x.slot), l.t.CountersAt(y.slot)
	return l.col.compareFlows(l.t.At(x.slot), &ca, l.t.At(y.slot), &cb)
}

// before reports whether x sorts before y; the summaries decide inline.
func (l *List) before(x, y *sortItem) bool {
	if x.k1 != y.k1 {
		return x.k1 < y.k1
	}
	return l.compareTie(x, y) < 0
}

// ensure rebuilds the list: a new sort column, a new filter, a snapshot. A
// million flows sorted with slices.SortFunc took 260 ms, beyond the 100 ms of
// a frame, so the items are radix-sorted on their summaries (sortItems), and
// a big table is done in two halves on two goroutines and merged.
func (l *List) ensure() {
	if l.valid {
		return
	}
	n := int(l.t.Slots())
	if n < parallelMin {
		items := l.collect(0, n, make([]sortItem, 0, l.t.Len()))
		l.sortItems(items, make([]sortItem, len(items)))
		l.items = l.items[:0]
		if cap(l.items) < len(items) {
			l.items = make([]listItem, 0, len(items)+len(items)/8)
		}
		for i := range items {
			l.items = append(l.items, pack(&items[i]))
		}
		l.valid = true
		return
	}
	// Each half collects into and sorts within its own part of one buffer
	// of full items, then the halves merge, packed, into the list. The
	// full items are garbage once the list is built.
	buf, tmp := make([]sortItem, n), make([]sortItem, n)
	mid := n / 2
	var a, b []sortItem
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		b = l.collect(mid, n, buf[mid:mid])
		l.sortItems(b, tmp[mid:mid+len(b)])
	}()
	a = l.collect(0, mid, buf[:0])
	l.sortItems(a, tmp[:len(a)])
	wg.Wait()
	total := len(a) + len(b)
	out := l.items[:0]
	if cap(out) < total || cap(out) > 2*total+1024 {
		out = make([]listItem, 0, total+total/8)
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if l.before(&b[j], &a[i]) {
			out = append(out, pack(&b[j]))
			j++
		} else {
			out = append(out, pack(&a[i]))
			i++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, pack(&a[i]))
	}
	for ; j < len(b); j++ {
		out = append(out, pack(&b[j]))
	}
	l.items = out
	l.valid = true
}

// parallelMin is the table size from which a rebuild uses two goroutines.
const parallelMin = 1 << 16

// collect appends to dst the items of the matching flows in slots [lo, hi).
func (l *List) collect(lo, hi int, dst []sortItem) []sortItem {
	for slot := int32(lo); slot < int32(hi); slot++ {
		f := l.t.At(slot)
		if f.Family == 0 || !l.match(f) {
			continue
		}
		c := l.t.CountersAt(slot)
		dst = append(dst, l.col.item(f, &c, slot))
	}
	return dst
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
	items := l.items
	k := 0
	for k < len(items) && l.marks[items[k].slot()>>6]&(1<<(items[k].slot()&63)) == 0 {
		k++ // nothing to move before the first dropped item
	}
	for i := k; i < len(items); i++ {
		if it := items[i]; l.marks[it.slot()>>6]&(1<<(it.slot()&63)) == 0 {
			items[k] = it
			k++
		}
	}
	l.items = items[:k]
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
	l.sortItems(l.added, nil)
	l.merge()
}

// merge inserts the sorted added items into the sorted items in place, from
// the back: each new item's place is found by galloping back from the last
// one's, and the items between move once. In place, because a second
// buffer to merge into would cost 24 more bytes per flow at all times.
func (l *List) merge() {
	m, a := len(l.items), len(l.added)
	if cap(l.items) < m+a {
		grown := make([]listItem, m, m+a+(m+a)/8)
		copy(grown, l.items)
		l.items = grown
	}
	items := l.items[:m+a]
	hi := m // items[:hi] are the old items not yet moved
	for j := a - 1; j >= 0; j-- {
		x := masked(l.added[j])
		p := l.gallopBack(items[:hi], &x)
		copy(items[p+j+1:hi+j+1], items[p:hi])
		items[p+j] = pack(&l.added[j])
		hi = p
	}
	l.items = items
}

// gallopBack returns the number of items of the sorted s that sort before
// x, searching from the end: 1, 2, 4... back, then binary.
// x must be masked, as the items are.
func (l *List) gallopBack(s []listItem, x *sortItem) int {
	before := func(p int) bool { it := s[p].unpack(); return l.before(&it, x) }
	n := len(s)
	if n == 0 || before(n-1) {
		return n
	}
	after, below := n-1, -1 // s[after] sorts after x; s[below] before it
	for step := 1; ; step *= 2 {
		p := after - step
		if p < 0 {
			break
		}
		if before(p) {
			below = p
			break
		}
		after = p
	}
	lo, hi := below+1, after
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if before(mid) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
