package model

import (
	"cmp"
	"slices"
	"time"
)

// NEW/s: the flows each row of a grouping creates per second, over a
// sliding window, in bounded memory.

// NewRateWindow is the default window of NEW/s.
const NewRateWindow = 10 * time.Second

// NewRateKeys is how many keys NEW/s counts in each part of the window (a
// Space-Saving summary each, one per prefix level for Auto groupings),
// whatever the number of distinct sources.
const NewRateKeys = 1024

// newRateBuckets is the number of parts of the window; one more is kept
// so that the parts in use always cover the whole window.
const newRateBuckets = 10

// rateLevels are the prefix lengths at which an Auto grouping counts new
// flows: a heavy hitter's NEW/s is summed, when it is asked for, from the
// counts of the shortest level at least as long as its prefix, so that it
// does not depend on the rows the heavy hitters made when the flows were
// created. IPv4 levels come first, then IPv6.
var rateLevels = [...]struct {
	fam  uint8
	bits uint8
}{{IPv4, 8}, {IPv4, 16}, {IPv4, 24}, {IPv4, 32},
	{IPv6, 16}, {IPv6, 32}, {IPv6, 48}, {IPv6, 64}, {IPv6, 128}}

// levelFor returns the rate level of prefixes of bits bits of family fam.
func levelFor(fam uint8, bits uint8) int {
	for i, l := range rateLevels {
		if l.fam == fam && l.bits >= bits {
			return i
		}
	}
	return -1
}

// NewRate is how many flows a key created per second over the window.
type NewRate struct {
	PerSec float64
	// Known is false when there is no rate: the source gives neither
	// events nor repeated dumps (a replay), or less than a second has been
	// measured since the grouping or filter changed.
	Known bool
	// Exact is false when PerSec is an estimate: more keys created flows
	// than NEW/s tracks, and this key's figure comes from Space-Saving
	// counts (one key's count is never below the truth and above it by at
	// most the least count of its summary; a prefix summed from longer
	// ones may miss those that lost their counters).
	Exact bool
}

// newRates counts creations per key in a ring of Space-Saving summaries,
// each covering a part of the window: a tenth of it from events, or the
// time between two dumps when the kernel sends no events.
type newRates struct {
	window time.Duration
	keys   int
	ring   [newRateBuckets + 1]rateBucket
	head   int // newest part
	n      int // parts in use
	dumps  bool
	// prevDump is the time of the last dump counted from (dump mode).
	prevDump time.Time
	seq      uint64 // observations; ranked is valid while rankSeq == seq
	rankSeq  uint64
	ranked   []rankedKey
}

// rateBucket is one part of the window: when it starts, the time its
// counts cover (the part (start, start+cover]), the matched flows created,
// and their keys' counts: ss[0] for most groupings, ss[level] for Auto.
type rateBucket struct {
	start time.Time
	cover time.Duration
	all   uint64
	ss    [len(rateLevels)]*spaceSaving[GroupKey]
	// For the Verdict: the services (protocol and destination port) and
	// the distinct sources of the new flows.
	svc     *spaceSaving[GroupKey]
	sources *hyperLogLog
}

// clear empties the part, keeping its memory.
func (b *rateBucket) clear() {
	for _, ss := range b.ss {
		if ss != nil {
			ss.reset()
		}
	}
	if b.svc != nil {
		b.svc.reset()
	}
	if b.sources != nil {
		b.sources.reset()
	}
	b.cover, b.all = 0, 0
}

type rankedKey struct {
	key   GroupKey
	count uint64
}

func (r *newRates) reset() {
	for i := range r.ring {
		r.ring[i].clear()
	}
	r.n, r.head = 0, 0
	r.prevDump = time.Time{}
	r.seq++
}

// open starts a new part of the window at start.
func (r *newRates) open(start time.Time, cover time.Duration) *rateBucket {
	if r.n > 0 {
		r.head = (r.head + 1) % len(r.ring)
	}
	r.n = min(r.n+1, len(r.ring))
	b := &r.ring[r.head]
	b.clear()
	b.start, b.cover = start, cover
	return b
}

// summary returns the bucket's summary at level i, made on first use.
func (r *newRates) summary(b *rateBucket, i int) *spaceSaving[GroupKey] {
	if b.ss[i] == nil {
		b.ss[i] = newSpaceSaving[GroupKey](r.keys)
	}
	return b.ss[i]
}

// advance moves the window to at (event mode) and returns the part now,
// or nil when the window starts at at: a batch's events happened since the
// previous batch, and the first batch seen gives no time to count them over.
func (r *newRates) advance(at time.Time) *rateBucket {
	sub := r.window / newRateBuckets
	if r.n == 0 || at.Sub(r.ring[r.head].start) > r.window+sub || at.Before(r.ring[r.head].start) {
		r.reset()
		r.open(at, 0)
		return nil
	}
	cur := &r.ring[r.head]
	for at.Sub(cur.start) > sub {
		cur.cover = sub
		cur = r.open(cur.start.Add(sub), 0)
	}
	cur.cover = at.Sub(cur.start)
	return cur
}

