package model

// A spoofed flood grouped by source makes a million groups, of which the
// screen shows forty. Groups and the prefix trie keep each group's counts
// in a tally of 32 bytes, where a Group (the row they hand out) takes 136,
// 76 of them the state mix: nearly every group of a flood has its flows in
// one state (a source with one half-open flow), so a tally names that
// state and keeps a Mix apart, in a mixPool, only once its flows are in two
// states or more. The pool is indexed, not pointed into: a million tallies
// hold no pointer for the garbage collector to follow.

// tally is the counts of a group's flows, as Group has them.
type tally struct {
	bytes, packets uint64
	flows, counted int32 // a table holds fewer than 2^31 flows
	// mix is 1 + the index of the group's Mix in its pool, or 0 while
	// every flow is in state one.
	mix int32
	one State
}

// groupRec is a group as Groups keeps it: 56 bytes.
type groupRec struct {
	key GroupKey
	tally
}

// row returns the group as Groups hand it out.
func (r *groupRec) row(p *mixPool) Group { return r.asGroup(p, r.key) }

// count adds (d 1) or removes (d -1) a flow in state s, with its bytes
// and packets when counted (it has counters), as Group.account does.
func (t *tally) count(p *mixPool, s State, counted bool, bytes, packets uint64, d int32) {
	switch {
	case t.mix != 0:
		p.at(t.mix).Add(s, d)
	case t.flows == 0 || s == t.one:
		t.one = s
	default:
		t.mix = p.take()
		m := p.at(t.mix)
		m.Add(t.one, t.flows)
		m.Add(s, d)
	}
	t.flows += d
	if t.flows == 0 && t.mix != 0 {
		p.put(t.mix)
		t.mix = 0
	}
	if !counted {
		return
	}
	t.counted += d
	if d > 0 {
		t.bytes += bytes
		t.packets += packets
	} else {
		t.bytes -= min(t.bytes, bytes)
		t.packets -= min(t.packets, packets)
	}
}

// countFlow adds (d 1) or removes (d -1) flow f with counters c.
func (t *tally) countFlow(p *mixPool, f *Flow, c *Counters, d int) {
	s, _ := f.State()
	counted := f.Attrs&HasCounters != 0
	var bytes, packets uint64
	if counted {
		bytes, packets = c.Bytes(), c.Packets()
	}
	t.count(p, s, counted, bytes, packets, int32(d))
}

// mixOf returns the state mix of the tally's flows.
func (t *tally) mixOf(p *mixPool) Mix {
	if t.mix != 0 {
		return *p.at(t.mix)
	}
	var m Mix
	if t.flows != 0 {
		m.Add(t.one, t.flows)
	}
	return m
}

// asGroup returns the tally as the Group of key k.
func (t *tally) asGroup(p *mixPool, k GroupKey) Group {
	return Group{Key: k, Flows: int(t.flows), Mix: t.mixOf(p), Counted: int(t.counted), Bytes: t.bytes, Packets: t.packets}
}

// addTo adds the tally's flows to g.
func (t *tally) addTo(p *mixPool, g *Group) {
	g.Flows += int(t.flows)
	if t.mix != 0 {
		g.Mix.merge(p.at(t.mix), 1)
	} else if t.flows != 0 {
		g.Mix.Add(t.one, t.flows)
	}
	g.Counted += int(t.counted)
	g.Bytes += t.bytes
	g.Packets += t.packets
}

// mixPool holds the state mixes of the tallies whose flows are in more
// than one state, with a list of the free ones.
type mixPool struct {
	mixes []Mix
	free  []int32 // 1 + index
}

// at returns mix i (1 + its index).
func (p *mixPool) at(i int32) *Mix { return &p.mixes[i-1] }

// take returns an empty mix (1 + its index).
func (p *mixPool) take() int32 {
	if n := len(p.free); n > 0 {
		i := p.free[n-1]
		p.free = p.free[:n-1]
		*p.at(i) = Mix{}
		return i
	}
	p.mixes = append(p.mixes, Mix{})
	return int32(len(p.mixes))
}

// put frees mix i.
func (p *mixPool) put(i int32) { p.free = append(p.free, i) }

// reset frees every mix, keeping the memory.
func (p *mixPool) reset() { p.mixes, p.free = p.mixes[:0], p.free[:0] }
