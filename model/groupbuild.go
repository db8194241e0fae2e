package model

import (
	"slices"
	"sync/atomic"
)

// A rebuild of big groupings (a new key, a new filter, a snapshot)
// runs in the background, as a list's sort does (partial.go), so that a
// key press at a million flows is answered within a frame: a worker
// passes over the table in the read gate the owner entered for it
// (gate.go: no batch changes the table until it has read it) and writes,
// for each matching flow, its group key and what its group counts of it
// (groupItem); then, out of the gate, it aggregates those into its own
// index and list, reading nothing else; the owner adopts them and applies
// the changes of the batches that came meanwhile, from the first change of
// each slot (what the flow was when the worker read it). Until then the
// groups say they are being counted (Counting), with the number of flows
// once known. An Auto grouping's worker builds the trie of the addresses
// instead; a plain one's also ranks the first and last rows of the order, so
// the frame that shows them does not pass over the groups. Small tables
// build at once.

// groupItem is what aggregating a flow needs of it.
type groupItem struct {
	key            GroupKey
	state          State
	counted        bool
	bytes, packets uint64
}

// presizeAfter is how many items a rebuild aggregates before it judges
// whether nearly every flow makes a group of its own.
const presizeAfter = 1 << 16

// presize makes room in list and idx for a group a flow of flows, when
// nearly every one of the first seen flows has a group of its own (a
// flood from distinct sources), rather than have them grown by steps
// (each a copy, the last one twice their memory at once).
func presize(list []groupRec, idx groupIndex, seen, flows int) ([]groupRec, groupIndex) {
	if len(list) >= seen*9/10 {
		list = slices.Grow(list, flows-len(list))
		idx.reserve(flows)
	}
	return list, idx
}

// presize makes room in the trie for an address a flow of flows (at most
// two nodes and a tally each), as presize does for groups.
func (t *prefixTrie) presize(seen, flows int) {
	if t.leaves >= seen*9/10 {
		t.nodes = slices.Grow(t.nodes, 2*flows-len(t.nodes))
		if t.withAggs {
			t.aggs = slices.Grow(t.aggs, flows-len(t.aggs))
		}
	}
}

// addItem adds a flow, as countFlow does.
func (t *tally) addItem(p *mixPool, it *groupItem) {
	t.count(p, it.state, it.counted, it.bytes, it.packets, 1)
}

// addItem counts a flow under the address of its key, as add does for a
// flow of the table, for a worker that builds the trie from the items it
// read (no row, no removal: a trie built from scratch).
func (t *prefixTrie) addItem(it *groupItem) {
	a, r := it.key.Addr, famRoot(it.key.Family)
	leaf := func() int32 {
		n := t.node(a, 128)
		t.nodes[n].count = 1
		if t.withAggs {
			t.aggs[t.nodes[n].kid[0]].addItem(&t.mixes, it)
		}
		t.leaves++
		return n
	}
	parent, side := int32(-1), 0
	for n := t.root[r]; n >= 0; {
		nd := &t.nodes[n]
		nb := int(nd.bits)
		if cl := commonLen(&a, &nd.addr, nb); cl < nb {
			// As add: a new inner node at the fork holds n and a leaf.
			l := leaf()
			in := t.node(a, cl)
			t.nodes[in].count = t.nodes[n].count + 1
			b := bitAt(&a, cl)
			t.nodes[in].kid[b], t.nodes[in].kid[1-b] = l, n
			t.link(r, parent, side, in)
			return
		}
		nd.count++
		if nb == 128 {
			if t.withAggs {
				t.aggs[nd.kid[0]].addItem(&t.mixes, it)
			}
			return
		}
		side = bitAt(&a, nb)
		parent, n = n, nd.kid[side]
	}
	t.link(r, parent, side, leaf())
}

