package model

import (
	"encoding/binary"
	"math/bits"
)

// prefixTrie is a path-compressed binary trie (a PATRICIA trie, Morrison
// 1968) of the addresses at one end of a set of flows: every node is a
// prefix and counts the flows under it; with aggs, every leaf (an address)
// keeps the state mix and counters of its flows as well. Every inner node
// has two children, so n distinct addresses make at most 2n-1 nodes of 32
// bytes (and n tallies of 32, grouptally.go) whatever their spread, and a change
// walks one path (about log2 n nodes). IPv4 and IPv6 addresses have a root
// each; IPv4 addresses are kept in their mapped 128-bit form (prefix /n is
// /96+n).
//
// Hand-written because it is on the hot path: every change of a flow
// walks it, and the standard library has no trie.
type prefixTrie struct {
	nodes    []trieNode
	aggs     []tally // per leaf (trieNode.kid[0]), when withAggs
	mixes    mixPool // of the aggs
	withAggs bool
	free     []int32
	freeAggs []int32
	root     [2]int32 // IPv4, IPv6; -1: empty
	leaves   int      // distinct addresses
	sink     int32    // keeps the loads of touch
}

// trieNode is a prefix. A leaf (bits 128) has no children: its kid[0] is
// the index of its aggregate, when the trie keeps them.
type trieNode struct {
	addr Addr  // the prefix, bits after the first bits zero
	bits uint8 // 0 to 128, in the 128-bit form; 128 is a leaf
	// row marks a heavy-hitter row's node (Groups.syncRows), so that a
	// change finds its row on the path it walks anyway; it takes what
	// was padding.
	row   bool
	count int32 // flows under the prefix
	kid   [2]int32
}

func newPrefixTrie(withAggs bool) *prefixTrie {
	return &prefixTrie{withAggs: withAggs, root: [2]int32{-1, -1}}
}

// reset empties the trie, keeping its memory.
func (t *prefixTrie) reset() {
	t.nodes, t.aggs, t.free, t.freeAggs = t.nodes[:0], t.aggs[:0], t.free[:0], t.freeAggs[:0]
	t.mixes.reset()
	t.root = [2]int32{-1, -1}
	t.leaves = 0
}

// famRoot is the index of family fam's root.
func famRoot(fam uint8) int {
	if fam == IPv6 {
		return 1
	}
	return 0
}

// bitAt returns bit i (0 the most significant) of a.
func bitAt(a *Addr, i int) int { return int(a[i>>3]>>(7-i&7)) & 1 }

// commonLen returns the length of the common prefix of a and b, at most
// limit bits.
func commonLen(a, b *Addr, limit int) int {
	hi := binary.BigEndian.Uint64(a[:8]) ^ binary.BigEndian.Uint64(b[:8])
	n := bits.LeadingZeros64(hi)
	if hi == 0 {
		lo := binary.BigEndian.Uint64(a[8:]) ^ binary.BigEndian.Uint64(b[8:])
		n = 64 + bits.LeadingZeros64(lo)
	}
	return min(n, limit)
}

func (t *prefixTrie) node(a Addr, nbits int) int32 {
	nd := trieNode{addr: maskAddr(a, nbits), bits: uint8(nbits), kid: [2]int32{-1, -1}}
	if nbits == 128 && t.withAggs {
		if n := len(t.freeAggs); n > 0 {
			nd.kid[0] = t.freeAggs[n-1]
			t.freeAggs = t.freeAggs[:n-1]
			t.aggs[nd.kid[0]] = tally{}
		} else {
			nd.kid[0] = int32(len(t.aggs))
			t.aggs = append(t.aggs, tally{})
		}
	}
	if n := len(t.free); n > 0 {
		i := t.free[n-1]
		t.free = t.free[:n-1]
		t.nodes[i] = nd
		return i
	}
	t.nodes = append(t.nodes, nd)
	return int32(len(t.nodes) - 1)
}

// account adds (d 1) or removes (d -1) flow f with counters c at node n.
func (t *prefixTrie) account(n int32, f *Flow, c *Counters, d int) {
	nd := &t.nodes[n]
	nd.count += int32(d)
	if t.withAggs && nd.bits == 128 {
		t.aggs[nd.kid[0]].countFlow(&t.mixes, f, c, d)
	}
}

