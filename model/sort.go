package model

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"strings"
)

// Column is a sortable column of the flow list.
type Column uint8

// Columns, in the order of the flows view.
const (
	ColProto Column = iota
	ColSrc
	ColSport
	ColDst
	ColDport
	ColState
	ColTTL
	ColAge
	ColBytes
	ColPkts
	ColMark
	ColZone
	ColID
	numColumns
)

var columnNames = [numColumns]string{
	"proto", "src", "sport", "dst", "dport", "state", "ttl", "age",
	"bytes", "pkts", "mark", "zone", "id",
}

func (c Column) String() string {
	if c < numColumns {
		return columnNames[c]
	}
	return fmt.Sprintf("column(%d)", c)
}

// Columns returns every sortable column in view order.
func Columns() []Column {
	cs := make([]Column, numColumns)
	for i := range cs {
		cs[i] = Column(i)
	}
	return cs
}

// ParseColumn parses a column name as String returns it (case-insensitive;
// "source", "destination", "packets" are accepted too).
func ParseColumn(s string) (Column, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "source":
		s = "src"
	case "destination":
		s = "dst"
	case "packets":
		s = "pkts"
	case "timeout":
		s = "ttl"
	}
	for i, n := range columnNames {
		if n == s {
			return Column(i), nil
		}
	}
	return 0, fmt.Errorf("unknown column %q (want one of %s)", s, strings.Join(columnNames[:], ", "))
}

// sortItem is one row of a sorted list: two order-preserving summaries of
// the sort key, so that most comparisons touch no flow, and the slot.
// If k1 (then k2) differ, they decide; if both are equal, compareFlows does.
// For an IPv6 address column, k1 and k2 hold the address (less its last
// bit); otherwise k2 is the identity's summary, tieKey.
type sortItem struct {
	k1, k2 uint64
	slot   int32
}

// listItem is how a List keeps an item between frames: the slot shares a
// word with k2 (whose low slotBits it masks off), 16 bytes instead of 24, 8
// bytes a flow at a million flows. Rebuilds sort full sortItems and pack the
// result; since k2 only summarises compareFlows' order, the packed order
// is the same, and comparisons with packed items mask k2 on both sides.
type listItem struct {
	k1, k2s uint64
}

// slotBits is how many bits a slot takes in a listItem: a table holds at
// most MaxFlows flows, 67 million (a kernel's table rarely holds a few).
const (
	slotBits = 26
	slotMask = 1<<slotBits - 1
	// MaxFlows is the largest number of flows a Table holds.
	MaxFlows = 1 << slotBits
)

func pack(it *sortItem) listItem { return listItem{it.k1, it.k2&^slotMask | uint64(it.slot)} }

func (li *listItem) slot() int32 { return int32(li.k2s & slotMask) }

// unpack returns the item with its k2 masked as packing left it.
func (li *listItem) unpack() sortItem {
	return sortItem{k1: li.k1, k2: li.k2s &^ slotMask, slot: li.slot()}
}

// masked returns it as it compares with packed items.
func masked(it sortItem) sortItem {
	it.k2 &^= slotMask
	return it
}

func addrHi(a *Addr) uint64 { return binary.BigEndian.Uint64(a[0:8]) }
func addr4(a *Addr) uint64  { return uint64(binary.BigEndian.Uint32(a[12:16])) }

// addrLo is the rest of an IPv6 address after addrKey's summary.
func addrLo(a *Addr) uint64 {
	return binary.BigEndian.Uint64(a[0:8])<<63 | binary.BigEndian.Uint64(a[8:16])>>1
}

// addrKey summarises an address and a port: IPv4 before IPv6, then by value.
func addrKey(fam uint8, a *Addr, port uint16) uint64 {
	if fam == IPv4 {
		return addr4(a)<<16 | uint64(port)
	}
	return 1<<63 | addrHi(a)>>1
}

// tieKey summarises the identity order: family, source, destination.
func tieKey(f *Flow) uint64 {
	if f.Family == IPv4 {
		return addr4(&f.Orig.Src)<<31 | addr4(&f.Orig.Dst)>>1
	}
	return 1<<63 | addrHi(&f.Orig.Src)>>1
}

// sport and dport are the ports a sort sees: 0 for protocols without
// ports (ICMP keeps its id and type there).
func sport(f *Flow) uint16 {
	if HasPorts(f.Proto) {
		return f.Orig.SrcPort
	}
	return 0
}

func dport(f *Flow) uint16 {
	if HasPorts(f.Proto) {
		return f.Orig.DstPort
	}
	return 0
}

// unknownKey is the k1 of a flow whose value in the sort column is unknown
// (no timeout, no counters...) or that has none (the ports of ICMP, GRE or
// an unknown protocol, whose cells are an id, keys or "-"): above every
// known value, so that ascending lists put such flows last, and List keeps
// them last when descending too, never as if their value were 0.
// No known value reaches it (known counter sums are capped below it).
const unknownKey = ^uint64(0)