// groupBuild is a background rebuild of the groups.
type groupBuild struct {
	// flows is the number of matching flows: the table's at the start
	// without a filter, else -1 until the worker has read them.
	flows atomic.Int64
	read  chan struct{} // closed when the worker has read the table
	done  chan struct{}
	stop  atomic.Bool
	// What the worker aggregates into: a plain grouping's groups and the
	// first and last ranks of their order (asc: reversed), or an Auto
	// grouping's trie, in the memory of those it replaces. Written by the
	// worker before done is closed.
	auto    bool
	asc     bool
	depth   int
	idx     groupIndex
	list    []groupRec
	mixes   mixPool
	ranks   [2][]int32 // the first and last ranks (grouprank.go)
	k       [2]int
	trie    *prefixTrie
	matched int
}

// Counting reports whether the groups are being rebuilt in the background,
// and how many flows that aggregates (-1 while a filter's matches are
// still being read: unknown yet): Len, Matched, Top and Rank wait for it,
// so a screen asks first.
func (g *Groups) Counting() (bool, int) {
	if g.build == nil && !g.valid && int(g.t.Slots()) >= g.buildMin() {
		g.start()
	}
	if b := g.build; b != nil {
		select {
		case <-b.done:
			g.adopt()
		default:
			return true, int(b.flows.Load())
		}
	}
	return false, 0
}

// Done returns a channel closed when a background rebuild ends (nil if
// none is under way); the next access adopts it.
func (g *Groups) Done() <-chan struct{} {
	if g.build == nil {
		return nil
	}
	return g.build.done
}

func (g *Groups) buildMin() int {
	if g.minBuild > 0 {
		return g.minBuild
	}
	return partialMin
}

// cancelBuild abandons a background rebuild.
func (g *Groups) cancelBuild() {
	if g.build != nil {
		g.build.stop.Store(true)
		g.build = nil
		g.dirty = g.dirty[:0]
		clear(g.dirtyMarks)
	}
}

// start starts the worker, in the table's read gate.
func (g *Groups) start() {
	g.cancelBuild()
	b := &groupBuild{read: make(chan struct{}), done: make(chan struct{}), auto: g.auto(), asc: g.asc,
		depth: 2 * defaultNeed}
	b.flows.Store(-1)
	if g.filter == nil {
		b.flows.Store(int64(g.t.Len()))
	}
	// The groups are out of date: their memory goes to the worker, for
	// the new ones, rather than be kept beside them until it is done
	// (once a selection aside has stopped reading them).
	g.dropRanks()
	g.settleAside()
	b.idx, b.list, b.mixes, b.trie = g.idx, g.list[:0], g.mixes, g.trie
	g.idx, g.list, g.mixes, g.trie = groupIndex{}, nil, mixPool{}, nil
	g.heavy, g.heavyAt = nil, nil
	g.build = b
	w := &groupReader{t: g.t, gr: g.gr, filter: g.filter}
	g.t.gate.enter()
	go b.run(w, g.hold)
}

// groupReader is what the worker reads the table with.
type groupReader struct {
	t      *Table
	gr     Grouping
	filter Matcher
}

// items returns the group items of the matching flows in slots [lo, hi).
func (r *groupReader) items(lo, hi int, dst []groupItem) []groupItem {
	for slot := int32(lo); slot < int32(hi); slot++ {
		f := r.t.At(slot)
		if f.Family == 0 || (r.filter != nil && !r.filter.Match(f, r.t.ExtAt(slot))) {
			continue
		}
		it := groupItem{key: groupKeyOf(&r.gr, f)}
		it.state, _ = f.State()
		if f.Attrs&HasCounters != 0 {
			c, _ := r.t.CountersAt(slot)
			it.counted, it.bytes, it.packets = true, c.Bytes(), c.Packets()
		}
		dst = append(dst, it)
	}
	return dst
}

// run is the worker: it reads the items in the gate, leaves it, and
// aggregates them.
func (b *groupBuild) run(r *groupReader, hold chan struct{}) {
	defer close(b.done)
	items := b.readAll(r)
	if hold != nil {
		<-hold
	}
	b.aggregate(items)
}

