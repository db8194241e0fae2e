package model

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// PressureFill is the fill of the table from which it is under pressure
// (the header's gauge turns yellow there too).
const PressureFill = 0.80

// verdictKeys is how many keys each part of the Verdict's window counts
// per prefix level and for services.
//
// A Space-Saving summary of k counters tracks every key that makes more
// than 1/k of what it counted, within 1/k: with k at least 1/MinShare, a
// prefix is heavy by the summaries' counts at every threshold a user can
// set, not by their errors (with 256, random sources showed as heavy /32s
// at 0.1%).
const verdictKeys = 1024

// minNewFlows is the fewest new flows a window must hold for the Verdict
// to judge where they come from.
const minNewFlows = 50

// VerdictKind is the situation of a table under pressure.
type VerdictKind uint8

// Verdicts.
const (
	// Calm: the table is not under pressure.
	Calm VerdictKind = iota
	// Measuring: under pressure, but less than half of the window of new
	// flows has been seen (since cttop started, or since the source's
	// events became available).
	Measuring
	// FewNew: under pressure with few new flows (fewer than 50 in the
	// window): old flows fill the table, which is a matter of timeouts and
	// size (the tuning report), not of blocking.
	FewNew
	// Concentrated: heavy prefixes make at least half of the new flows:
	// blocking them relieves the table.
	Concentrated
	// Mixed: heavy prefixes make some of the new flows, fewer than half;
	// the rest comes from everywhere.
	Mixed
	// Spread: no prefix from /8 to /32 (/16 to /128) makes the threshold
	// share of the new flows, or none makes more than sources spread over
	// the address space would give it: the sources are likely spoofed, and the
	// service must be protected instead (SYNPROXY for TCP, NOTRACK for a
	// stateless UDP service).
	Spread
)

// HeavyShare is a prefix and the share of the new flows it makes.
type HeavyShare struct {
	Key   GroupKey // a source prefix (By BySrc, Bits set)
	Share float64
}

// VerdictReport is the Verdict's judgment at one moment.
type VerdictReport struct {
	Kind VerdictKind
	// Fill is Count/Max (-1 unknown); Dropping says the kernel drops
	// packets for lack of room now.
	Fill     float64
	Dropping bool
	// Measured and Window: how much of the window of new flows is seen.
	Measured, Window time.Duration
	// NewPerSec is the rate of new flows in the window; Sources the
	// number of distinct sources that made them (a HyperLogLog estimate,
	// within a few percent).
	NewPerSec float64
	Sources   int
	// Threshold is the share a prefix must make to be heavy.
	Threshold float64
	// FromIPv4 and FromIPv6 say which families the new flows of the window
	// came from (set once the window is judged for heavy prefixes).
	FromIPv4, FromIPv6 bool
	// Heavy are the hierarchical heavy hitters among the sources of the
	// new flows (estimated, at /8, /16, /24, /32 and IPv6's /16 to /128 in
	// steps of 16 bits and /128), largest first, less those that hold
	// under minLift times their part of the address space (what sources
	// spread at random give a prefix: a /8 at a threshold under 1.6%).
	Heavy []HeavyShare
	// Cover are the smallest prefixes that hold the heavy ones: their
	// longest common prefix when that is no wider than /8 (/16) and they
	// fill half of it, else the heavy prefixes themselves (none inside
	// another), each then narrowed to the longest prefix under it that
	// leaves out fewer than Threshold of its new flows (a flood in a /22 is
	// named as the /22, not the /16 it was counted in); CoverShare the
	// share of the new flows they make.
	Cover      []GroupKey
	CoverShare float64
	// Service is the service (ByDport key) that most new flows go to and
	// ServiceShare its share; Service.By is ByDport when known.
	Service      GroupKey
	ServiceShare float64
}