// link makes child the node below parent on side (the root when parent
// is -1).
func (t *prefixTrie) link(r int, parent int32, side int, child int32) {
	if parent < 0 {
		t.root[r] = child
	} else {
		t.nodes[parent].kid[side] = child
	}
}

// add counts flow f (counters c) under address a of family fam, and
// returns the deepest node marked row on its path (-1: none).
func (t *prefixTrie) add(fam uint8, a Addr, f *Flow, c *Counters) (row int32) {
	r := famRoot(fam)
	parent, side := int32(-1), 0
	row = -1
	for n := t.root[r]; n >= 0; {
		nd := &t.nodes[n]
		nb := int(nd.bits)
		if cl := commonLen(&a, &nd.addr, nb); cl < nb {
			// a leaves the path inside n's edge: a new inner node at
			// the fork holds n and a new leaf.
			leaf := t.node(a, 128)
			t.account(leaf, f, c, 1)
			in := t.node(a, cl)
			t.nodes[in].count = t.nodes[n].count + 1
			b := bitAt(&a, cl)
			t.nodes[in].kid[b], t.nodes[in].kid[1-b] = leaf, n
			t.link(r, parent, side, in)
			t.leaves++
			return row
		}
		t.account(n, f, c, 1)
		if nd.row {
			row = n
		}
		if nb == 128 {
			return row
		}
		side = bitAt(&a, nb)
		parent, n = n, nd.kid[side]
	}
	leaf := t.node(a, 128)
	t.account(leaf, f, c, 1)
	t.link(r, parent, side, leaf)
	t.leaves++
	return row
}

// remove uncounts flow f (counters c) under address a of family fam; a
// leaf left without flows goes, and its parent with it (its sibling takes
// its place). It reports false, changing nothing, when a is not in t;
// else the deepest node marked row on the path (-1: none), and whether a
// node marked row went.
func (t *prefixTrie) remove(fam uint8, a Addr, f *Flow, c *Counters) (ok bool, row int32, rowGone bool) {
	r := famRoot(fam)
	row = -1
	var path [130]int32
	var sides [130]int8
	depth := 0
	for n := t.root[r]; ; {
		if n < 0 {
			return false, -1, false
		}
		nd := &t.nodes[n]
		nb := int(nd.bits)
		if commonLen(&a, &nd.addr, nb) < nb {
			return false, -1, false
		}
		if nd.row {
			row = n
		}
		path[depth] = n
		depth++
		if nb == 128 {
			break
		}
		s := bitAt(&a, nb)
		sides[depth-1] = int8(s)
		n = nd.kid[s]
	}
	for _, n := range path[:depth] {
		t.account(n, f, c, -1)
	}
	leaf := path[depth-1]
	if t.nodes[leaf].count > 0 {
		return true, row, false
	}
	rowGone = t.nodes[leaf].row
	t.leaves--
	t.free = append(t.free, leaf)
	if t.withAggs {
		t.freeAggs = append(t.freeAggs, t.nodes[leaf].kid[0])
	}
	if depth == 1 {
		t.root[r] = -1
		return true, row, rowGone
	}
	p := path[depth-2]
	rowGone = rowGone || t.nodes[p].row
	sibling := t.nodes[p].kid[1-sides[depth-2]]
	t.free = append(t.free, p)
	if depth == 2 {
		t.root[r] = sibling
	} else {
		t.nodes[path[depth-3]].kid[sides[depth-3]] = sibling
	}
	return true, row, rowGone
}

// heavyRow is one hierarchical heavy hitter: its row (Flows discounted;
// the mix and counters when detailed), the flows under its prefix, and
// its node.
type heavyRow struct {
	Group
	total    int
	node     int32
	detailed bool
}

// heavy appends to dst the hierarchical heavy hitters at threshold thr (a
// number of flows), keyed by by, with their conditioned counts only: see
// Groups.SetShare for the definition. It visits only the nodes that hold
// at least thr flows, since no heavy hitter lies below one that holds
// fewer: at most depth/share nodes.
func (t *prefixTrie) heavy(by GroupBy, thr float64, dst []heavyRow) []heavyRow {
	thr = max(thr, 1)
	for r, fam := range [2]uint8{IPv4, IPv6} {
		if n := t.root[r]; n >= 0 {
			_, _, dst = t.heavyBelow(n, by, fam, thr, dst)
		}
	}
	return dst
}