// known returns v, or unknownKey if !ok.
func known(v uint64, ok bool) uint64 {
	if !ok {
		return unknownKey
	}
	return min(v, unknownKey-1)
}

// reverseKey is the k1 of a descending list: a known value's summary
// reversed, an unknown one's unchanged (still above every other).
func reverseKey(k1 uint64) uint64 {
	if k1 == unknownKey {
		return k1
	}
	return unknownKey - 1 - k1
}

func stateKey(f *Flow) uint64 {
	s, ok := f.State()
	return known(uint64(s), ok)
}

func zoneKey(f *Flow) uint64 {
	z, ok := f.Zone()
	return known(uint64(z.ID)<<2|uint64(z.Dir), ok)
}

// counted reports whether the column's items read the flow's counters
// (others are given none: reading them was 14% of a rebuild's pass over
// a million flows in a profile).
func (c Column) counted() bool { return c == ColBytes || c == ColPkts }

func (c Column) item(f *Flow, ctr *Counters, slot int32) sortItem {
	it := sortItem{k2: tieKey(f), slot: slot}
	switch c {
	case ColProto:
		it.k1 = uint64(f.Proto)
	case ColSrc:
		it.k1 = addrKey(f.Family, &f.Orig.Src, sport(f))
		if f.Family != IPv4 {
			it.k2 = addrLo(&f.Orig.Src)
		}
	case ColSport:
		it.k1 = known(uint64(f.Orig.SrcPort), HasPorts(f.Proto))
	case ColDst:
		it.k1 = addrKey(f.Family, &f.Orig.Dst, dport(f))
		if f.Family != IPv4 {
			it.k2 = addrLo(&f.Orig.Dst)
		}
	case ColDport:
		it.k1 = known(uint64(f.Orig.DstPort), HasPorts(f.Proto))
	case ColState:
		it.k1 = stateKey(f)
	case ColTTL:
		it.k1 = known(uint64(f.expires), f.Attrs&HasTimeout != 0)
	case ColAge:
		// Youngest first: ascending age is descending start.
		it.k1 = known(uint64(^f.start), f.Attrs&HasStart != 0)
	case ColBytes:
		it.k1 = known(ctr.Bytes(), f.Attrs&HasCounters != 0)
	case ColPkts:
		it.k1 = known(ctr.Packets(), f.Attrs&HasCounters != 0)
	case ColMark:
		it.k1 = known(uint64(f.mark), f.Attrs&HasMark != 0)
	case ColZone:
		it.k1 = zoneKey(f)
	case ColID:
		it.k1 = known(uint64(f.id), f.Attrs&HasID != 0)
	}
	return it
}

func compareAddr(fa uint8, a *Addr, fb uint8, b *Addr) int {
	if fa != fb {
		return cmp.Compare(fa, fb)
	}
	return bytes.Compare(a[:], b[:])
}

// compareKey is the deterministic tie-break: the flows' identities.
func compareKey(a, b *Flow) int {
	if c := compareAddr(a.Family, &a.Orig.Src, b.Family, &b.Orig.Src); c != 0 {
		return c
	}
	if c := compareAddr(a.Family, &a.Orig.Dst, b.Family, &b.Orig.Dst); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Orig.SrcPort, b.Orig.SrcPort); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Orig.DstPort, b.Orig.DstPort); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Proto, b.Proto); c != 0 {
		return c
	}
	if c := cmp.Compare(zoneKey(a), zoneKey(b)); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// compareFlows orders two flows by column c (descending if desc, unknown
// values last either way), then by identity, ascending. It agrees with the
// items' k1 and k2 (List.item) wherever those differ.
func (c Column) compareFlows(a *Flow, ca *Counters, b *Flow, cb *Counters, desc bool) int {
	var r int
	switch c {
	case ColSrc:
		r = compareAddr(a.Family, &a.Orig.Src, b.Family, &b.Orig.Src)
		if r == 0 {
			r = cmp.Compare(sport(a), sport(b))
		}
		if desc {
			r = -r
		}
	case ColDst:
		r = compareAddr(a.Family, &a.Orig.Dst, b.Family, &b.Orig.Dst)
		if r == 0 {
			r = cmp.Compare(dport(a), dport(b))
		}
		if desc {
			r = -r
		}
	default:
		ka, kb := c.item(a, ca, 0).k1, c.item(b, cb, 0).k1
		if desc {
			ka, kb = reverseKey(ka), reverseKey(kb)
		}
		r = cmp.Compare(ka, kb)
	}
	if r != 0 {
		return r
	}
	return compareKey(a, b)
}