// Verdict watches the flows a table creates and judges, when the table is
// under pressure (PressureFill or dropping), whether a few prefixes make
// the new flows (block them) or they come from everywhere (likely spoofed:
// protect the service). It counts the new flows' sources at every prefix
// level in Space-Saving summaries over a sliding window, and finds their
// hierarchical heavy hitters from them: the streaming variant of
// Mitzenmacher, Steinke and Thaler, "Hierarchical Heavy Hitters with the
// Space Saving Algorithm" (ALENEX 2012), one summary per level, with the
// conditioned counts of Cormode et al. (see Groups.SetShare). Its memory is
// bounded whatever the number of sources. Not safe for concurrent use.
type Verdict struct {
	rates newRates
	share float64
}

// NewVerdict returns a Verdict over a window of window (NewRateWindow
// when 0).
func NewVerdict(window time.Duration) *Verdict {
	if window <= 0 {
		window = NewRateWindow
	}
	return &Verdict{rates: newRates{window: window, keys: verdictKeys}, share: DefaultShare}
}

// SetShare sets the threshold share of a heavy prefix.
func (v *Verdict) SetShare(share float64) { v.share = min(max(share, MinShare), MaxShare) }

// Observe counts the flows that the table's last Apply (ch) created.
func (v *Verdict) Observe(ch *Changes, t *Table) {
	v.rates.observe(ch, t, v.count)
}

func (v *Verdict) count(b *rateBucket, f *Flow, _ *Ext) {
	b.all++
	countLevels(&v.rates, b, BySrc, f)
	if b.svc == nil {
		b.svc = newSpaceSaving[GroupKey](verdictKeys)
		b.sources = &hyperLogLog{}
	}
	b.svc.add(GroupKey{By: ByDport, Proto: f.Proto, Port: dport(f)}, 1)
	b.sources.addAddr(&f.Orig.Src)
}

// UnderPressure reports whether the table is at least PressureFill full
// or its kernel drops packets now, and its fill (-1 unknown).
func UnderPressure(t *Table) (bool, float64) {
	st, r := t.Stats(), t.Rates()
	fill := -1.0
	if st.Valid && st.Max > 0 {
		fill = float64(st.Count) / float64(st.Max)
	}
	return fill >= PressureFill || (r.Valid && r.Drop > 0), fill
}

// Judge returns the verdict on table t now.
func (v *Verdict) Judge(t *Table) VerdictReport {
	under, fill := UnderPressure(t)
	rep := VerdictReport{Fill: fill, Threshold: v.share, Window: v.rates.window}
	r := t.Rates()
	rep.Dropping = r.Valid && r.Drop > 0
	var buf [newRateBuckets + 1]*rateBucket
	parts, cover := v.rates.span(buf[:0])
	rep.Measured = min(cover, v.rates.window)
	var n uint64
	var srcs hyperLogLog
	svcs := map[GroupKey]uint64{}
	for _, b := range parts {
		n += b.all
		if b.sources != nil {
			srcs.merge(b.sources)
			for _, e := range b.svc.ents {
				svcs[e.key] += uint64(e.count)
			}
		}
	}
	if cover > 0 {
		rep.NewPerSec = float64(n) / cover.Seconds()
	}
	if n > 0 {
		rep.Sources = int(srcs.estimate() + 0.5)
		best := GroupKey{}
		for k, c := range svcs {
			if c > svcs[best] || c == svcs[best] && compareGroupKeys(&k, &best) < 0 {
				best = k
			}
		}
		rep.Service, rep.ServiceShare = best, float64(svcs[best])/float64(n)
	}
	switch {
	case !under:
		rep.Kind = Calm
		return rep
	case rep.Measured < v.rates.window/2:
		rep.Kind = Measuring
		return rep
	case n < minNewFlows:
		rep.Kind = FewNew
		return rep
	}
	levels := v.mergeLevels(parts)
	rep.FromIPv4 = len(levels[levelFor(IPv4, MinBits4)]) > 0
	rep.FromIPv6 = len(levels[levelFor(IPv6, MinBits6)]) > 0
	rep.Heavy = slices.DeleteFunc(streamHeavy(levels, float64(n), v.share), asSpread)
	if len(rep.Heavy) == 0 {
		rep.Kind = Spread
		return rep
	}
	rep.Cover = coverOf(rep.Heavy)
	for i, c := range rep.Cover {
		rep.Cover[i] = tighten(levels, c, v.share)
	}
	var under2 uint64
	for _, c := range rep.Cover {
		under2 += prefixCount(levels, c)
	}
	rep.CoverShare = min(1, float64(under2)/float64(n))
	rep.Kind = Mixed
	if rep.CoverShare >= 0.5 {
		rep.Kind = Concentrated
	}
	return rep
}

