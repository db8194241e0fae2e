package model

import (
	"encoding/binary"
	"math/bits"
)

// prefixTrie is a path-compressed binary trie (a PATRICIA trie, Morrison
// 1968) of the addresses at one end of a set of flows: every node is a
// prefix and counts the flows under it, and, when aggs is kept, their
// state mix and counters. Every inner node has two children, so n distinct
// addresses make at most 2n-1 nodes (32 bytes each, 136 with aggregates)
// whatever their spread, and a change walks one path (about log2 n
// nodes). IPv4 and IPv6 addresses have a root each; IPv4 addresses are
// kept in their mapped 128-bit form (prefix /n is /96+n).
//
// Hand-written because it is on the hot path: every change of a flow
// walks it, and the standard library has no trie.
type prefixTrie struct {
	nodes    []trieNode
	aggs     []Group // per node, when withAggs
	withAggs bool
	free     []int32
	root     [2]int32 // IPv4, IPv6; -1: empty
	leaves   int      // distinct addresses
}

type trieNode struct {
	addr  Addr  // the prefix, bits after the first bits zero
	bits  uint8 // 0 to 128, in the 128-bit form; 128 is a leaf
	count int32 // flows under the prefix
	kid   [2]int32
}

func newPrefixTrie(withAggs bool) *prefixTrie {
	return &prefixTrie{withAggs: withAggs, root: [2]int32{-1, -1}}
}

// reset empties the trie, keeping its memory.
func (t *prefixTrie) reset() {
	t.nodes, t.aggs, t.free = t.nodes[:0], t.aggs[:0], t.free[:0]
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
	if n := len(t.free); n > 0 {
		i := t.free[n-1]
		t.free = t.free[:n-1]
		t.nodes[i] = nd
		if t.withAggs {
			t.aggs[i] = Group{}
		}
		return i
	}
	t.nodes = append(t.nodes, nd)
	if t.withAggs {
		t.aggs = append(t.aggs, Group{})
	}
	return int32(len(t.nodes) - 1)
}

// account adds (d 1) or removes (d -1) flow f with counters c at node n.
func (t *prefixTrie) account(n int32, f *Flow, c *Counters, d int) {
	t.nodes[n].count += int32(d)
	if t.withAggs {
		t.aggs[n].account(f, c, d)
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

// add counts flow f (counters c) under address a of family fam.
func (t *prefixTrie) add(fam uint8, a Addr, f *Flow, c *Counters) {
	r := famRoot(fam)
	parent, side := int32(-1), 0
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
			if t.withAggs {
				t.aggs[in] = t.aggs[n]
				t.aggs[in].merge(&t.aggs[leaf], 1)
			}
			b := bitAt(&a, cl)
			t.nodes[in].kid[b], t.nodes[in].kid[1-b] = leaf, n
			t.link(r, parent, side, in)
			t.leaves++
			return
		}
		t.account(n, f, c, 1)
		if nb == 128 {
			return
		}
		side = bitAt(&a, nb)
		parent, n = n, nd.kid[side]
	}
	leaf := t.node(a, 128)
	t.account(leaf, f, c, 1)
	t.link(r, parent, side, leaf)
	t.leaves++
}

// remove uncounts flow f (counters c) under address a of family fam; a
// leaf left without flows goes, and its parent with it (its sibling takes
// its place). It reports false, changing nothing, when a is not in t.
func (t *prefixTrie) remove(fam uint8, a Addr, f *Flow, c *Counters) bool {
	r := famRoot(fam)
	var path [130]int32
	var sides [130]int8
	depth := 0
	for n := t.root[r]; ; {
		if n < 0 {
			return false
		}
		nd := &t.nodes[n]
		nb := int(nd.bits)
		if commonLen(&a, &nd.addr, nb) < nb {
			return false
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
		return true
	}
	t.leaves--
	t.free = append(t.free, leaf)
	if depth == 1 {
		t.root[r] = -1
		return true
	}
	p := path[depth-2]
	sibling := t.nodes[p].kid[1-sides[depth-2]]
	t.free = append(t.free, p)
	if depth == 2 {
		t.root[r] = sibling
	} else {
		t.nodes[path[depth-3]].kid[sides[depth-3]] = sibling
	}
	return true
}

// aggOf returns the aggregate of node n (only Flows without aggregates).
func (t *prefixTrie) aggOf(n int32) Group {
	if t.withAggs {
		return t.aggs[n]
	}
	return Group{Flows: int(t.nodes[n].count)}
}

// heavyRow is one hierarchical heavy hitter: its row (Flows discounted)
// and the flows under its prefix.
type heavyRow struct {
	Group
	total int
	node  int32
}

// heavy appends to dst the hierarchical heavy hitters at threshold thr (a
// number of flows), keyed by by: see Groups.SetShare for the definition.
// It visits only the nodes that hold at least thr flows, since no heavy
// hitter lies below one that holds fewer: at most depth/share nodes.
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
func (t *prefixTrie) heavyBelow(n int32, by GroupBy, fam uint8, thr float64, dst []heavyRow) (Group, bool, []heavyRow) {
	nd := t.nodes[n]
	if float64(nd.count) < thr {
		return t.aggOf(n), false, dst
	}
	var rest Group
	if nd.bits == 128 {
		rest = t.aggOf(n)
	} else {
		for _, k := range nd.kid {
			g, isHeavy, d := t.heavyBelow(k, by, fam, thr, dst)
			dst = d
			if !isHeavy {
				rest.merge(&g, 1)
			}
		}
	}
	fb := familyBits(fam, int(nd.bits))
	lo := MinBits4
	if fam == IPv6 {
		lo = MinBits6
	}
	if fb < lo || rest.Flows <= 0 || float64(rest.Flows) < thr {
		return rest, false, dst
	}
	rest.Key = GroupKey{By: by, Addr: nd.addr, Family: fam, Bits: uint8(fb)}
	return rest, true, append(dst, heavyRow{Group: rest, total: int(nd.count), node: n})
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
