package model

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// truthSlots returns the display order of the flows of tab that m matches,
// sorted by col with a comparison sort of the flows themselves (unknown
// values last, ties by identity ascending): what a list must show.
func truthSlots(tab *Table, col Column, desc bool, m Matcher) []int32 {
	var slots []int32
	for s := int32(0); s < tab.Slots(); s++ {
		f := tab.At(s)
		if f.Family != 0 && (m == nil || m.Match(f, tab.ExtAt(s))) {
			slots = append(slots, s)
		}
	}
	slices.SortFunc(slots, func(a, b int32) int {
		ca, _ := tab.CountersAt(a)
		cb, _ := tab.CountersAt(b)
		return col.compareFlows(tab.At(a), &ca, tab.At(b), &cb, desc)
	})
	return slots
}

// checkWindows checks, without waiting for the worker, that a pending
// rebuild's count and the rows of its windows are the true ones: the first
// and last need rows, and need rows on either side of the focused flow.
func checkWindows(t *testing.T, l *List, truth []int32, need int, focus int32) {
	t.Helper()
	p := l.pend
	if p == nil {
		t.Fatal("no rebuild under way")
	}
	if p.n != len(truth) {
		t.Fatalf("pending count %d, want %d", p.n, len(truth))
	}
	asc := truth // the items hold the display order
	check := func(i int) {
		it, ok := p.at(i)
		if !ok {
			t.Fatalf("ascending row %d of %d is in no window", i, len(asc))
		}
		if it.slot() != asc[i] {
			t.Fatalf("ascending row %d: slot %d, want %d", i, it.slot(), asc[i])
		}
	}
	for i := 0; i < min(need, len(asc)); i++ {
		check(i)
		check(len(asc) - 1 - i)
	}
	if focus >= 0 {
		r := slices.Index(asc, focus)
		if r < 0 {
			return
		}
		for i := max(0, r-need); i < min(len(asc), r+need+1); i++ {
			check(i)
		}
		c, _ := l.t.CountersAt(focus)
		x := l.item(l.t.At(focus), &c, focus)
		x = masked(x)
		if got, ok := l.findPending(&x); !ok || got != r {
			t.Fatalf("focused flow at ascending row %d, %v; want %d", got, ok, r)
		}
	}
}

// TestPartialRebuild checks a rebuild answered from its windows before the
// background sort is done, for every column, both directions, with and
// without a filter and a focused flow; then that the full order it adopts
// is the true one.
func TestPartialRebuild(t *testing.T) {
	tab, _ := loadTable(20000)
	for _, col := range Columns() {
		for _, desc := range []bool{false, true} {
			for _, m := range []Matcher{nil, dportIs(80)} {
				l := NewList(tab)
				l.minPartial = 1000
				hold := make(chan struct{})
				l.hold = hold
				l.SetSort(col, desc)
				l.SetFilter(m)
				truth := truthSlots(tab, col, desc, m)
				focus := truth[len(truth)/3]
				l.Need(25, focus)
				if l.Len() != len(truth) {
					t.Fatalf("%v desc=%v: Len %d, want %d", col, desc, l.Len(), len(truth))
				}
				checkWindows(t, l, truth, 25, focus)
				if got := l.Window(0, 25, nil); !slices.Equal(got, truth[:25]) {
					t.Fatalf("%v desc=%v: first rows %v, want %v", col, desc, got, truth[:25])
				}
				if got := l.Position(focus); got != len(truth)/3 {
					t.Fatalf("%v desc=%v: focused flow at %d, want %d", col, desc, got, len(truth)/3)
				}
				if l.pend == nil {
					t.Fatalf("%v desc=%v: the rows on screen waited for the background sort", col, desc)
				}
				close(hold)
				if got := listSlots(l); !slices.Equal(got, truth) {
					t.Fatalf("%v desc=%v filter=%v: adopted order differs from the truth", col, desc, m)
				}
				if l.pend != nil {
					t.Fatal("order not adopted after a row beyond the windows")
				}
			}
		}
	}
}

