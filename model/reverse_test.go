package model

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// reverseTable is a table with unknown values, IPv6 flows and runs of
// equal values that only the flows' identities order (one IPv6 and one
// IPv4 address pair with many flows, a few ports each).
func reverseTable(n int) (*Table, []Flow) {
	r := rand.New(rand.NewPCG(3, 3))
	sn := &Snapshot{}
	var flows []Flow
	for i := 0; i < n; i++ {
		f := randFlow(r, uint32(i+1))
		unknownSome(r, &f)
		switch i % 7 {
		case 0:
			f = tcpFlow(uint32(i+1), "2001:db8::1", uint16(1000+i%5), "2001:db8::2", 443)
		case 1:
			f = tcpFlow(uint32(i+1), "192.0.2.1", uint16(1000+i%5), "198.51.100.2", 443)
		}
		flows = append(flows, f)
		sn.Add(&f, nil)
	}
	tab := NewTable(0)
	tab.Apply(&Batch{Time: t0, Snapshot: sn})
	return tab, flows
}

// TestReverse presses r on a settled list, for every column, both ways,
// with and without a filter: the list, reversed in place and not rebuilt,
// equals a full sort in the other direction row for row (so scrolling to
// its end shows the true order), and stays true through churn after it.
func TestReverse(t *testing.T) {
	tab, flows := reverseTable(6000)
	r := rand.New(rand.NewPCG(5, 5))
	next := uint32(len(flows) + 1)
	now := t0
	for _, col := range Columns() {
		for _, m := range []Matcher{nil, dportIs(443)} {
			l := NewList(tab)
			l.SetSort(col, false)
			l.SetFilter(m)
			if got, want := listSlots(l), truthSlots(tab, col, false, m); !slices.Equal(got, want) {
				t.Fatalf("%v: ascending order differs from the truth", col)
			}
			for _, desc := range []bool{true, false, true} {
				l.SetSort(col, desc)
				if !l.valid || l.pend != nil {
					t.Fatalf("%v desc=%v: reversing rebuilt the list", col, desc)
				}
				if got, want := listSlots(l), truthSlots(tab, col, desc, m); !slices.Equal(got, want) {
					t.Fatalf("%v desc=%v filter=%v: reversed order differs from a full sort (%d rows, want %d; first difference at %d)",
						col, desc, m, len(got), len(want), firstDiff(got, want))
				}
				if c, d := l.Sort(); c != col || d != desc {
					t.Fatalf("Sort() = %v %v, want %v %v", c, d, col, desc)
				}
			}
			now = now.Add(time.Second)
			l.Update(tab.Apply(churn(r, flows, &next, now, 500)))
			if got, want := listSlots(l), truthSlots(tab, col, true, m); !slices.Equal(got, want) {
				t.Fatalf("%v: incremental update after a reverse differs from the truth", col)
			}
			for i, s := range listSlots(l) {
				if p := l.Position(s); p != i {
					t.Fatalf("%v: Position of row %d's flow = %d", col, i, p)
				}
			}
		}
	}
}

// TestReverseWhileSorting presses r while a rebuild's background sort is
// under way, with batches before and after: the windows on screen are
// those of the new direction at once, and the order adopted at the end is
// the full sort in the new direction, with the changes made meanwhile.
func TestReverseWhileSorting(t *testing.T) {
	tab, flows := reverseTable(20000)
	r := rand.New(rand.NewPCG(8, 8))
	next := uint32(len(flows) + 1)
	now := t0
	for _, col := range []Column{ColSrc, ColDst, ColTTL, ColDport, ColAge, ColID} {
		for _, flips := range []int{1, 2} {
			l := NewList(tab)
			l.minPartial = 1000
			hold := make(chan struct{})
			l.hold = hold
			l.SetSort(col, false)
			l.Need(25, -1)
			l.Len()
			if l.pend == nil {
				t.Fatal("no background sort")
			}
			now = now.Add(time.Second)
			l.Update(tab.Apply(churn(r, flows, &next, now, 300)))
			desc := false
			for range flips {
				desc = !desc
				l.SetSort(col, desc)
			}
			truth := truthSlots(tab, col, desc, nil)
			if l.Len() != len(truth) {
				t.Fatalf("%v: Len %d, want %d", col, l.Len(), len(truth))
			}
			checkWindows(t, l, truth, 25, -1)
			now = now.Add(time.Second)
			l.Update(tab.Apply(churn(r, flows, &next, now, 300)))
			close(hold)
			<-l.Done()
			if got, want := listSlots(l), truthSlots(tab, col, desc, nil); !slices.Equal(got, want) {
				t.Fatalf("%v flips=%d: adopted order differs from the truth at %d", col, flips, firstDiff(got, want))
			}
		}
	}
}

func firstDiff(a, b []int32) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
