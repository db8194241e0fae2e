package model

import (
	"fmt"
	"slices"
	"testing"
)

// TestEveryColumnUnknownLast: for every sortable column, flows whose value
// is unknown (the source did not give it) or that have none (the ports of
// ICMP, GRE and an unknown protocol) sort after every known value, in both
// directions, and a known 0 sorts as 0, among the known values. Flows are
// inserted in an order that is none of the expected ones.
func TestEveryColumnUnknownLast(t *testing.T) {
	now := uint32(t0.Unix())
	// known(v) is a flow whose every optional value is known and derived
	// from v (0 included); id is its identity.
	known := func(id uint32, v uint32) (Flow, Counters) {
		f := tcpFlow(id, fmt.Sprintf("192.0.2.%d", 10+id), uint16(1000+v), "198.51.100.1", uint16(2000+v))
		f.SetExpires(now + 10*v)
		f.SetStart(now - 10*v)
		f.SetMark(v)
		f.SetZone(Zone{ID: uint16(v)})
		f.SetID(100 + v)
		f.SetProtoState([]uint8{TCPSynSent, TCPEstablished, TCPTimeWait}[v])
		f.Attrs |= HasCounters
		return f, Counters{OrigPackets: uint64(v), OrigBytes: uint64(100 * v)}
	}
	// unknown is a flow of a protocol without ports whose optional values
	// are all unknown.
	unknownOf := func(id uint32, proto uint8) Flow {
		f := tcpFlow(id, fmt.Sprintf("192.0.2.%d", 10+id), 7, "198.51.100.1", 8)
		f.Proto = proto
		f.Attrs &^= HasTimeout | HasStart | HasMark | HasZone | HasID | HasState | HasCounters
		f.Status |= StatusOffload
		return f
	}
	tab := NewTable(0)
	b := &Batch{Time: t0}
	add := func(f Flow, c Counters) { b.Add(&Event{Type: EventNew, Flow: f, Counters: c}) }
	f2, c2 := known(2, 2)
	f0, c0 := known(0, 0)
	f1, c1 := known(1, 1)
	add(unknownOf(4, ProtoGRE), Counters{})
	add(f2, c2)
	add(unknownOf(3, ProtoICMP), Counters{})
	add(f0, c0)
	add(unknownOf(5, 253), Counters{})
	add(f1, c1)
	tab.Apply(b)
	l := NewList(tab)
	keys := func() []uint32 { // the flows' source's last byte - 10: their identity
		var out []uint32
		for _, s := range listSlots(l) {
			out = append(out, uint32(tab.At(s).Orig.Src[15])-10)
		}
		return out
	}
	for _, col := range Columns() {
		if col == ColProto || col == ColSrc || col == ColDst {
			continue // every flow has one
		}
		// Each direction both sorted afresh and reversed in place.
		for _, c := range []struct{ desc, reversed bool }{{false, false}, {true, true}, {true, false}, {false, true}} {
			desc := c.desc
			if !c.reversed {
				l.SetSort(ColSrc, false)
				keys()
			}
			l.SetSort(col, desc)
			got := keys()
			want := []uint32{0, 1, 2}
			if col == ColAge {
				want = []uint32{0, 1, 2} // the youngest first: started 0 s ago
			}
			if col == ColState {
				// SYN_SENT, ESTABLISHED, TIME_WAIT in the state model's order.
				want = stateOrder(tab, f0, f1, f2)
			}
			if desc {
				slices.Reverse(want)
			}
			want = append(want, 3, 4, 5) // unknown or none: last, by identity
			if !slices.Equal(got, want) {
				t.Errorf("--sort %v reverse=%v (reversed in place %v): %v, want %v", col, desc, c.reversed, got, want)
			}
		}
	}
}

// stateOrder returns the flows' identities in the state model's order.
func stateOrder(_ *Table, fs ...Flow) []uint32 {
	type st struct {
		s  State
		id uint32
	}
	var out []st
	for _, f := range fs {
		s, _ := f.State()
		out = append(out, st{s, uint32(f.Orig.Src[15]) - 10})
	}
	slices.SortFunc(out, func(a, b st) int { return int(a.s) - int(b.s) })
	ids := make([]uint32, len(out))
	for i, o := range out {
		ids[i] = o.id
	}
	return ids
}

// TestFamilyIsPartOfTheKey: an IPv6 flow between IPv4-mapped addresses
// (::ffff:192.0.2.1) and an IPv4 flow between the same IPv4 addresses are
// two flows for the kernel; the table keeps both, and removing one leaves
// the other.
func TestFamilyIsPartOfTheKey(t *testing.T) {
	v4 := tcpFlow(1, "192.0.2.1", 40000, "198.51.100.1", 443)
	v6 := tcpFlow(1, "::ffff:192.0.2.1", 40000, "::ffff:198.51.100.1", 443)
	if v6.Family != IPv6 || v4.Orig != v6.Orig {
		t.Fatalf("the test wants an IPv6 flow with the IPv4 flow's tuple bytes: %v %v", v4, v6)
	}
	if v4.Key() == v6.Key() {
		t.Fatal("one key for an IPv4 flow and an IPv6 flow")
	}
	tab := NewTable(0)
	b := &Batch{Time: t0}
	b.Add(&Event{Type: EventNew, Flow: v4})
	b.Add(&Event{Type: EventNew, Flow: v6})
	tab.Apply(b)
	if tab.Len() != 2 {
		t.Fatalf("%d flows, want 2", tab.Len())
	}
	b = &Batch{Time: t0}
	b.Add(&Event{Type: EventDestroy, Flow: v4})
	tab.Apply(b)
	if tab.Len() != 1 || tab.Find(v6.Key()) < 0 || tab.Find(v4.Key()) >= 0 {
		t.Fatalf("after the IPv4 flow's DESTROY: %d flows, IPv6 one found %v", tab.Len(), tab.Find(v6.Key()) >= 0)
	}
}