// observe counts the flows the batch of ch created into the window with
// count: its NEW events (a NEW that a DESTROY cancelled within the batch
// included) when the source sends events, else the flows new in a dump
// since the previous one (the first dump is the baseline).
func (r *newRates) observe(ch *Changes, t *Table, count func(*rateBucket, *Flow, *Ext)) {
	b := ch.batch
	if b == nil || b.Time.IsZero() {
		return
	}
	var dumps bool
	switch b.Info.EventMode {
	case EventsOn, EventsAuto:
	case EventsOff:
		dumps = true
	default:
		return
	}
	if dumps != r.dumps {
		r.reset()
		r.dumps = dumps
	}
	r.seq++
	if !dumps {
		cur := r.advance(b.Time)
		if cur == nil {
			return
		}
		for i := range b.Events {
			// Type 0 is a NEW that a DESTROY cancelled within the batch.
			if e := &b.Events[i]; e.Type == EventNew || e.Type == 0 {
				count(cur, &e.Flow, b.ExtOf(i))
			}
		}
		return
	}
	if b.Snapshot == nil {
		return
	}
	if r.prevDump.IsZero() || !b.Time.After(r.prevDump) {
		r.prevDump = b.Time // the first dump is the baseline
		return
	}
	cur := r.open(r.prevDump, b.Time.Sub(r.prevDump))
	r.prevDump = b.Time
	if !ch.Full {
		for i := range ch.List {
			if c := &ch.List[i]; !c.Had {
				if f := t.At(c.Slot); f.Family != 0 {
					count(cur, f, t.ExtAt(c.Slot))
				}
			}
		}
		return
	}
	// The list was not kept: the flows first seen by this dump.
	for s := int32(0); s < t.Slots(); s++ {
		if f := t.At(s); f.Family != 0 && f.seen == t.Now() {
			count(cur, f, t.ExtAt(s))
		}
	}
}

// countNew counts flow f (rare attributes x), created, under g's keys in
// part b.
func (g *Groups) countNew(b *rateBucket, f *Flow, x *Ext) {
	if !g.match(f, x) {
		return
	}
	b.all++
	if !g.gr.IsAddr() {
		g.rates.summary(b, 0).add(groupKeyOf(&g.gr, f), 1)
		return
	}
	countLevels(g.rates, b, g.gr.By, f)
}

// countLevels counts the address of flow f at the end by at every rate
// level of its family.
func countLevels(r *newRates, b *rateBucket, by GroupBy, f *Flow) {
	a := endAddr(by, f)
	for i, l := range rateLevels {
		if l.fam == f.Family {
			bits := int(l.bits)
			if l.fam == IPv4 {
				bits += 96
			}
			k := GroupKey{By: by, Family: l.fam, Bits: l.bits, Addr: maskAddr(a, bits)}
			r.summary(b, i).add(k, 1)
		}
	}
}

// span returns the parts that make up the window, newest first, and the
// time they cover.
func (r *newRates) span(dst []*rateBucket) ([]*rateBucket, time.Duration) {
	var cover time.Duration
	for i := 0; i < r.n && cover < r.window; i++ {
		b := &r.ring[(r.head-i+len(r.ring))%len(r.ring)]
		dst = append(dst, b)
		cover += b.cover
	}
	return dst, cover
}

// counted returns the creations of key k over the window, whether that is
// exact, and the time the window covers. With levels (address groupings),
// k is a prefix (Bits set): a prefix at a level is counted there, others
// sum the counts of the prefixes they hold at the next level.
func (r *newRates) counted(k GroupKey, levels bool) (sum uint64, exact bool, cover time.Duration) {
	var buf [newRateBuckets + 1]*rateBucket
	parts, cover := r.span(buf[:0])
	lv := 0
	if levels {
		if lv = levelFor(k.Family, k.Bits); lv < 0 {
			return 0, false, cover
		}
	}
	exact = true
	for _, b := range parts {
		ss := b.ss[lv]
		if ss == nil {
			continue
		}
		if !levels || rateLevels[lv].bits == k.Bits {
			c, e, ok := ss.get(k)
			sum += uint64(c)
			exact = exact && (ok && e == 0 || !ok && !ss.evicted)
			continue
		}
		for i := range ss.ents {
			if e := &ss.ents[i]; k.Contains(e.key.Family, e.key.Addr) {
				sum += uint64(e.count)
			}
		}
		exact = exact && !ss.evicted
	}
	return sum, exact, cover
}

func (r *newRates) perSec(n uint64, exact bool, cover time.Duration) NewRate {
	if cover < time.Second {
		return NewRate{}
	}
	return NewRate{PerSec: float64(n) / cover.Seconds(), Known: true, Exact: exact}
}

func (r *newRates) total() NewRate {
	var buf [newRateBuckets + 1]*rateBucket
	parts, cover := r.span(buf[:0])
	var sum uint64
	for _, b := range parts {
		sum += b.all
	}
	return r.perSec(sum, true, cover)
}

// rank returns the keys counted in the window (not Auto), most creations
// first.
func (r *newRates) rank() []rankedKey {
	if r.rankSeq == r.seq && r.ranked != nil {
		return r.ranked
	}
	var buf [newRateBuckets + 1]*rateBucket
	parts, _ := r.span(buf[:0])
	sums := map[GroupKey]uint64{}
	for _, b := range parts {
		if b.ss[0] != nil {
			for _, e := range b.ss[0].ents {
				sums[e.key] += uint64(e.count)
			}
		}
	}
	r.ranked = r.ranked[:0]
	for k, c := range sums {
		r.ranked = append(r.ranked, rankedKey{k, c})
	}
	slices.SortFunc(r.ranked, func(a, b rankedKey) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		return compareGroupKeys(&a.key, &b.key)
	})
	r.rankSeq = r.seq
	return r.ranked
}
