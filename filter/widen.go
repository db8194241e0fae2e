package filter

// Widened returns f with its directional address tests (src, dst, and
// their "src or dst" and "src and dst" forms, which look at the original
// tuple) widened: orig to either end of the original tuple, every to any
// end of either tuple, as host and net without a direction match. Both
// are nil when f has no directional address test, so that a caller can
// say how many more flows hold the address at another end: on a NAT
// gateway "src host A" of the public address matches few flows, and
// "host A" every one of them (docs/filter.md). Port tests keep their
// direction.
func (f *Filter) Widened() (orig, every *Filter) {
	if f == nil || f.root == nil || !directional(f.root) {
		return nil, nil
	}
	o := widen(f.root, dirSrcOrDst)
	e := widen(f.root, dirAny)
	return newFilter(f.expr+" (either end of the original)", o), newFilter(f.expr+" (any end)", e)
}

func isAddrTest(in *insn) bool { return in.op == opAddr || in.op == opAddrSet }

// directional reports whether a test under n looks at an address in one
// direction only.
func directional(n *filterNode) bool {
	if n.kind == nLeaf {
		return isAddrTest(&n.test) && n.test.d != dirAny && n.test.d != dirSrcOrDst
	}
	for _, k := range n.kids {
		if directional(k) {
			return true
		}
	}
	return false
}

// widen copies n with its directional address tests looking at d.
func widen(n *filterNode, d filterDir) *filterNode {
	c := *n
	if n.kind == nLeaf {
		if isAddrTest(&c.test) && c.test.d != dirAny && !(d == dirSrcOrDst && c.test.d == dirSrcOrDst) {
			c.test.d = d
		}
		return &c
	}
	c.kids = make([]*filterNode, len(n.kids))
	for i, k := range n.kids {
		c.kids[i] = widen(k, d)
	}
	return &c
}
