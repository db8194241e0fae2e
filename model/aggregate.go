package model

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// GroupBy is what the top view groups flows by.
type GroupBy uint8

// Group keys.
const (
	BySrc GroupBy = iota
	ByDst
	ByDport
	ByState
	ByProto
)

var groupByNames = [...]string{"src", "dst", "dport", "state", "proto"}

// GroupBys returns every group key, in the order of their names' list.
func GroupBys() []GroupBy {
	gs := make([]GroupBy, len(groupByNames))
	for i := range gs {
		gs[i] = GroupBy(i)
	}
	return gs
}

func (g GroupBy) String() string {
	if int(g) < len(groupByNames) {
		return groupByNames[g]
	}
	return "group(" + strconv.Itoa(int(g)) + ")"
}

// ParseGroupBy parses src, dst, dport, state or proto.
func ParseGroupBy(s string) (GroupBy, error) {
	for i, n := range groupByNames {
		if strings.EqualFold(s, n) {
			return GroupBy(i), nil
		}
	}
	return 0, fmt.Errorf("unknown group %q (want one of %s)", s, strings.Join(groupByNames[:], ", "))
}

// GroupKey is the value flows are grouped under.
type GroupKey struct {
	By     GroupBy
	Addr   Addr   // BySrc, ByDst
	Family uint8  // BySrc, ByDst
	Proto  uint8  // ByDport, ByProto
	Port   uint16 // ByDport
	State  State  // ByState (StateUnknown: flows whose state is unknown)
	// Bits is the prefix length of an address key in its family's terms
	// (a network, shown in CIDR, a single address as /32 or /128); 0 for
	// a plain address.
	Bits uint8
}

func groupKeyOf(gr *Grouping, f *Flow) GroupKey {
	k := GroupKey{By: gr.By}
	switch gr.By {
	case BySrc:
		k.Addr, k.Family = f.Orig.Src, f.Family
	case ByDst:
		k.Addr, k.Family = f.Orig.Dst, f.Family
	case ByDport:
		k.Proto, k.Port = f.Proto, dport(f)
	case ByState:
		k.State, _ = f.State()
	case ByProto:
		k.Proto = f.Proto
	}
	if gr.Bits4 != 0 && (gr.By == BySrc || gr.By == ByDst) {
		bits := gr.bits(f.Family)
		k.Addr, k.Bits = maskAddr(k.Addr, bits), uint8(familyBits(f.Family, bits))
	}
	return k
}

// String is the key as the top view shows it; a state as StateLabel
// names it.
func (k GroupKey) String() string {
	switch k.By {
	case BySrc, ByDst:
		if k.Bits != 0 {
			return k.Prefix().String()
		}
		return k.Addr.StringIn(k.Family)
	case ByDport:
		if !HasPorts(k.Proto) {
			return ProtoName(k.Proto)
		}
		return ProtoName(k.Proto) + "/" + strconv.Itoa(int(k.Port))
	case ByState:
		return StateLabel(k.State)
	}
	return ProtoName(k.Proto)
}

// Group is the aggregate of the flows under one key.
type Group struct {
	Key     GroupKey
	Flows   int
	Mix     Mix // flows by state
	Counted int // flows with counters
	Bytes   uint64
	Packets uint64
}

// States returns the state mix, largest first: labels (StateLabel) and
// flow counts; every flow of the group is in it, those of unknown state
// under "-".
func (g *Group) States() []StateCount { return g.Mix.States() }

