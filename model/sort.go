package model

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
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

func stateKey(f *Flow) uint64 {
	if f.Attrs&HasState == 0 {
		return 1 << 16
	}
	return uint64(f.State)<<8 | uint64(f.Proto)
}

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
		it.k1 = uint64(sport(f))
	case ColDst:
		it.k1 = addrKey(f.Family, &f.Orig.Dst, dport(f))
		if f.Family != IPv4 {
			it.k2 = addrLo(&f.Orig.Dst)
		}
	case ColDport:
		it.k1 = uint64(dport(f))
	case ColState:
		it.k1 = stateKey(f)
	case ColTTL:
		it.k1 = uint64(f.Expires)
	case ColAge:
		// Youngest first: ascending age is descending FirstSeen.
		it.k1 = uint64(^f.FirstSeen)
	case ColBytes:
		it.k1 = ctr.Bytes()
	case ColPkts:
		it.k1 = ctr.Packets()
	case ColMark:
		it.k1 = uint64(f.Mark)
	case ColZone:
		it.k1 = uint64(f.Zone)
	case ColID:
		it.k1 = uint64(f.ID)
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
	if c := cmp.Compare(a.Zone, b.Zone); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// compareFlows orders two flows by column c, then by identity. It agrees
// with the items' k1 and k2 wherever those differ.
func (c Column) compareFlows(a *Flow, ca *Counters, b *Flow, cb *Counters) int {
	var r int
	switch c {
	case ColSrc:
		r = compareAddr(a.Family, &a.Orig.Src, b.Family, &b.Orig.Src)
		if r == 0 {
			r = cmp.Compare(sport(a), sport(b))
		}
	case ColDst:
		r = compareAddr(a.Family, &a.Orig.Dst, b.Family, &b.Orig.Dst)
		if r == 0 {
			r = cmp.Compare(dport(a), dport(b))
		}
	default:
		r = cmp.Compare(c.item(a, ca, 0).k1, c.item(b, cb, 0).k1)
	}
	if r != 0 {
		return r
	}
	return compareKey(a, b)
}

// sortItems sorts items as List.compare orders them: a most-significant-
// digit radix sort on k1, then k2, that skips the bits all items of a
// bucket share, so a million items take one or two passes over memory per
// key and the buckets below fit in cache; small buckets are insertion-
// sorted, and buckets of equal k1 and k2 (flows of one IPv6 /64, or of one
// address pair) are sorted on their full order (orderWords). At a million
// flows this takes tens of milliseconds where slices.SortFunc took 260 ms,
// and key presses that re-sort must be answered within a frame.
// tmp, if long enough, is the scratch buffer.
func (l *List) sortItems(items, tmp []sortItem) {
	if len(items) < 64 {
		l.insertionSort(items)
		return
	}
	if len(tmp) < len(items) {
		tmp = make([]sortItem, len(items))
	}
	l.radix(items, tmp, false)
}

