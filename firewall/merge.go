package firewall

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/cttop/cttop/action"
)

// merge returns the targets with sibling networks of the same set joined
// into their parent network, as often as that is exact and the parent is
// no wider than a plan may hold: 198.18.0.0 to 198.18.63.255 as single
// addresses become 198.18.0.0/18. Services are
// returned unchanged. The targets must be normalized and must not overlap
// within a set (normalize ensures both). The result is sorted as
// action.Compare sorts, by set.
func merge(targets []action.Target) []action.Target {
	out := make([]action.Target, 0, len(targets))
	sorted := slices.Clone(targets)
	slices.SortFunc(sorted, func(x, y action.Target) int {
		return cmp.Or(cmp.Compare(setOf(x), setOf(y)), action.Compare(x, y))
	})
	start := 0 // where the current set begins in out
	for i, t := range sorted {
		if i > 0 && setOf(sorted[i-1]) != setOf(t) {
			start = len(out)
		}
		out = append(out, t)
		if t.IsService() {
			continue
		}
		// Sorted and disjoint, a network can only join the one before it;
		// the parent made may in turn join the one before that.
		for len(out)-start >= 2 {
			a, b := out[len(out)-2].Addr, out[len(out)-1].Addr
			parent, ok := siblings(a, b)
			if !ok {
				break
			}
			out = out[:len(out)-2]
			out = append(out, action.Source(t.Action, parent))
		}
	}
	return out
}

// siblings reports whether a and b are the two halves of one network no
// wider than a plan may hold (WidestIPv4, WidestIPv6), and returns it.
func siblings(a, b netip.Prefix) (netip.Prefix, bool) {
	if a.Bits() != b.Bits() || a.Bits() <= widest(a.Addr()) || a.Addr().Is4() != b.Addr().Is4() {
		return netip.Prefix{}, false
	}
	parent := netip.PrefixFrom(a.Addr(), a.Bits()-1).Masked()
	if parent.Addr() != a.Addr() || !parent.Contains(b.Addr()) || a == b {
		return netip.Prefix{}, false
	}
	return parent, true
}

// mergedInto returns, for each target, the merged target that covers it.
// merged must come from merge(targets).
func mergedInto(targets, merged []action.Target) map[action.Target]action.Target {
	out := make(map[action.Target]action.Target, len(targets))
	bySet := map[string][]action.Target{}
	for _, m := range merged {
		if m.IsService() {
			out[m] = m
			continue
		}
		bySet[setOf(m)] = append(bySet[setOf(m)], m)
	}
	for _, t := range targets {
		if t.IsService() {
			continue
		}
		ms := bySet[setOf(t)]
		// The last merged network that starts at or before t's address.
		i, _ := slices.BinarySearchFunc(ms, t.Addr.Addr(), func(m action.Target, a netip.Addr) int {
			return m.Addr.Addr().Compare(a)
		})
		if i < len(ms) && ms[i].Addr.Addr() == t.Addr.Addr() {
			i++
		}
		if i > 0 && ms[i-1].Addr.Contains(t.Addr.Addr()) {
			out[t] = ms[i-1]
		}
	}
	return out
}