// Groups aggregates the flows a filter matches by a key, kept up to date
// incrementally from each Apply's Changes like List. Not safe for
// concurrent use.
type Groups struct {
	t      *Table
	gr     Grouping
	filter Matcher

	// The groups (grouptally.go), their index by key (groupindex.go) and
	// the state mixes of those whose flows are in several states; empty
	// while the grouping is Auto.
	idx     groupIndex
	list    []groupRec
	mixes   mixPool
	matched int
	valid   bool

	// The ranking by flows (grouprank.go): its first and last ranks, in
	// the order's direction (asc: reversed, fewest flows first), a window
	// being selected aside, the generation of the windows and for tests
	// the fewest groups selected aside.
	head, tail rankWin
	asc        bool
	aside      *rankAside
	rankGen    uint64
	minAside   int

	// Auto groupings (hhh.go): the trie of addresses, the threshold, and
	// the heavy hitters, valid while !heavyDirty.
	trie       *prefixTrie
	share      float64
	heavy      []heavyRow
	heavyAt    map[int32]int // row of each heavy hitter's trie node
	heavyDirty bool
	heavyAsc   bool // the direction heavy is sorted in
	// detailLimit bounds the addresses summed afresh for the rows'
	// details in one ranking; details holds the rows' sums by node, kept
	// up to date by each change; rowNodes are the nodes marked row,
	// prevRows the last ranking's rows; detailPending says a row waits.
	detailLimit   int
	details       map[int32]*Group
	rowNodes      []int32
	prevRows      []rowRef
	detailPending bool

	rates *newRates // NEW/s per row (newrate.go), nil unless tracked
	order GroupOrder

	// A rebuild in the background (groupbuild.go), the first change of
	// each slot since it began, and for tests its size and gate.
	build      *groupBuild
	dirty      []Change
	dirtyMarks []uint64
	minBuild   int
	hold       chan struct{}
}

// NewGroups returns the source-address grouping of all flows of t.
func NewGroups(t *Table) *Groups { return &Groups{t: t, tail: rankWin{last: true}} }

// By returns the group key.
func (g *Groups) By() GroupBy { return g.gr.By }

// SetBy groups by another key (plain addresses for BySrc, ByDst).
func (g *Groups) SetBy(by GroupBy) { g.SetGrouping(Plain(by)) }

// Grouping returns how flows are grouped.
func (g *Groups) Grouping() Grouping { return g.gr }

// SetGrouping groups by another key or prefix length.
func (g *Groups) SetGrouping(gr Grouping) {
	if gr != g.gr {
		// Address groupings count new flows per prefix level, whatever
		// the length or heavy hitters: the window carries over.
		if !gr.IsAddr() || gr.By != g.gr.By || !g.gr.IsAddr() {
			g.resetNew()
		}
		g.gr, g.valid = gr, false
		g.cancelBuild()
		g.dropUnused()
	}
}

// dropUnused lets go of the structures the grouping does not use: the
// groups of a plain grouping while it is Auto, the trie of an Auto one
// while it is not (at a million addresses, 80 and 110 MB).
func (g *Groups) dropUnused() {
	if g.auto() {
		g.dropRanks()
		g.settleAside()
		g.idx, g.list, g.mixes = groupIndex{}, nil, mixPool{}
		g.head.set, g.tail.set = nil, nil
	} else {
		g.trie, g.heavy, g.heavyAt = nil, nil, nil
	}
}

// SetFilter aggregates only the flows m matches (nil: all).
func (g *Groups) SetFilter(m Matcher) {
	g.filter, g.valid = orNil(m), false
	g.cancelBuild()
	g.resetNew()
}

// Update follows the changes of the table's last Apply.
func (g *Groups) Update(ch *Changes) {
	g.update(ch)
	if g.rates != nil {
		g.rates.observe(ch, g.t, g.countNew)
	}
}

func (g *Groups) update(ch *Changes) {
	if ch.Full {
		g.cancelBuild()
		g.valid = false
		return
	}
	if g.build != nil {
		g.markDirty(ch)
		return
	}
	if !g.valid {
		return
	}
	for i := range ch.List {
		c := &ch.List[i]
		if g.auto() && i%touchBlock == 0 {
			g.touchAuto(ch.List[i:min(i+touchBlock, len(ch.List))])
		}
		if c.Had && g.match(&c.Old, c.OldExt) {
			g.add(&c.Old, &c.OldCounters, -1)
		}
		if f := g.t.At(c.Slot); f.Family != 0 && g.match(f, g.t.ExtAt(c.Slot)) {
			ctr, _ := g.t.CountersAt(c.Slot)
			g.add(f, &ctr, 1)
		}
	}
}

func (g *Groups) match(f *Flow, x *Ext) bool { return g.filter == nil || g.filter.Match(f, x) }

