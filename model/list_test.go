package model

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

type dportIs uint16

func (d dportIs) Match(f *Flow) bool { return f.Orig.DstPort == uint16(d) }

// listSlots returns the list's rows in display order.
func listSlots(l *List) []int32 { return l.Window(0, l.Len(), nil) }

// TestListIncremental checks that a list kept up to date through random
// churn equals one rebuilt from scratch, for every column, both
// directions, with and without a filter.
func TestListIncremental(t *testing.T) {
	for _, col := range Columns() {
		for _, filtered := range []bool{false, true} {
			t.Run(col.String(), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(col), 9))
				tab := NewTable(0)
				live := NewList(tab)
				live.SetSort(col, false)
				if filtered {
					live.SetFilter(dportIs(80))
				}
				var known []Flow
				now := t0
				for round := 0; round < 40; round++ {
					now = now.Add(time.Second)
					b := &Batch{Time: now}
					for i := 0; i < 50; i++ {
						switch {
						case len(known) > 0 && r.IntN(4) == 0:
							j := r.IntN(len(known))
							b.Add(&Event{Type: EventDestroy, Flow: known[j]})
							known = slices.Delete(known, j, j+1)
						case len(known) > 0 && r.IntN(3) == 0:
							j := r.IntN(len(known))
							f := known[j]
							f.Expires += uint32(r.IntN(100))
							f.State = uint8(1 + r.IntN(8))
							f.Attrs |= HasCounters
							known[j] = f
							b.Add(&Event{Type: EventUpdate, Flow: f, Counters: Counters{OrigBytes: r.Uint64N(1e6)}})
						default:
							f := randFlow(r, r.Uint32())
							known = append(known, f)
							b.Add(&Event{Type: EventNew, Flow: f})
						}
					}
					live.Update(tab.Apply(b))
					_ = live.Len() // keep it materialised so updates are incremental
				}
				fresh := NewList(tab)
				fresh.SetSort(col, false)
				if filtered {
					fresh.SetFilter(dportIs(80))
				}
				got, want := listSlots(live), listSlots(fresh)
				if !slices.Equal(got, want) {
					t.Fatalf("incremental list differs from rebuilt one (%d vs %d rows)", len(got), len(want))
				}
				// Sorted by the column, ties broken by identity: strictly increasing.
				for i := 1; i < len(want); i++ {
					a, b := tab.At(want[i-1]), tab.At(want[i])
					ca, cb := tab.CountersAt(want[i-1]), tab.CountersAt(want[i])
					if col.compareFlows(a, &ca, b, &cb) >= 0 {
						t.Fatalf("rows %d and %d out of order", i-1, i)
					}
				}
				for i, s := range want {
					if p := live.Position(s); p != i {
						t.Fatalf("Position(row %d) = %d", i, p)
					}
				}
				live.SetSort(col, true)
				rev := listSlots(live)
				slices.Reverse(rev)
				if !slices.Equal(rev, want) {
					t.Fatal("descending order is not the reverse")
				}
				if len(want) > 0 && live.Position(want[0]) != len(want)-1 {
					t.Fatal("Position ignores the direction")
				}
			})
		}
	}
}

func TestListOrderSrc(t *testing.T) {
	tab := NewTable(0)
	b := &Batch{Time: t0}
	flows := []Flow{
		tcpFlow(1, "2001:db8::2", 1, "2001:db8::9", 80),
		tcpFlow(2, "192.0.2.10", 5, "198.51.100.1", 80),
		tcpFlow(3, "192.0.2.9", 7, "198.51.100.1", 80),
		tcpFlow(4, "2001:db8::1", 1, "2001:db8::9", 80),
		tcpFlow(5, "192.0.2.10", 4, "198.51.100.1", 80),
	}
	for _, f := range flows {
		b.Add(&Event{Type: EventNew, Flow: f})
	}
	tab.Apply(b)
	l := NewList(tab)
	var ids []uint32
	for _, s := range listSlots(l) {
		ids = append(ids, tab.At(s).ID)
	}
	if want := []uint32{3, 5, 2, 4, 1}; !slices.Equal(ids, want) {
		t.Errorf("src order %v, want %v (IPv4 by address and port, then IPv6)", ids, want)
	}
}
