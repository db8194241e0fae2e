package model

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

type dportIs uint16

func (d dportIs) Match(f *Flow, _ *Ext) bool { return f.Orig.DstPort == uint16(d) }

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
							f.SetExpires(f.expires + uint32(r.IntN(100)))
							f.SetProtoState(uint8(1 + r.IntN(8)))
							f.Attrs |= HasCounters
							known[j] = f
							b.Add(&Event{Type: EventUpdate, Flow: f, Counters: Counters{OrigBytes: r.Uint64N(1e6)}})
						default:
							f := randFlow(r, r.Uint32())
							unknownSome(r, &f)
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
					ca, _ := tab.CountersAt(want[i-1])
					cb, _ := tab.CountersAt(want[i])
					if col.compareFlows(a, &ca, b, &cb, false) >= 0 {
						t.Fatalf("rows %d and %d out of order", i-1, i)
					}
				}
				for i, s := range want {
					if p := live.Position(s); p != i {
						t.Fatalf("Position(row %d) = %d", i, p)
					}
				}
				// Descending reverses the flows of known value; those of
				// unknown value stay last, in the same order.
				unknown := 0
				for unknown < len(want) && col.item(tab.At(want[len(want)-1-unknown]), &Counters{}, 0).k1 == unknownKey {
					unknown++
				}
				live.SetSort(col, true)
				desc := listSlots(live)
				for i := 1; i < len(desc); i++ {
					a, b := tab.At(desc[i-1]), tab.At(desc[i])
					ca, _ := tab.CountersAt(desc[i-1])
					cb, _ := tab.CountersAt(desc[i])
					if col.compareFlows(a, &ca, b, &cb, true) >= 0 {
						t.Fatalf("descending rows %d and %d out of order", i-1, i)
					}
				}
				if !slices.Equal(desc[len(desc)-unknown:], want[len(want)-unknown:]) {
					t.Fatal("descending: the flows of unknown value are not last, in identity order")
				}
				for i, s := range desc {
					if p := live.Position(s); p != i {
						t.Fatalf("descending Position(row %d) = %d", i, p)
					}
				}
			})
		}
	}
}

// unknownSome makes some of f's optional values unknown, as sources leave
// them: no timeout (offloaded), no mark or zone (a file without them), no
// ID, no start timestamp, or a known start.
func unknownSome(r *rand.Rand, f *Flow) {
	switch r.IntN(6) {
	case 0:
		f.Attrs &^= HasTimeout | HasState
		f.Status |= StatusOffload
	case 1:
		f.Attrs &^= HasMark | HasZone
	case 2:
		f.Attrs &^= HasID
		f.id = 0
	case 3:
		f.SetStart(uint32(t0.Unix()) - uint32(r.IntN(1000)))
	}
}

// TestListUnknownLast checks that flows whose sort value is unknown come
// after every known value whichever the direction.
func TestListUnknownLast(t *testing.T) {
	tab := NewTable(0)
	b := &Batch{Time: t0}
	known1, known2, none := tcpFlow(1, "192.0.2.1", 1, "192.0.2.9", 80), tcpFlow(2, "192.0.2.2", 1, "192.0.2.9", 80), tcpFlow(3, "192.0.2.3", 1, "192.0.2.9", 80)
	known1.SetExpires(uint32(t0.Unix()) + 5)
	known2.SetExpires(uint32(t0.Unix()) + 500)
	none.Attrs &^= HasTimeout | HasState // offloaded: no timeout, no state
	none.Status |= StatusOffload
	for _, f := range []Flow{none, known2, known1} {
		b.Add(&Event{Type: EventNew, Flow: f})
	}
	tab.Apply(b)
	l := NewList(tab)
	ids := func() []uint32 {
		var out []uint32
		for _, s := range listSlots(l) {
			out = append(out, tab.At(s).id)
		}
		return out
	}
	for _, c := range []struct {
		col  Column
		desc bool
		want []uint32
	}{
		{ColTTL, false, []uint32{1, 2, 3}},
		{ColTTL, true, []uint32{2, 1, 3}},
		{ColState, false, []uint32{1, 2, 3}},
		{ColState, true, []uint32{1, 2, 3}}, // equal states: identity order, whatever the direction
		{ColAge, false, []uint32{1, 2, 3}},  // no start timestamps at all
		{ColAge, true, []uint32{1, 2, 3}},
	} {
		l.SetSort(c.col, c.desc)
		if got := ids(); !slices.Equal(got, c.want) {
			t.Errorf("%v desc=%v: %v, want %v", c.col, c.desc, got, c.want)
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
		ids = append(ids, tab.At(s).id)
	}
	if want := []uint32{3, 5, 2, 4, 1}; !slices.Equal(ids, want) {
		t.Errorf("src order %v, want %v (IPv4 by address and port, then IPv6)", ids, want)
	}
}