func (g *Groups) add(f *Flow, c *Counters, d int) {
	if g.aside != nil {
		g.settleAside() // it reads the list
	}
	if g.auto() {
		g.addAuto(f, c, d)
		return
	}
	k := groupKeyOf(&g.gr, f)
	h := g.idx.hash(&k)
	i, pos := g.idx.probe(g.list, &k, h)
	if i < 0 {
		if d < 0 {
			return
		}
		i = int32(len(g.list))
		g.idx.fill(pos, h, i)
		g.list = append(g.list, groupRec{key: k})
	}
	r := &g.list[i]
	r.countFlow(&g.mixes, f, c, d)
	g.matched += d
	if r.flows > 0 {
		g.noteChanged(i)
	} else {
		g.noteGone(i)
		g.idx.remove(&k, i)
		last := int32(len(g.list) - 1)
		if i != last {
			g.list[i] = g.list[last]
			g.idx.move(&g.list[i].key, last, i)
			g.noteMoved(last, i)
		}
		g.list = g.list[:last]
	}
}

func (g *Groups) ensure() {
	if g.build != nil {
		<-g.build.done
		g.adopt()
	}
	if g.valid {
		return
	}
	g.settleAside()
	g.dropRanks()
	g.matched = 0
	g.dropUnused()
	if g.auto() {
		g.resetAuto()
	} else {
		g.idx.reset()
		g.list = g.list[:0]
		g.mixes.reset()
	}
	for slot := int32(0); slot < g.t.Slots(); slot++ {
		f := g.t.At(slot)
		if f.Family != 0 && g.match(f, g.t.ExtAt(slot)) {
			c, _ := g.t.CountersAt(slot)
			g.add(f, &c, 1)
			if g.matched == presizeAfter {
				if g.auto() {
					g.trie.presize(g.matched, g.t.Len())
				} else {
					g.list, g.idx = presize(g.list, g.idx, g.matched, g.t.Len())
				}
			}
		}
	}
	g.list = fitList(g.list)
	g.idx.fit()
	g.valid = true
}

// fitList returns list, or a copy of it without the room of a grouping
// with many more groups when it reused that one's memory.
func fitList(list []groupRec) []groupRec {
	if cap(list) > 2*len(list)+1024 {
		return append([]groupRec(nil), list...)
	}
	return list
}

// Len returns the number of groups.
func (g *Groups) Len() int {
	if g.auto() {
		return len(g.heavyRows())
	}
	g.ensure()
	return len(g.list)
}

// Matched returns the number of flows aggregated.
func (g *Groups) Matched() int {
	g.ensure()
	return g.matched
}

// Top appends to dst the groups at ranks [offset, offset+n), by flows
// descending (ascending when Reversed), ties by key. It ranks only when
// something changed since the last call, and only as deep as asked from
// the nearer end: a spoofed flood makes a million groups, and the screen
// shows forty, the first ones or (End) the last ones.
func (g *Groups) Top(offset, n int, dst []Group) []Group {
	if g.order == ByNewRate {
		return g.topByNew(offset, n, dst)
	}
	return g.byFlows(offset, n, nil, dst)
}

// compareGroups orders groups by flows, descending, then by key.
func compareGroups(a, b *Group) int { return compareRanked(a, b, false) }

// compareGroupKeys orders keys by address (as compareAddr does: family,
// then bytes), protocol, port, prefix length and state.
func compareGroupKeys(a, b *GroupKey) int {
	if a.Family != b.Family {
		return cmp.Compare(a.Family, b.Family)
	}
	// The address as two big-endian words: bytes.Compare's order, without
	// its call (a re-sort of a million groups by source compares them).
	if x, y := binary.BigEndian.Uint64(a.Addr[:8]), binary.BigEndian.Uint64(b.Addr[:8]); x != y {
		return cmp.Compare(x, y)
	}
	if x, y := binary.BigEndian.Uint64(a.Addr[8:]), binary.BigEndian.Uint64(b.Addr[8:]); x != y {
		return cmp.Compare(x, y)
	}
	if c := cmp.Compare(a.Proto, b.Proto); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Port, b.Port); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Bits, b.Bits); c != 0 {
		return c
	}
	return cmp.Compare(a.State, b.State)
}
