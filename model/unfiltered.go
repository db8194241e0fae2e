package model

// The order of every flow is kept aside while a filter is on, so that
// clearing the filter (esc in the flows view) answers at once at a million
// flows: without it, that key's frame was a rebuild's pass over the table
// (16-22 ms of Update at 1,000,000 flows, more than the rest of a 40 ms
// answer through a terminal). Batches that come meanwhile are recorded as
// dirty slots and applied as one incremental update when the order comes
// back. It costs the kept items, 16 bytes a flow, only while a filter is on;
// a new sort column or direction, a full reload, or more changes than a
// rebuild would cost drop it.

// keptAll is the unfiltered order of a List set aside by SetFilter.
type keptAll struct {
	col   Column
	desc  bool
	items []listItem
	dirty []int32  // slots changed since, each once
	marks []uint64 // dirty's bitmap, by slot
}

// keptDirtyMax is the share of the kept items (1/keptDirtyMax) from which
// the changes recorded since cost more to apply than a rebuild: the kept
// order is dropped then.
const keptDirtyMax = 8

// keepAll sets the unfiltered, fully sorted order aside (SetFilter from no
// filter to one). The list's items then belong to the kept order: the
// rebuild that follows must not reuse their buffer.
func (l *List) keepAll() {
	l.kept = &keptAll{col: l.col, desc: l.desc, items: l.items}
	l.items = nil
}

// dropKept forgets the kept order.
func (l *List) dropKept() { l.kept = nil }

// keepChanges records the slots a batch changed in the kept order.
func (l *List) keepChanges(changes []Change) {
	k := l.kept
	if len(k.dirty)+len(changes) > len(k.items)/keptDirtyMax+1024 {
		l.dropKept()
		return
	}
	words := (int(l.t.Slots()) + 63) / 64
	if len(k.marks) < words {
		k.marks = append(k.marks, make([]uint64, words-len(k.marks))...)
	}
	for i := range changes {
		s := changes[i].Slot
		if k.marks[s>>6]&(1<<(s&63)) == 0 {
			k.marks[s>>6] |= 1 << (s & 63)
			k.dirty = append(k.dirty, s)
		}
	}
}

// restoreAll brings the kept order back (SetFilter(nil)) if it is still in
// the list's sort, with the changes since applied; it reports whether it
// did. The filtered items are released.
func (l *List) restoreAll() bool {
	k := l.kept
	l.kept = nil
	if k == nil || k.col != l.col || k.desc != l.desc {
		return false
	}
	l.cancel()
	l.filter = nil
	l.items, l.valid = k.items, true
	if len(k.dirty) > 0 {
		l.incremental(k.dirty)
	}
	return true
}