// TestPartialChurn applies batches while the background sort runs: the
// windows stay true after each, and the order adopted at the end equals a
// rebuild, with the slots changed meanwhile (freed, reused, updated)
// applied.
func TestPartialChurn(t *testing.T) {
	tab, flows := loadTable(20000)
	r := rand.New(rand.NewPCG(7, 7))
	next := uint32(len(flows) + 1)
	for _, col := range []Column{ColSrc, ColTTL, ColDport, ColState} {
		l := NewList(tab)
		l.minPartial = 1000
		hold := make(chan struct{})
		l.hold = hold
		l.SetSort(col, col == ColTTL)
		l.Need(30, -1)
		l.Len()
		now := t0
		for round := 0; round < 4; round++ {
			now = now.Add(time.Second)
			l.Update(tab.Apply(churn(r, flows, &next, now, 2000)))
			truth := truthSlots(tab, col, col == ColTTL, nil)
			if l.Len() != len(truth) {
				t.Fatalf("%v round %d: Len %d, want %d", col, round, l.Len(), len(truth))
			}
			checkWindows(t, l, truth, 30, -1)
		}
		close(hold)
		<-l.Done()
		if got, want := listSlots(l), truthSlots(tab, col, col == ColTTL, nil); !slices.Equal(got, want) {
			t.Fatalf("%v: adopted order after churn differs from the truth", col)
		}
		// And it stays incremental afterwards.
		now = now.Add(time.Second)
		l.Update(tab.Apply(churn(r, flows, &next, now, 2000)))
		if got, want := listSlots(l), truthSlots(tab, col, col == ColTTL, nil); !slices.Equal(got, want) {
			t.Fatalf("%v: incremental update after adoption differs from the truth", col)
		}
	}
}

// TestPartialCancel changes the sort column and the filter while a
// background sort runs, and makes the table change all at once (a
// snapshot): the abandoned sort never shows.
func TestPartialCancel(t *testing.T) {
	tab, flows := loadTable(20000)
	l := NewList(tab)
	l.minPartial = 1000
	hold := make(chan struct{})
	l.hold = hold
	l.SetSort(ColTTL, false)
	l.Len()
	first := l.pend
	l.SetSort(ColDport, false)
	if first.stop.Load() != true {
		t.Fatal("the first sort was not told to stop")
	}
	l.SetFilter(dportIs(443))
	l.Len()
	sn := &Snapshot{}
	for i := range flows[:15000] {
		sn.Add(&flows[i], nil)
	}
	l.Update(tab.Apply(&Batch{Time: t0.Add(time.Second), Snapshot: sn}))
	close(hold)
	if got, want := listSlots(l), truthSlots(tab, ColDport, false, dportIs(443)); !slices.Equal(got, want) {
		t.Fatalf("order after cancels: %d rows, want %d", len(got), len(want))
	}
}

// TestPartialTies sorts flows that only their identities order (one
// address pair, one TTL, many ports): the worker leaves them to the owner,
// which orders them when it adopts the result.
func TestPartialTies(t *testing.T) {
	sn := &Snapshot{}
	for i := 0; i < 5000; i++ {
		f := tcpFlow(uint32(i+1), "192.0.2.1", uint16(1000+i*7%4000), "198.51.100.2", 443)
		if i%2 == 0 {
			f = tcpFlow(uint32(i+1), "2001:db8::1", uint16(1000+i*7%4000), "2001:db8::2", 443)
		}
		sn.Add(&f, nil)
	}
	tab := NewTable(0)
	tab.Apply(&Batch{Time: t0, Snapshot: sn})
	for _, col := range []Column{ColTTL, ColSrc, ColDst, ColDport} {
		l := NewList(tab)
		l.minPartial = 100
		l.SetSort(col, false)
		l.Need(10, -1)
		if got, want := listSlots(l), truthSlots(tab, col, false, nil); !slices.Equal(got, want) {
			t.Fatalf("%v: order of tied flows differs from the truth", col)
		}
	}
}