func (l *List) insertionSort(a []sortItem) {
	if l.keysOnly {
		for i := 1; i < len(a); i++ {
			for j := i; j > 0 && keyBefore(&a[j], &a[j-1]); j-- {
				a[j], a[j-1] = a[j-1], a[j]
			}
		}
		return
	}
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && l.before(&a[j], &a[j-1]); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// radix sorts a, whose items share k1 if onK2, on the bits of k1 (or k2)
// that are not the same in all of them, using tmp as scratch.
func (l *List) radix(a, tmp []sortItem, onK2 bool) {
	if len(a) < 48 {
		l.insertionSort(a)
		return
	}
	key := func(it *sortItem) uint64 {
		if onK2 {
			return it.k2
		}
		return it.k1
	}
	or, and := uint64(0), ^uint64(0)
	for i := range a {
		k := key(&a[i])
		or |= k
		and &= k
	}
	if or == and { // one key
		switch {
		case !onK2:
			l.radix(a, tmp, true)
		case l.keysOnly:
			// Only the flows can order these: the owner does (partial.go).
		case len(a) >= 64:
			l.sortByWords(a)
		default:
			l.insertionSort(a)
		}
		return
	}
	x := or ^ and
	if x>>63 != 0 && x<<1 != 0 {
		// The top bit (IPv6, in address and identity summaries) splits
		// off a few items: partition in place rather than spend a pass
		// of 2048 buckets on a split in two.
		i, j := 0, len(a)-1
		for {
			for i <= j && key(&a[i])>>63 == 0 {
				i++
			}
			for i <= j && key(&a[j])>>63 != 0 {
				j--
			}
			if i >= j {
				break
			}
			a[i], a[j] = a[j], a[i]
		}
		l.radix(a[:i], tmp[:i], onK2)
		l.radix(a[i:], tmp[i:], onK2)
		return
	}
	lo, hi := uint(bits.TrailingZeros64(x)), uint(bits.Len64(x))
	width := uint(8)
	if len(a) >= 1<<14 {
		width = 11
	}
	shift := lo
	if hi-lo > width {
		shift = hi - width
	} else {
		width = hi - lo
	}
	tmp = tmp[:len(a)]
	if width > 8 {
		var counts [1 << 11]int32
		l.scatter(a, tmp, counts[:1<<width], shift, onK2)
	} else {
		var counts [1 << 8]int32
		l.scatter(a, tmp, counts[:1<<width], shift, onK2)
	}
}

// scatter distributes a into len(counts) buckets by the key bits from
// shift up, copies them back and sorts each bucket on.
func (l *List) scatter(a, tmp []sortItem, counts []int32, shift uint, onK2 bool) {
	mask := uint64(len(counts) - 1)
	if onK2 {
		for i := range a {
			counts[a[i].k2>>shift&mask]++
		}
	} else {
		for i := range a {
			counts[a[i].k1>>shift&mask]++
		}
	}
	// counts become each bucket's end as items land.
	sum := int32(0)
	for d, c := range counts {
		sum += c
		counts[d] = sum
	}
	for i := len(a) - 1; i >= 0; i-- {
		var d uint64
		if onK2 {
			d = a[i].k2 >> shift & mask
		} else {
			d = a[i].k1 >> shift & mask
		}
		counts[d]--
		tmp[counts[d]] = a[i]
	}
	copy(a, tmp)
	// counts[d] is now the start of bucket d.
	for d := range counts {
		end := int32(len(a))
		if d+1 < len(counts) {
			end = counts[d+1]
		}
		if start := counts[d]; end-start > 1 {
			l.radix(a[start:end], tmp[start:end], onK2)
		}
	}
}

// wordsItem is an item with its flow's full order spelled out.
type wordsItem struct {
	w  [6]uint64
	it sortItem
}

// sortByWords sorts items of equal k1 and k2 on orderWords: each flow is
// read once, where a comparison sort would read two per comparison.
func (l *List) sortByWords(run []sortItem) {
	ws := make([]wordsItem, 2*len(run))
	for i := range run {
		ws[i].it = run[i]
		ws[i].w = l.col.orderWords(l.t.At(run[i].slot))
	}
	radixWords(ws[:len(run)], ws[len(run):], 0)
	for i := range run {
		run[i] = ws[i].it
	}
}

// radixWords sorts a, whose items share their words before w, on the
// words from w on: the same most-significant-digit sort as List.radix.
func radixWords(a, tmp []wordsItem, w int) {
	for w < len(a[0].w) {
		if len(a) < 32 {
			slices.SortFunc(a, func(x, y wordsItem) int {
				for k := w; k < len(x.w); k++ {
					if x.w[k] != y.w[k] {
						return cmp.Compare(x.w[k], y.w[k])
					}
				}
				return 0
			})
			return
		}
		or, and := uint64(0), ^uint64(0)
		for i := range a {
			or |= a[i].w[w]
			and &= a[i].w[w]
		}
		if or == and {
			w++
			continue
		}
		x := or ^ and
		lo, hi := uint(bits.TrailingZeros64(x)), uint(bits.Len64(x))
		shift := lo
		if hi-lo > 8 {
			shift = hi - 8
		}
		mask := uint64(1)<<min(hi-lo, 8) - 1
		var counts [256]int32
		for i := range a {
			counts[a[i].w[w]>>shift&mask]++
		}
		sum := int32(0)
		for d, c := range counts {
			sum += c
			counts[d] = sum
		}
		for i := len(a) - 1; i >= 0; i-- {
			d := a[i].w[w] >> shift & mask
			counts[d]--
			tmp[counts[d]] = a[i]
		}
		copy(a, tmp[:len(a)])
		for d := range counts {
			end := int32(len(a))
			if d+1 < len(counts) {
				end = counts[d+1]
			}
			if start := counts[d]; end-start > 1 {
				radixWords(a[start:end], tmp[start:end], w)
			}
		}
		return
	}
}

// bitWriter packs fields into big-endian 64-bit words.
type bitWriter struct {
	w [6]uint64
	n uint
}

// put appends the low bits bits of v.
func (b *bitWriter) put(v uint64, bits uint) {
	for bits > 0 {
		i, off := b.n/64, b.n%64
		take := min(bits, 64-off)
		chunk := v >> (bits - take)
		if take < 64 {
			chunk &= 1<<take - 1
		}
		b.w[i] |= chunk << (64 - off - take)
		b.n += take
		bits -= take
	}
}

func (b *bitWriter) addr(fam uint8, a *Addr) {
	if fam == IPv4 {
		b.put(addr4(a), 32)
		return
	}
	b.put(binary.BigEndian.Uint64(a[0:8]), 64)
	b.put(binary.BigEndian.Uint64(a[8:16]), 64)
}

// orderWords spells out the order compareFlows gives flows whose column
// values are equal, as bits compared in order: for the
// source column source, sport, destination, dport; for the destination
// column destination, dport, source, sport; for the others source,
// destination, sport, dport; then protocol, zone and ID. (Within a run of
// equal k1 the column value and the family are the same, so they need no
// bits of their own.)
func (c Column) orderWords(f *Flow) [6]uint64 {
	var b bitWriter
	switch c {
	case ColSrc:
		b.addr(f.Family, &f.Orig.Src)
		b.put(uint64(sport(f)), 16)
		b.addr(f.Family, &f.Orig.Dst)
		b.put(uint64(f.Orig.SrcPort), 16)
		b.put(uint64(f.Orig.DstPort), 16)
	case ColDst:
		b.addr(f.Family, &f.Orig.Dst)
		b.put(uint64(dport(f)), 16)
		b.addr(f.Family, &f.Orig.Src)
		b.put(uint64(f.Orig.SrcPort), 16)
		b.put(uint64(f.Orig.DstPort), 16)
	default:
		b.addr(f.Family, &f.Orig.Src)
		b.addr(f.Family, &f.Orig.Dst)
		b.put(uint64(f.Orig.SrcPort), 16)
		b.put(uint64(f.Orig.DstPort), 16)
	}
	b.put(uint64(f.Proto), 8)
	b.put(uint64(f.Zone), 16)
	b.put(uint64(f.ID), 32)
	return b.w
}
