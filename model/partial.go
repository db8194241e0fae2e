package model

import "sync/atomic"

// A rebuild of a big list (a new sort column or filter, a snapshot) is
// answered in two steps, so that a key press at a million flows is
// answered within a frame:
//
//  1. At once, on the owner's goroutine, one pass over the table (in two
//     halves on two goroutines, while the owner waits) counts the matching
//     flows and selects, with bounded heaps, the rows the screen needs: the
//     first and last Need rows of the order, and Need rows on either side
//     of the focused flow. Those windows of the order are exact: the list
//     answers Len, Slot, Window and Position from them.
//  2. A worker goroutine reads every matching flow's summary (k1, k2,
//     slot) from the table, in the table's read gate (gate.go): the owner
//     enters it for the worker before starting it and no batch changes the
//     table until the worker has left it, so the worker reads the table
//     the windows were selected from, off the frame. Then it radix-sorts
//     the summaries alone and packs them, reading the table no more. Runs
//     of equal summaries (which only the flows themselves can order) are
//     listed by the worker and ordered by the owner when it adopts the
//     result. (A pass that finds few matching flows keeps them and sorts
//     them at once instead.)
//
// Meanwhile batches keep coming: the owner records the slots they change
// (dirty) and recomputes the windows (one pass, no collecting) when asked
// for rows after a change. When the worker is done, the next access adopts
// its order, orders the listed runs and applies the dirty slots as an
// incremental update would. A request for a row outside the windows (a
// page down past them before the worker is done) waits for the worker.

// window is a run of the list's ascending order known exactly: the items
// at ascending ranks [lo, lo+len(items)).
type window struct {
	lo    int
	items []listItem
}

// pending is a rebuild whose full order is being sorted by a worker.
type pending struct {
	n     int  // matched flows
	desc  bool // the direction the worker sorts in (List.SetSort may flip the list's)
	wins  []window
	stale bool // the table changed since the windows were selected

	done chan struct{}
	stop atomic.Bool
	// Written by the worker before done is closed.
	out  []listItem
	ties [][2]int // runs [start, end) of out with equal summaries
}

// partialMin is the number of matching flows from which a rebuild sorts in
// the background; below it the whole sort takes a few milliseconds.
const partialMin = 1 << 16

// defaultNeed is how many rows a rebuild selects at once when Need was
// not called: two screens.
const defaultNeed = 128

// Need tells the list what the screen needs at once after a rebuild: rows
// display rows at either end of the order and on either side of the flow
// at slot (-1: no flow). The rest of the order is sorted in the background
// (see above); rows beyond those wait for it.
func (l *List) Need(rows int, slot int32) {
	l.needRows, l.needSlot = max(rows, 1), slot
}

// Settled reports whether the full order is known (no sort is under way in
// the background). Done returns a channel closed when the background sort
// ends, or nil when none is under way; after it is closed, any access to
// the list adopts the order.
func (l *List) Settled() bool { return l.valid && l.pend == nil }

// Done returns a channel that is closed when the background sort is done,
// nil if none is under way.
func (l *List) Done() <-chan struct{} {
	if l.pend == nil {
		return nil
	}
	return l.pend.done
}

// cancel abandons a background sort; the worker stops at its next step.
func (l *List) cancel() {
	if l.pend != nil {
		l.pend.stop.Store(true)
		l.pend = nil
		l.clearDirty()
	}
}

// markDirty records slots changed while a sort is under way.
func (l *List) markDirty(changes []Change) {
	words := (int(l.t.Slots()) + 63) / 64
	if len(l.dirtyMarks) < words {
		l.dirtyMarks = append(l.dirtyMarks, make([]uint64, words-len(l.dirtyMarks)+words/4)...)
	}
	for i := range changes {
		s := changes[i].Slot
		if l.dirtyMarks[s>>6]&(1<<(s&63)) == 0 {
			l.dirtyMarks[s>>6] |= 1 << (s & 63)
			l.dirty = append(l.dirty, s)
		}
	}
	l.pend.stale = true
}

func (l *List) clearDirty() {
	for _, s := range l.dirty {
		l.dirtyMarks[s>>6] &^= 1 << (s & 63)
	}
	l.dirty = l.dirty[:0]
}

// settle adopts the worker's order if it is done; if wait, it waits for it.
// It reports whether the full order is in l.items.
func (l *List) settle(wait bool) bool {
	p := l.pend
	if p == nil {
		return true
	}
	if wait {
		<-p.done
	} else {
		select {
		case <-p.done:
		default:
			return false
		}
	}
	l.pend = nil
	items := p.out
	// The worker's order is in its direction; so are the ties.
	desc := l.desc
	l.desc = p.desc
	var run []sortItem
	for _, r := range p.ties {
		run = run[:0]
		for i := r[0]; i < r[1]; i++ {
			run = append(run, items[i].unpack())
		}
		l.sortItems(run, nil)
		for i := range run {
			items[r[0]+i] = pack(&run[i])
		}
	}
	l.items = items
	l.valid = true
	if desc != p.desc {
		l.reverse()
	}
	if len(l.dirty) > 0 {
		l.incremental(l.dirty)
	}
	// Only a rebuild under way needs them: release them.
	l.dirty, l.dirtyMarks = nil, nil
	return true
}

