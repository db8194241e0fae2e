package model

import (
	"cmp"
	"net/netip"
	"slices"
)

// PrefixCount is a source prefix and the flows of a table it holds.
type PrefixCount struct {
	Prefix netip.Prefix
	// Flows are the flows from the prefix, Sources the distinct source
	// addresses among them.
	Flows, Sources int
}

// heavySources finds the prefixes that hold a distributed source of the
// table's flows: the hierarchical heavy hitters of the source addresses
// srcs (flows per address, n flows in all) at DefaultShare, counted at the
// Verdict's levels (/8 to /32, IPv6 /16 to /128), less those no heavier
// than sources spread over the address space would make them, then named
// by their covers as the verdict names them (eight heavy /24s are their
// /21), each with the flows it holds, most first. The counts are exact:
// the table's, not a window's estimate. Two thousand sources of 21 flows
// each inside one /21 make no source stand out, and this prefix.
func heavySources(srcs map[famAddr]int32, n int) []PrefixCount {
	if n == 0 {
		return nil
	}
	levels := make([]map[GroupKey]uint64, len(rateLevels))
	for i := range levels {
		levels[i] = map[GroupKey]uint64{}
	}
	// An address under the threshold cannot be heavy, and its /32 (/128)
	// count only serves to narrow a cover to it: leaving it out saves a
	// copy of srcs (a million sources in a flood) and at worst leaves a
	// cover one level wider (tighten never narrows past what it counts).
	least := int32(DefaultShare * float64(n))
	for a, c := range srcs {
		for i, l := range rateLevels {
			if l.fam != a.fam || (l.bits == 32 && l.fam == IPv4 || l.bits == 128) && c < least {
				continue
			}
			bits := int(l.bits)
			if l.fam == IPv4 {
				bits += 96
			}
			levels[i][GroupKey{By: BySrc, Family: l.fam, Bits: l.bits, Addr: maskAddr(a.a, bits)}] += uint64(c)
		}
	}
	heavy := slices.DeleteFunc(streamHeavy(levels, float64(n), DefaultShare), asSpread)
	if len(heavy) == 0 {
		return nil
	}
	var out []PrefixCount
	for _, c := range coverOf(heavy) {
		c = tighten(levels, c, DefaultShare)
		pc := PrefixCount{Prefix: c.Prefix(), Flows: int(prefixCount(levels, c))}
		for a := range srcs {
			if a.fam == c.Family && c.Contains(a.fam, a.a) {
				pc.Sources++
			}
		}
		out = append(out, pc)
	}
	slices.SortFunc(out, func(a, b PrefixCount) int {
		if c := cmp.Compare(b.Flows, a.Flows); c != 0 {
			return c
		}
		return a.Prefix.Addr().Compare(b.Prefix.Addr())
	})
	return out
}