// readAll reads the items of the matching flows and leaves the gate.
func (b *groupBuild) readAll(r *groupReader) []groupItem {
	defer close(b.read)
	defer r.t.gate.leave()
	n := int(r.t.Slots())
	items := make([]groupItem, 0, r.t.Len())
	const step = 1 << 16
	for lo := 0; lo < n && !b.stop.Load(); lo += step {
		items = r.items(lo, min(lo+step, n), items)
	}
	b.flows.Store(int64(len(items)))
	return items
}

// aggregate builds the index and list from the items, and ranks the
// first and last rows; for an Auto grouping, the trie of their addresses.
func (b *groupBuild) aggregate(items []groupItem) {
	if b.stop.Load() {
		return
	}
	if b.auto {
		if b.trie == nil {
			b.trie = newPrefixTrie(true)
		}
		b.trie.reset()
	} else {
		b.idx.reset()
		b.mixes.reset()
	}
	for i := range items {
		it := &items[i]
		if b.auto {
			// An Auto grouping's items are keyed by their plain address.
			b.trie.addItem(it)
		} else {
			h := b.idx.hash(&it.key)
			j, pos := b.idx.probe(b.list, &it.key, h)
			if j < 0 {
				j = int32(len(b.list))
				b.idx.fill(pos, h, j)
				b.list = append(b.list, groupRec{key: it.key})
			}
			b.list[j].addItem(&b.mixes, it)
		}
		if i&0xffff == 0 && b.stop.Load() {
			return
		}
		if i == presizeAfter-1 {
			if b.auto {
				b.trie.presize(presizeAfter, len(items))
			} else {
				b.list, b.idx = presize(b.list, b.idx, presizeAfter, len(items))
			}
		}
	}
	b.matched = len(items)
	b.list = fitList(b.list)
	b.idx.fit()
	if !b.auto {
		want := min(len(b.list), max(2*b.depth, b.depth+rankSlack))
		b.k = [2]int{want, want}
		if want*4 >= len(b.list) {
			b.k = [2]int{len(b.list), 0}
		}
		b.ranks = selectRanks(b.list, b.asc, b.k, false)
	}
}

// markDirty keeps the first change of each slot during a rebuild: its Old
// is the flow the pass read.
func (g *Groups) markDirty(ch *Changes) {
	words := (int(g.t.Slots()) + 63) / 64
	if len(g.dirtyMarks) < words {
		g.dirtyMarks = append(g.dirtyMarks, make([]uint64, words-len(g.dirtyMarks)+words/4)...)
	}
	for i := range ch.List {
		c := &ch.List[i]
		if g.dirtyMarks[c.Slot>>6]&(1<<(c.Slot&63)) == 0 {
			g.dirtyMarks[c.Slot>>6] |= 1 << (c.Slot & 63)
			g.dirty = append(g.dirty, *c)
		}
	}
}

// adopt takes the worker's groups and applies the changes since the pass.
func (g *Groups) adopt() {
	b := g.build
	g.build = nil
	g.settleAside()
	g.idx, g.list, g.mixes, g.matched = b.idx, b.list, b.mixes, b.matched
	g.valid = true
	g.dropRanks()
	if b.auto {
		// A new trie: no node is marked row, no row summed yet.
		g.trie, g.heavyDirty = b.trie, true
		g.rowNodes, g.heavy = g.rowNodes[:0], g.heavy[:0]
		clear(g.details)
	} else if b.asc == g.asc {
		// The worker's ranks: the changes since follow them.
		g.setRanks(b.ranks, b.k)
	}
	for i := range g.dirty {
		c := &g.dirty[i]
		g.dirtyMarks[c.Slot>>6] &^= 1 << (c.Slot & 63)
		if c.Had && g.match(&c.Old, c.OldExt) {
			g.add(&c.Old, &c.OldCounters, -1)
		}
		if f := g.t.At(c.Slot); f.Family != 0 && g.match(f, g.t.ExtAt(c.Slot)) {
			ctr, _ := g.t.CountersAt(c.Slot)
			g.add(f, &ctr, 1)
		}
	}
	g.dirty = g.dirty[:0]
}
