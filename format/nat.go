package format

import (
	"strconv"

	"github.com/cttop/cttop/model"
)

// Translated says which ends of f the kernel rewrites: the destination
// (DNAT: the reply comes from elsewhere) and the source (SNAT: the reply
// goes elsewhere), ports and GRE keys included, and an ICMP id, which
// belongs to the source.
func Translated(f *model.Flow) (dst, src bool) {
	ids := hasIDs(f.Proto)
	dst = f.Reply.Src != f.Orig.Dst || ids && f.Reply.SrcPort != f.Orig.DstPort
	src = f.Reply.Dst != f.Orig.Src || ids && f.Reply.DstPort != f.Orig.SrcPort ||
		model.IsICMP(f.Proto) && f.Reply.SrcPort != f.Orig.SrcPort
	return dst, src
}

// natEnds returns the ends before and after the rewrite: the original
// destination and what the reply comes from, the original source and what
// the reply goes to.
func natEnds(f *model.Flow) (oldDst, newDst, oldSrc, newSrc string) {
	oldDst = Endpoint(f.Family, f.Orig.Dst, f.Orig.DstPort, f.Proto)
	newDst = Endpoint(f.Family, f.Reply.Src, f.Reply.SrcPort, f.Proto)
	oldSrc = Endpoint(f.Family, f.Orig.Src, f.Orig.SrcPort, f.Proto)
	newSrc = Endpoint(f.Family, f.Reply.Dst, f.Reply.DstPort, f.Proto)
	if model.IsICMP(f.Proto) && f.ICMPKnown() {
		oldSrc += " id " + strconv.Itoa(int(f.Orig.SrcPort))
		newSrc += " id " + strconv.Itoa(int(f.Reply.SrcPort))
	}
	return oldDst, newDst, oldSrc, newSrc
}

// NAT writes a NATed flow's translation in one cell, the one wording of a
// translation in every output: what the destination and the source become,
// "dst→[2001:db8::680a]:53", "src→203.0.113.1:61000", both separated by a
// blank; "" if the kernel rewrites nothing.
func NAT(f *model.Flow) string {
	dst, src := Translated(f)
	_, newDst, _, newSrc := natEnds(f)
	switch {
	case dst && src:
		return "dst→" + newDst + " src→" + newSrc
	case dst:
		return "dst→" + newDst
	case src:
		return "src→" + newSrc
	}
	return ""
}

// NATLines writes the translation for the detail pane in the same wording
// as NAT, a line a rewrite, with what was rewritten:
// "dst→[2001:db8::680a]:53 (DNAT of [2001:db8::a]:53)".
func NATLines(f *model.Flow) []string {
	var out []string
	dst, src := Translated(f)
	oldDst, newDst, oldSrc, newSrc := natEnds(f)
	if dst {
		out = append(out, "dst→"+newDst+" (DNAT of "+oldDst+")")
	}
	if src {
		out = append(out, "src→"+newSrc+" (SNAT of "+oldSrc+")")
	}
	return out
}

// NATShort is NAT without ports, ICMP ids or GRE keys, for a narrow
// table: "dst→192.0.2.10", "dst→192.0.2.10 src→203.0.113.1"; the detail
// pane and NAT have the rest.
func NATShort(f *model.Flow) string {
	dst, src := Translated(f)
	newDst, newSrc := Addr(f.Family, f.Reply.Src), Addr(f.Family, f.Reply.Dst)
	switch {
	case dst && src:
		return "dst→" + newDst + " src→" + newSrc
	case dst:
		return "dst→" + newDst
	case src:
		return "src→" + newSrc
	}
	return ""
}

// NATKind names the translation only, for the narrowest table: "DNAT",
// "SNAT", "DNAT+SNAT"; "" if the kernel rewrites nothing.
func NATKind(f *model.Flow) string {
	dst, src := Translated(f)
	switch {
	case dst && src:
		return "DNAT+SNAT"
	case dst:
		return "DNAT"
	case src:
		return "SNAT"
	}
	return ""
}
