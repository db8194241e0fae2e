package model

import (
	"cmp"
	"sort"
	"sync/atomic"
)

// Matcher selects flows; a compiled filter expression (filter.Filter) is
// one. Match is given the flow and its rare attributes (x, nil when it has
// none: see Ext). It must not allocate: it runs for every flow of a
// million-flow table, and List may call it from two goroutines at once when
// it rebuilds. A nil Matcher means every flow.
type Matcher interface {
	Match(f *Flow, x *Ext) bool
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
// the table; a new sort column, direction or filter rebuilds it once.
// Flows whose value in the sort column is unknown (no timeout, no
// counters, no start timestamp...) come after every known value in both
// directions: the items hold the display order itself, descending values
// being summarised in reverse (List.item). Not safe for concurrent use.
type List struct {
	t      *Table
	col    Column
	desc   bool
	filter Matcher

	items []listItem // matched flows, ascending by (col, identity)
	added []sortItem
	valid bool
	marks []uint64
	slots []int32 // scratch: the slots of a Changes

	// A rebuild under way in the background (partial.go): pend is set
	// while its worker sorts; dirty lists the slots changed meanwhile.
	pend       *pending
	dirty      []int32
	dirtyMarks []uint64
	needRows   int
	needSlot   int32
	minPartial int           // tests: the size from which rebuilds are partial
	hold       chan struct{} // tests: a worker waits for it to close
	// keysOnly marks a worker's List: it orders items on their summaries
	// alone and never reads a table.
	keysOnly bool
	// stop, on a worker's List, says its rebuild was abandoned: the sort
	// stops early, so that it leaves the cores to the rebuild that
	// replaced it (< right after > at a million flows).
	stop *atomic.Bool

	// kept is the unfiltered order, set aside while a filter is on
	// (unfiltered.go).
	kept *keptAll
}

// NewList returns the list of all flows of t sorted by source.
func NewList(t *Table) *List { return &List{t: t, col: ColSrc, needSlot: -1} }

// Sort returns the sort column and direction.
func (l *List) Sort() (Column, bool) { return l.col, l.desc }

// SetSort sorts by column c, descending if desc. A new column rebuilds the
// list; the same column in the other direction reverses it (reverse.go),
// or, while a rebuild sorts in the background, has its windows selected
// again and the order reversed when it is adopted.
func (l *List) SetSort(c Column, desc bool) {
	switch {
	case c == l.col && desc == l.desc:
	case c == l.col && l.valid && l.pend == nil:
		l.reverse()
	case c == l.col && l.valid:
		l.desc = desc
		l.pend.stale = true
	default:
		l.cancel()
		l.valid = false
		l.col, l.desc = c, desc
	}
	if l.kept != nil && (l.kept.col != c || l.kept.desc != desc) {
		l.dropKept()
	}
}

// Filter returns the current filter (nil: every flow).
func (l *List) Filter() Matcher { return l.filter }

// SetFilter keeps only the flows m matches (nil: all of them).
func (l *List) SetFilter(m Matcher) {
	m = orNil(m)
	switch {
	case m == nil && l.filter != nil && l.restoreAll():
		return
	case m != nil && l.filter == nil && l.valid && l.pend == nil:
		l.keepAll()
	}
	l.filter = m
	l.cancel()
	l.valid = false
}

// Update follows the changes of the table's last Apply. It must be called
// after every Apply of the table (changes are not kept across Applys).
func (l *List) Update(ch *Changes) {
	if l.kept != nil {
		if ch.Full {
			l.dropKept()
		} else {
			l.keepChanges(ch.List)
		}
	}
	if !l.valid {
		return
	}
	if ch.Full {
		l.cancel()
		l.valid = false
		return
	}
	if len(ch.List) == 0 {
		return
	}
	if l.pend != nil {
		l.markDirty(ch.List)
		return
	}
	l.slots = l.slots[:0]
	for i := range ch.List {
		l.slots = append(l.slots, ch.List[i].Slot)
	}
	l.incremental(l.slots)
}

// Invalidate forces a rebuild, for a table filled outside of Apply.
func (l *List) Invalidate() {
	l.cancel()
	l.dropKept()
	l.valid = false
}

// Len returns the number of matched flows.
func (l *List) Len() int {
	l.ensure()
	if l.pend != nil {
		return l.pend.n
	}
	return len(l.items)
}

// Slot returns the table slot of the flow at display position i.
func (l *List) Slot(i int) int32 {
	l.ensure()
	if p := l.pend; p != nil {
		if it, ok := p.at(i); ok {
			return it.slot()
		}
		l.settle(true)
	}
	return l.items[i].slot()
}

// Window appends to dst the slots of display rows [offset, offset+height).
func (l *List) Window(offset, height int, dst []int32) []int32 {
	n := l.Len()
	for i := max(offset, 0); i < offset+height && i < n; i++ {
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
	if !l.match(f, slot) {
		return -1
	}
	c, _ := l.t.CountersAt(slot)
	x := masked(l.item(f, &c, slot))
	if l.pend != nil {
		if i, ok := l.findPending(&x); ok {
			return i
		}
		l.settle(true)
	}
	i := sort.Search(len(l.items), func(i int) bool { it := l.items[i].unpack(); return l.compare(&it, &x) >= 0 })
	if i == len(l.items) || l.items[i].slot() != slot {
		return -1
	}
	return i
}

func (l *List) match(f *Flow, slot int32) bool {
	return l.filter == nil || l.filter.Match(f, l.t.ExtAt(slot))
}

// item is the flow's sort item in the list's direction: descending, a
// known value's summary is reversed, an unknown one's stays above every
// other, so that unknown values come last either way.
func (l *List) item(f *Flow, c *Counters, slot int32) sortItem {
	it := l.col.item(f, c, slot)
	if l.desc {
		it.k1 = reverseKey(it.k1)
		if l.col == ColSrc || l.col == ColDst {
			if f.Family != IPv4 {
				it.k2 = ^it.k2 // the rest of the address
			}
		}
	}
	return it
}

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
	ca, _ := l.t.CountersAt(x.slot)
	cb, _ := l.t.CountersAt(y.slot)
	return l.col.compareFlows(l.t.At(x.slot), &ca, l.t.At(y.slot), &cb, l.desc)
}

// before reports whether x sorts before y; the summaries decide inline.
func (l *List) before(x, y *sortItem) bool {
	if x.k1 != y.k1 {
		return x.k1 < y.k1
	}
	return l.compareTie(x, y) < 0
}

// ensure makes the list answer: it rebuilds it (a new sort column, a new
// filter, a snapshot), or brings a rebuild under way up to date. A million
// flows sorted with slices.SortFunc took 260 ms, beyond the 100 ms of a
// frame, so the items are radix-sorted on their summaries (sortItems), and
// a big list is first answered from the windows the screen needs while
// the rest sorts in the background (partial.go).
func (l *List) ensure() {
	switch {
	case !l.valid:
		l.rebuild()
	case l.pend != nil:
		l.reselect()
	}
}

// collect appends to dst the items of the matching flows in slots [lo, hi).
func (l *List) collect(lo, hi int, dst []sortItem) []sortItem {
	for slot := int32(lo); slot < int32(hi); slot++ {
		f := l.t.At(slot)
		if f.Family == 0 || !l.match(f, slot) {
			continue
		}
		var c Counters
		if l.col.counted() {
			c, _ = l.t.CountersAt(slot)
		}
		dst = append(dst, l.item(f, &c, slot))
	}
	return dst
}

// incremental updates the list for the changed slots (each listed once).
func (l *List) incremental(changed []int32) {
	words := (int(l.t.Slots()) + 63) / 64
	if len(l.marks) < words {
		l.marks = make([]uint64, words+words/4)
	}
	for _, s := range changed {
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
	for _, s := range changed {
		l.marks[s>>6] &^= 1 << (s & 63)
		f := l.t.At(s)
		if f.Family == 0 || !l.match(f, s) {
			continue
		}
		c, _ := l.t.CountersAt(s)
		l.added = append(l.added, l.item(f, &c, s))
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