// mergeLevels sums the counts of every level over the parts of the window.
func (v *Verdict) mergeLevels(parts []*rateBucket) []map[GroupKey]uint64 {
	levels := make([]map[GroupKey]uint64, len(rateLevels))
	for i := range levels {
		levels[i] = map[GroupKey]uint64{}
		for _, b := range parts {
			if ss := b.ss[i]; ss != nil {
				for _, e := range ss.ents {
					levels[i][e.key] += uint64(e.count)
				}
			}
		}
	}
	return levels
}

// minLift is how many times its part of the address space a heavy
// prefix's share of the new flows must be for the verdict to name it as a
// source to block. Sources spread at random over the address space give
// each prefix about its part of it (a /8 about 1/256 of the new flows): a
// threshold lowered to that makes such prefixes heavy, and blocking them
// would block everyone without stopping the flood.
const minLift = 4

// asSpread reports whether heavy prefix h holds no more of the new flows
// than sources spread over the whole address space would give it (see
// minLift).
func asSpread(h HeavyShare) bool {
	return h.Share < minLift*math.Ldexp(1, -int(h.Key.Bits))
}

// streamHeavy finds the hierarchical heavy hitters among the counted
// levels: from the longest level of each family to the shortest, a prefix
// is heavy when its count, less the counts of the heaviest prefixes
// already found beneath it, makes share of n.
func streamHeavy(levels []map[GroupKey]uint64, n, share float64) []HeavyShare {
	var out []HeavyShare
	var totals []float64 // the count of each heavy prefix
	for i := len(rateLevels) - 1; i >= 0; i-- {
		found := len(out)
		for k, c := range levels[i] {
			cond := float64(c)
			for j, h := range out[:found] {
				if h.Key.Bits > k.Bits && k.Contains(h.Key.Family, h.Key.Addr) && !coveredBy(out[:found], h.Key, k) {
					cond -= totals[j]
				}
			}
			if cond >= share*n && cond > 0 {
				out = append(out, HeavyShare{Key: k, Share: cond / n})
				totals = append(totals, float64(c))
			}
		}
	}
	slices.SortFunc(out, func(a, b HeavyShare) int {
		if c := cmp.Compare(b.Share, a.Share); c != 0 {
			return c
		}
		return compareGroupKeys(&a.Key, &b.Key)
	})
	return out
}

// coveredBy reports whether a heavy prefix of hs lies strictly between
// outer and inner.
func coveredBy(hs []HeavyShare, inner, outer GroupKey) bool {
	for _, h := range hs {
		m := h.Key
		if m.Bits > outer.Bits && m.Bits < inner.Bits && outer.Contains(m.Family, m.Addr) && m.Contains(inner.Family, inner.Addr) {
			return true
		}
	}
	return false
}

