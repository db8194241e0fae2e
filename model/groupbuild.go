package model

import (
	"sync"
	"sync/atomic"
)

// A rebuild of big plain groupings (a new key, a new filter, a snapshot)
// runs in the background, as a list's sort does (partial.go), so that a
// key press at a million flows is answered within a frame: the owner
// passes over the table once (two halves on two goroutines while it
// waits) and writes, for each matching flow, its group key and what its
// group counts of it (groupItem); a worker aggregates those into its own
// index and list, reading nothing else; the owner adopts them and applies
// the changes of the batches that came meanwhile, from the first change of
// each slot (what the flow was when the pass read it). Until then the
// groups say they are being counted (Counting), with the number of flows.
// Auto groupings (the heavy-hitter trie) and small tables build at once.

// groupItem is what aggregating a flow needs of it.
type groupItem struct {
	key            GroupKey
	state          State
	counted        bool
	bytes, packets uint64
}

// groupBuild is a background rebuild of the groups.
type groupBuild struct {
	flows int // matching flows collected
	done  chan struct{}
	stop  atomic.Bool
	// Written by the worker before done is closed.
	idx     map[GroupKey]int32
	list    []Group
	matched int
}

// Counting reports whether the groups are being rebuilt in the background,
// and how many flows that aggregates: Len, Matched, Top and Rank wait for
// it, so a screen asks first.
func (g *Groups) Counting() (bool, int) {
	if g.build == nil && !g.valid && !g.auto() && int(g.t.Slots()) >= g.buildMin() {
		g.start()
	}
	if b := g.build; b != nil {
		select {
		case <-b.done:
			g.adopt()
		default:
			return true, b.flows
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

// start collects the items and starts the worker.
func (g *Groups) start() {
	g.cancelBuild()
	n := int(g.t.Slots())
	mid := n / 2
	var halves [2][]groupItem
	var wg sync.WaitGroup
	collect := func(h, lo, hi int) {
		items := make([]groupItem, 0, hi-lo)
		for slot := int32(lo); slot < int32(hi); slot++ {
			f := g.t.At(slot)
			if f.Family == 0 || !g.match(f, g.t.ExtAt(slot)) {
				continue
			}
			it := groupItem{key: groupKeyOf(&g.gr, f)}
			it.state, _ = f.State()
			if f.Attrs&HasCounters != 0 {
				c, _ := g.t.CountersAt(slot)
				it.counted, it.bytes, it.packets = true, c.Bytes(), c.Packets()
			}
			items = append(items, it)
		}
		halves[h] = items
	}
	wg.Add(1)
	go func() { defer wg.Done(); collect(1, mid, n) }()
	collect(0, 0, mid)
	wg.Wait()
	b := &groupBuild{flows: len(halves[0]) + len(halves[1]), done: make(chan struct{})}
	g.build = b
	go b.aggregate(halves, g.hold)
}

// aggregate is the worker: it builds the index and list from the items.
func (b *groupBuild) aggregate(halves [2][]groupItem, hold chan struct{}) {
	defer close(b.done)
	if hold != nil {
		<-hold
	}
	b.idx = make(map[GroupKey]int32)
	for _, items := range halves {
		if b.stop.Load() {
			return
		}
		for i := range items {
			it := &items[i]
			j, ok := b.idx[it.key]
			if !ok {
				j = int32(len(b.list))
				b.idx[it.key] = j
				b.list = append(b.list, Group{Key: it.key})
			}
			// As Group.account adds a flow.
			gr := &b.list[j]
			gr.Flows++
			gr.Mix.Add(it.state, 1)
			if it.counted {
				gr.Counted++
				gr.Bytes += it.bytes
				gr.Packets += it.packets
			}
		}
		b.matched += len(items)
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
	g.idx, g.list, g.matched = b.idx, b.list, b.matched
	g.valid, g.topOK = true, false
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
