package format

import (
	"net/netip"
	"strconv"

	"github.com/cttop/cttop/model"
)

// Addr writes an address of a flow of family fam alone as netip does
// (IPv4 dotted, IPv6 compressed, an IPv6 flow's IPv4-mapped address as
// ::ffff:192.0.2.1, never bracketed): the SRC and DST cells, group keys,
// the metrics' top sources.
func Addr(fam uint8, a model.Addr) string { return a.StringIn(fam) }

// IP writes a netip address as Addr does. An IPv4-mapped address stays
// IPv6: it is an IPv6 flow's (model.Addr.In unmaps an IPv4 flow's).
func IP(a netip.Addr) string { return a.WithZone("").String() }

// hasIDs reports whether the protocol's tuple carries something beside the
// addresses in SrcPort and DstPort that is an end's own: ports (tcp, udp,
// udplite, sctp, dccp) or keys (GRE: the kernel keeps the PPTP call IDs
// there, and ctnetlink sends them as CTA_PROTO_SRC_PORT and DST_PORT).
func hasIDs(proto uint8) bool { return model.HasPorts(proto) || proto == model.ProtoGRE }

// Endpoint writes one end of a tuple unambiguously: the address and what
// the protocol's tuple keeps for that end. A port follows after a colon,
// an IPv6 address then in brackets (192.0.2.1:80, [2001:db8::1]:53); a GRE
// key is written as a key, never as a port (192.0.2.1 key 0x1f); other
// protocols, ICMP among them (its id and type are the flow's, see
// ICMPLong), give the address alone.
func Endpoint(fam uint8, a model.Addr, id uint16, proto uint8) string {
	s := Addr(fam, a)
	switch {
	case model.HasPorts(proto):
		if fam != model.IPv4 {
			s = "[" + s + "]"
		}
		return s + ":" + strconv.Itoa(int(id))
	case proto == model.ProtoGRE:
		return s + " key " + Key(id)
	}
	return s
}

// Key writes a GRE key as conntrack -L does (srckey=0x1f): hexadecimal
// with 0x.
func Key(k uint16) string { return "0x" + strconv.FormatUint(uint64(k), 16) }

// Port writes a port of a protocol with ports, else "-".
func Port(p uint16, proto uint8) string {
	if model.HasPorts(proto) {
		return strconv.Itoa(int(p))
	}
	return "-"
}

// SrcPort writes the SPORT cell of a flow: the original source port; the
// source key of a GRE flow (0x1f); the id of an ICMP or ICMPv6 flow ("id
// 7", which the kernel keys the flow by); "-" for protocols with none.
func SrcPort(f *model.Flow) string {
	switch {
	case f.Proto == model.ProtoGRE:
		return Key(f.Orig.SrcPort)
	case model.IsICMP(f.Proto) && !f.ICMPKnown():
		return "-"
	case model.IsICMP(f.Proto):
		return "id " + strconv.Itoa(int(f.Orig.SrcPort))
	}
	return Port(f.Orig.SrcPort, f.Proto)
}

// DstPort writes the DPORT cell of a flow: the original destination port;
// the destination key of a GRE flow; the type/code of an ICMP or ICMPv6
// flow ("8/0"); "-" for protocols with none.
func DstPort(f *model.Flow) string {
	switch {
	case f.Proto == model.ProtoGRE:
		return Key(f.Orig.DstPort)
	case model.IsICMP(f.Proto) && !f.ICMPKnown():
		return "-"
	case model.IsICMP(f.Proto):
		return strconv.Itoa(int(f.Orig.ICMPType())) + "/" + strconv.Itoa(int(f.Orig.ICMPCode()))
	}
	return Port(f.Orig.DstPort, f.Proto)
}

// ICMPLong writes an ICMP tuple's type, code and id in words for the
// detail pane: "type 8 code 0 id 7".
func ICMPLong(t model.Tuple) string {
	return "type " + strconv.Itoa(int(t.ICMPType())) + " code " + strconv.Itoa(int(t.ICMPCode())) +
		" id " + strconv.Itoa(int(t.SrcPort))
}

// Tuple writes one direction t (f.Orig or f.Reply) of flow f for the
// detail pane: "192.0.2.1:80 → 198.51.100.7:443", "192.0.2.1 key 0x0 →
// 192.0.2.2 key 0x1", and for ICMP the addresses then the type, code and
// id, or that they are unknown.
func Tuple(f *model.Flow, t model.Tuple) string {
	s := Endpoint(f.Family, t.Src, t.SrcPort, f.Proto) + " → " + Endpoint(f.Family, t.Dst, t.DstPort, f.Proto)
	switch {
	case model.IsICMP(f.Proto) && !f.ICMPKnown():
		s += " (type, code and id unknown)"
	case model.IsICMP(f.Proto):
		s += " (" + ICMPLong(t) + ")"
	}
	return s
}