// heavyBelow returns the flows under node n that no heavy hitter at or
// below n holds (the conditioned count), whether n is one, and dst with
// the heavy hitters at or below n appended.
func (t *prefixTrie) heavyBelow(n int32, by GroupBy, fam uint8, thr float64, dst []heavyRow) (int, bool, []heavyRow) {
	nd := t.nodes[n]
	if float64(nd.count) < thr {
		return int(nd.count), false, dst
	}
	rest := int(nd.count)
	if nd.bits != 128 {
		rest = 0
		for _, k := range nd.kid {
			c, isHeavy, d := t.heavyBelow(k, by, fam, thr, dst)
			dst = d
			if !isHeavy {
				rest += c
			}
		}
	}
	fb := familyBits(fam, int(nd.bits))
	lo := MinBits4
	if fam == IPv6 {
		lo = MinBits6
	}
	if fb < lo || rest <= 0 || float64(rest) < thr {
		return rest, false, dst
	}
	row := heavyRow{total: int(nd.count), node: n}
	row.Key = GroupKey{By: by, Addr: nd.addr, Family: fam, Bits: uint8(fb)}
	row.Flows = rest
	return rest, true, append(dst, row)
}

// detail sums into g the aggregates of the addresses under node n that
// are under no other node marked row, and returns how many it summed.
func (t *prefixTrie) detail(n int32, g *Group) int {
	nd := &t.nodes[n]
	if nd.bits == 128 {
		t.aggs[nd.kid[0]].addTo(&t.mixes, g)
		return 1
	}
	sum := 0
	for _, k := range nd.kid {
		if !t.nodes[k].row {
			sum += t.detail(k, g)
		}
	}
	return sum
}

// rowAbove returns the deepest node marked row whose prefix holds prefix
// a/pbits (the 128-bit form) of family fam and is shorter, or -1.
func (t *prefixTrie) rowAbove(fam uint8, a Addr, pbits int) int32 {
	best := int32(-1)
	for n := t.root[famRoot(fam)]; n >= 0; {
		nd := &t.nodes[n]
		nb := int(nd.bits)
		if nb >= pbits || commonLen(&a, &nd.addr, nb) < nb {
			break
		}
		if nd.row {
			best = n
		}
		n = nd.kid[bitAt(&a, nb)]
	}
	return best
}

// deepest returns the value in rows (by node) of the longest prefix of
// address a (family fam) that is a key of rows, or -1.
func (t *prefixTrie) deepest(fam uint8, a Addr, rows map[int32]int) int {
	best := -1
	for n := t.root[famRoot(fam)]; n >= 0; {
		nd := &t.nodes[n]
		nb := int(nd.bits)
		if commonLen(&a, &nd.addr, nb) < nb {
			break
		}
		if i, ok := rows[n]; ok {
			best = i
		}
		if nb == 128 {
			break
		}
		n = nd.kid[bitAt(&a, nb)]
	}
	return best
}

// count returns the flows under prefix p (bits in the 128-bit form) of
// family fam.
func (t *prefixTrie) count(fam uint8, p Addr, pbits int) int {
	for n := t.root[famRoot(fam)]; n >= 0; {
		nd := &t.nodes[n]
		nb := int(nd.bits)
		cl := commonLen(&p, &nd.addr, min(nb, pbits))
		switch {
		case cl < min(nb, pbits):
			return 0
		case nb >= pbits:
			return int(nd.count)
		}
		n = nd.kid[bitAt(&p, nb)]
	}
	return 0
}

// touch walks the paths of addresses as from nodes cur (changed in place)
// a level at a time, loading the nodes and leaf aggregates and changing
// nothing.
func (t *prefixTrie) touch(cur []int32, as []Addr) {
	var sink int32
	for live := len(cur); live > 0; {
		live = 0
		for i, n := range cur {
			if n < 0 {
				continue
			}
			nd := &t.nodes[n]
			if nd.bits == 128 {
				if t.withAggs {
					sink += t.aggs[nd.kid[0]].flows
				}
				cur[i] = -1
				continue
			}
			cur[i] = nd.kid[bitAt(&as[i], int(nd.bits))]
			live++
		}
	}
	t.sink += sink
}
