package model

// Rows the kernel no longer holds leave the table here: a dump reconciles
// it (reconcile), and flows whose timeout passed without a DESTROY event
// go once they are overdue (expire, overdue). table.go has the store and
// its ingest.

// reconcile makes the table equal to the snapshot, or, for a part of a
// dump, adds the part's flows and, after the last part, removes the flows
// no part of the dump held.
func (t *Table) reconcile(sn *Snapshot) {
	words := (int(t.s.n) + sn.Len() + 63) / 64
	if !sn.Continues {
		t.overflow = 0 // a full dump counts afresh
		t.seen = t.seen[:0]
	}
	if len(t.seen) < words {
		t.seen = append(t.seen, make([]uint64, words-len(t.seen))...)
	}
	var hs [prefetch]uint32
	for base := 0; base < sn.Len(); base += prefetch {
		n := min(prefetch, sn.Len()-base)
		for i := 0; i < n; i++ {
			k := sn.s.flow(int32(base + i)).Key()
			hs[i] = t.idx.hash(&k)
		}
		t.touch(hs[:n])
		for i := 0; i < n; i++ {
			f, c := sn.At(base + i)
			k := f.Key()
			slot := t.upsert(f, &c, sn.ExtAt(base+i), &k, hs[i], false, true)
			if slot < 0 {
				continue
			}
			t.seen[slot>>6] |= 1 << (slot & 63)
		}
	}
	if sn.More {
		return
	}
	for slot := int32(0); slot < t.s.n; slot++ {
		if t.seen[slot>>6]&(1<<(slot&63)) == 0 && t.s.flow(slot).Family != 0 {
			t.remove(slot)
		}
	}
}

// expire removes the flows past their timeout by more than the grace. It
// runs every second; scanning a million flows each time cost more than
// everything else cttop does on an idle table, so it scans only when the
// earliest timeout has passed (minExpires).
func (t *Table) expire() {
	limit := t.now - t.grace
	if t.now < t.grace || t.minExpires >= limit {
		return
	}
	earliest := ^uint32(0)
	for slot := int32(0); slot < t.s.n; slot++ {
		f := t.s.flow(slot)
		if f.Family == 0 || f.Attrs&HasTimeout == 0 {
			continue
		}
		if f.expires < limit {
			t.remove(slot)
		} else {
			earliest = min(earliest, f.expires)
		}
	}
	t.minExpires = earliest
}

// Overdue flows: see Checker.
const (
	// overdueSlack is how long past its timeout a flow waits before it is
	// checked: a dump's timeouts are whole seconds, and the kernel's
	// garbage collector ends an expired flow (and sends its DESTROY) a
	// little after its timeout.
	overdueSlack = 2
	// maxCheck bounds the flows checked per second; the rest wait.
	maxCheck = 16384
)

// overdue returns (a new slice of) the flows whose timeout passed more than
// overdueSlack ago and that are not being checked, at most maxCheck, and
// marks them as being checked. It scans the table only when some flow may
// be due (minDue).
func (t *Table) overdue() []Flow {
	if t.now < overdueSlack || t.minDue >= t.now-overdueSlack {
		return nil
	}
	limit := t.now - overdueSlack
	var due []Flow
	earliest := ^uint32(0)
	for slot := int32(0); slot < t.s.n; slot++ {
		f := t.s.flow(slot)
		if f.Family == 0 || f.Attrs&(HasTimeout|checking) != HasTimeout {
			continue
		}
		if f.expires >= limit || len(due) == maxCheck {
			earliest = min(earliest, f.expires)
			continue
		}
		f.Attrs |= checking
		due = append(due, *f)
		due[len(due)-1].Attrs &^= checking
	}
	t.minDue = earliest
	return due
}
