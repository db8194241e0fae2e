package filter

import (
	"encoding/binary"

	"github.com/cttop/cttop/model"
)

// A long "or" of address tests, such as the filter of 2,000 tagged sources
// or of the 10,000 targets of a block (Targets, AnyOfKeys), would run one
// test per address for every flow: 10,000 tests a flow, 10^10 for a million
// flows. The compiler gathers the address tests of an "or" that look at
// the same direction of the same family into one set instruction instead:
// a hash lookup per distinct prefix length, whatever the number of
// addresses. The result is the same (an "or" of pure tests does not depend
// on their order); TestAddrSetSameAsTests checks it on random flows.

// minAddrSet is the smallest number of address tests worth a set: below
// it, a few masked compares cost less than hashing.
const minAddrSet = 8

// addrSet is a set of prefixes of one family, as masked address words
// (loaded as prefixInsn loads them), one map per distinct mask.
type addrSet struct {
	masks [][2]uint64
	sets  []map[[2]uint64]struct{}
}

// add adds the prefix of an opAddr instruction.
func (s *addrSet) add(in *insn) {
	m := [2]uint64{in.c, in.m}
	i := 0
	for i < len(s.masks) && s.masks[i] != m {
		i++
	}
	if i == len(s.masks) {
		s.masks = append(s.masks, m)
		s.sets = append(s.sets, map[[2]uint64]struct{}{})
	}
	s.sets[i][[2]uint64{in.a, in.b}] = struct{}{}
}

// has reports whether a is in one of the set's prefixes.
func (s *addrSet) has(a *model.Addr) bool {
	lo, hi := binary.LittleEndian.Uint64(a[:8]), binary.LittleEndian.Uint64(a[8:])
	for i, m := range s.masks {
		if _, ok := s.sets[i][[2]uint64{lo & m[0], hi & m[1]}]; ok {
			return true
		}
	}
	return false
}

// testSet is insn.test for opAddrSet.
func (in *insn) testSet(f *model.Flow) bool {
	if f.Family != in.fam {
		return false
	}
	s := in.set
	switch in.d {
	case dirSrc:
		return s.has(&f.Orig.Src)
	case dirDst:
		return s.has(&f.Orig.Dst)
	case dirSrcOrDst:
		return s.has(&f.Orig.Src) || s.has(&f.Orig.Dst)
	}
	// dirSrcAndDst is not gathered: "src and dst in one of the prefixes"
	// is not "src and dst in the same prefix".
	return s.has(&f.Orig.Src) || s.has(&f.Orig.Dst) || s.has(&f.Reply.Src) || s.has(&f.Reply.Dst)
}

// gatherAddrSets returns n with the address tests of every "or" that
// share a direction and a family gathered into set instructions, when
// there are at least minAddrSet of them. It builds new nodes where it
// changes something and never changes n, which other filters may share.
func gatherAddrSets(n *filterNode) *filterNode {
	if n.kind == nLeaf {
		return n
	}
	kids := make([]*filterNode, 0, len(n.kids))
	changed := false
	for _, k := range n.kids {
		g := gatherAddrSets(k)
		changed = changed || g != k
		kids = append(kids, g)
	}
	if n.kind == nOr {
		var gathered bool
		kids, gathered = gatherOr(kids)
		changed = changed || gathered
	}
	if !changed {
		return n
	}
	return &filterNode{kind: n.kind, neg: n.neg, kids: kids}
}

// setKey groups the address tests one set can hold.
type setKey struct {
	d   filterDir
	fam uint8
}

// gatherOr gathers the plain address tests among the kids of an "or".
func gatherOr(kids []*filterNode) ([]*filterNode, bool) {
	count := map[setKey]int{}
	for _, k := range kids {
		if key, ok := gatherable(k); ok {
			count[key]++
		}
	}
	sets := map[setKey]*filterNode{}
	out := kids[:0:0]
	for _, k := range kids {
		key, ok := gatherable(k)
		if !ok || count[key] < minAddrSet {
			out = append(out, k)
			continue
		}
		s, seen := sets[key]
		if !seen {
			s = leafNode(insn{op: opAddrSet, d: key.d, fam: key.fam, set: &addrSet{}})
			sets[key] = s
			out = append(out, s)
		}
		s.test.set.add(&k.test)
	}
	return out, len(sets) > 0
}

// gatherable reports whether k is a plain address test a set can hold,
// and under which key.
func gatherable(k *filterNode) (setKey, bool) {
	if k.kind != nLeaf || k.neg || k.test.op != opAddr || k.test.d == dirSrcAndDst {
		return setKey{}, false
	}
	return setKey{k.test.d, k.test.fam}, true
}