// at returns the item at ascending index i of a pending rebuild's windows.
func (p *pending) at(i int) (listItem, bool) {
	for _, w := range p.wins {
		if i >= w.lo && i < w.lo+len(w.items) {
			return w.items[i-w.lo], true
		}
	}
	return listItem{}, false
}

// find returns the ascending index of x in a pending rebuild's windows.
func (l *List) findPending(x *sortItem) (int, bool) {
	for _, w := range l.pend.wins {
		lo, hi := 0, len(w.items)
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			it := w.items[mid].unpack()
			if l.compare(&it, x) < 0 {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		if lo < len(w.items) && w.items[lo].slot() == x.slot {
			return w.lo + lo, true
		}
	}
	return 0, false
}

// rebuild starts a rebuild: small ones sort at once, big ones select their
// windows now and sort the rest in the background.
func (l *List) rebuild() {
	l.cancel()
	n := int(l.t.Slots())
	if n < l.partialMin() {
		l.sortNow()
		return
	}
	sel := l.selectPass(l.partialMin())
	if sel.n < l.partialMin() {
		all := append(sel.halves[0], sel.halves[1]...)
		l.sortItems(all, nil)
		l.items = l.items[:0]
		for i := range all {
			l.items = append(l.items, pack(&all[i]))
		}
		l.valid = true
		return
	}
	p := &pending{n: sel.n, desc: l.desc, wins: sel.windows(l), done: make(chan struct{})}
	l.pend = p
	l.valid = true
	dst := l.items[:0]
	l.items = nil
	w := &List{t: l.t, col: l.col, desc: l.desc, filter: l.filter, keysOnly: true, hold: l.hold, stop: &p.stop}
	// The worker reads the items off the frame; no batch changes the
	// table before it has (gate.go), so they are the table the windows
	// were selected from.
	l.t.gate.enter()
	go w.sortInBackground(p, sel.n, dst)
}

// reselect recomputes the windows of a pending rebuild after the table
// changed, unless the worker is done (then the order is adopted).
func (l *List) reselect() {
	if l.settle(false) || !l.pend.stale {
		return
	}
	sel := l.selectPass(0)
	l.pend.n, l.pend.wins, l.pend.stale = sel.n, sel.windows(l), false
}

func (l *List) partialMin() int {
	if l.minPartial > 0 {
		return l.minPartial
	}
	return partialMin
}

// sortNow rebuilds the whole list at once (small tables).
func (l *List) sortNow() {
	items := l.collect(0, int(l.t.Slots()), make([]sortItem, 0, l.t.Len()))
	l.sortItems(items, make([]sortItem, len(items)))
	l.items = l.items[:0]
	if cap(l.items) < len(items) {
		l.items = make([]listItem, 0, len(items)+len(items)/8)
	}
	for i := range items {
		l.items = append(l.items, pack(&items[i]))
	}
	l.valid = true
}

// sortInBackground is the worker: it reads the n matching flows' items
// from the table (in the read gate the owner entered for it), sorts them
// on their summaries, lists the runs of equal summaries and hands the
// result over by closing p.done. l is the worker's own keys-only List.
func (l *List) sortInBackground(p *pending, n int, dst []listItem) {
	defer close(p.done)
	a := l.readItems(p, n)
	if l.hold != nil {
		<-l.hold
	}
	if p.stop.Load() {
		return
	}
	// One goroutine: the other core draws the frames meanwhile.
	l.sortItems(a, make([]sortItem, len(a))) // scratch, allocated off the frame
	if p.stop.Load() {
		return
	}
	out := dst[:0]
	if cap(out) < len(a) || cap(out) > 2*len(a)+1024 {
		out = make([]listItem, 0, len(a)+len(a)/8)
	}
	runStart := -1
	for k := range a {
		if k > 0 && a[k].k1 == a[k-1].k1 && a[k].k2 == a[k-1].k2 {
			if runStart < 0 {
				runStart = k - 1
			}
		} else if runStart >= 0 {
			p.ties = append(p.ties, [2]int{runStart, k})
			runStart = -1
		}
		out = append(out, pack(&a[k]))
	}
	if runStart >= 0 {
		p.ties = append(p.ties, [2]int{runStart, len(out)})
	}
	p.out = out
}

// readItems collects the items of the n matching flows and leaves the
// table's read gate; it stops early if the rebuild is abandoned.
func (l *List) readItems(p *pending, n int) []sortItem {
	defer l.t.gate.leave()
	items := make([]sortItem, 0, n)
	const step = 1 << 16
	end := int(l.t.Slots())
	for lo := 0; lo < end && !p.stop.Load(); lo += step {
		items = l.collect(lo, min(lo+step, end), items)
	}
	return items
}

// keyBefore orders items by their summaries alone.
func keyBefore(x, y *sortItem) bool {
	if x.k1 != y.k1 {
		return x.k1 < y.k1
	}
	return x.k2 < y.k2
}