// coverOf returns the longest common prefix of the heavy prefixes of each
// family when it is no wider than MinBits4 (MinBits6) and they fill at
// least half of it (eight /24s make a /21; four addresses do not make the
// /25 they share: blocking it would block 124 others), else the heavy
// prefixes of that family themselves.
func coverOf(hs []HeavyShare) []GroupKey {
	var out []GroupKey
	for _, fam := range []uint8{IPv4, IPv6} {
		var keys []GroupKey
		for _, h := range hs {
			if h.Key.Family == fam {
				keys = append(keys, h.Key)
			}
		}
		if len(keys) == 0 {
			continue
		}
		c := keys[0]
		off := 0
		if fam == IPv4 {
			off = 96
		}
		for _, k := range keys[1:] {
			l := commonLen(&c.Addr, &k.Addr, off+int(min(c.Bits, k.Bits)))
			c.Bits = uint8(l - off)
			c.Addr = maskAddr(c.Addr, l)
		}
		lo := MinBits4
		if fam == IPv6 {
			lo = MinBits6
		}
		fill := 0.0
		for _, k := range keys {
			fill += math.Ldexp(1, int(c.Bits)-int(k.Bits))
		}
		if int(c.Bits) >= lo && fill >= 0.5 {
			out = append(out, c)
			continue
		}
		for _, k := range keys {
			// A heavy prefix inside another is covered by it.
			if !slices.ContainsFunc(keys, func(o GroupKey) bool { return o.Bits < k.Bits && o.Contains(fam, k.Addr) }) {
				out = append(out, k)
			}
		}
	}
	return out
}

// tighten returns the longest prefix under cover c that holds all its new
// flows but fewer than share of them, from the counts of the levels longer
// than c: the heavy prefixes are counted at /8, /16, /24, /32 and IPv6's
// levels only, and a flood inside a /22 or a /56 is named as such, not as
// the /16 or /48 of its level. It steps down one bit at a time into the
// half that holds more, as long as the flows the halves left behind hold
// fewer than share of c's together, and stops where both halves hold more.
// The flows under c that the longer level does not count are left behind
// too: a cover is never narrowed to where the counts cannot follow it.
func tighten(levels []map[GroupKey]uint64, c GroupKey, share float64) GroupKey {
	off := 0
	if c.Family == IPv4 {
		off = 96
	}
	left := share * float64(prefixCount(levels, c))
	type keyCount struct {
		a Addr
		n float64
	}
	var under []keyCount
	for lv := levelFor(c.Family, c.Bits+1); lv >= 0 && lv < len(rateLevels) && rateLevels[lv].fam == c.Family; lv++ {
		under = under[:0]
		var sum float64
		for k, cnt := range levels[lv] {
			if c.Contains(k.Family, k.Addr) {
				under = append(under, keyCount{k.Addr, float64(cnt)})
				sum += float64(cnt)
			}
		}
		// Flows the longer level does not see under c (its keys lost
		// their counters, or c's count is an overestimate) may be in
		// either half: they count as left out.
		if own := float64(prefixCount(levels, c)); own > sum {
			if left -= own - sum; left <= 0 {
				return c
			}
		}
		for c.Bits < rateLevels[lv].bits {
			bit := off + int(c.Bits)
			var half [2]float64
			for _, e := range under {
				half[bitAt(&e.a, bit)] += e.n
			}
			side := 0
			if half[1] > half[0] {
				side = 1
			}
			if half[1-side] >= left {
				return c
			}
			left -= half[1-side]
			c.Bits++
			if side == 1 {
				c.Addr[bit>>3] |= 0x80 >> (bit & 7)
			}
			under = slices.DeleteFunc(under, func(e keyCount) bool { return bitAt(&e.a, bit) != side })
		}
	}
	return c
}

// prefixCount estimates the new flows under prefix k from the counts of
// the shortest level at least as long.
func prefixCount(levels []map[GroupKey]uint64, k GroupKey) uint64 {
	lv := levelFor(k.Family, k.Bits)
	if lv < 0 {
		return 0
	}
	var n uint64
	for key, c := range levels[lv] {
		if k.Contains(key.Family, key.Addr) {
			n += c
		}
	}
	return n
}
