package model

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
)

// The radix sort of the list's items: most significant digit first on the
// items' summaries, then on the flows' full order where the summaries tie.

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
	if l.stop != nil && len(a) >= 1<<12 && l.stop.Load() {
		return // an abandoned worker's sort: its result is never used
	}
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
		ws[i].w = l.col.orderWords(l.t.At(run[i].slot), l.desc)
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
	// flip writes the complement of each field: a descending order.
	flip bool
}

// put appends the low bits bits of v.
func (b *bitWriter) put(v uint64, bits uint) {
	if b.flip {
		v = ^v
	}
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
// bits of their own.) Descending, the column's own bits are complemented;
// the identity's stay ascending.
func (c Column) orderWords(f *Flow, desc bool) [6]uint64 {
	var b bitWriter
	switch c {
	case ColSrc:
		b.flip = desc
		b.addr(f.Family, &f.Orig.Src)
		b.put(uint64(sport(f)), 16)
		b.flip = false
		b.addr(f.Family, &f.Orig.Dst)
		b.put(uint64(f.Orig.SrcPort), 16)
		b.put(uint64(f.Orig.DstPort), 16)
	case ColDst:
		b.flip = desc
		b.addr(f.Family, &f.Orig.Dst)
		b.put(uint64(dport(f)), 16)
		b.flip = false
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
	b.put(zoneKey(f)&(1<<18-1), 18)
	b.put(uint64(f.id), 32)
	return b.w
}
