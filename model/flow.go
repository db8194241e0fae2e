package model

import (
	"net/netip"
	"strconv"
)

// Address families, as in Flow.Family.
const (
	IPv4 uint8 = 4
	IPv6 uint8 = 6
)

// IP protocol numbers cttop names.
const (
	ProtoICMP    uint8 = 1
	ProtoTCP     uint8 = 6
	ProtoUDP     uint8 = 17
	ProtoDCCP    uint8 = 33
	ProtoGRE     uint8 = 47
	ProtoICMPv6  uint8 = 58
	ProtoSCTP    uint8 = 132
	ProtoUDPLite uint8 = 136
)

// Addr is an IP address in its 16-byte form. IPv4 addresses are stored
// IPv4-mapped (::ffff:a.b.c.d); the flow's Family says which it is.
// It holds no pointers, unlike netip.Addr, so a million flows cost the
// garbage collector nothing to scan.
type Addr [16]byte

// AddrFrom converts a netip.Addr.
func AddrFrom(a netip.Addr) Addr { return Addr(a.As16()) }

// In returns the address as a netip.Addr of family fam: an IPv4 flow's
// unmapped (192.0.2.1), an IPv6 flow's as it is, an IPv4-mapped one
// included (::ffff:192.0.2.1: another address, of another flow, than
// 192.0.2.1's). The bytes alone cannot tell the two apart: only the flow's
// Family can.
func (a Addr) In(fam uint8) netip.Addr {
	ip := netip.AddrFrom16(a)
	if fam == IPv4 {
		return ip.Unmap()
	}
	return ip
}

// Is4 reports whether a is an IPv4-mapped address.
func (a Addr) Is4() bool {
	return a[10] == 0xff && a[11] == 0xff && a[0]|a[1]|a[2]|a[3]|a[4]|a[5]|a[6]|a[7]|a[8]|a[9] == 0
}

// StringIn formats the address of family fam as netip does (IPv4 dotted,
// IPv6 compressed, IPv4-mapped IPv6 as ::ffff:a.b.c.d).
func (a Addr) StringIn(fam uint8) string { return a.In(fam).String() }

// Tuple is one direction of a connection. For ICMP and ICMPv6, SrcPort holds
// the ICMP id and DstPort holds type<<8 | code, as the kernel keys them.
type Tuple struct {
	Src, Dst         Addr
	SrcPort, DstPort uint16
}

// ICMPType returns the ICMP type of an ICMP tuple.
func (t Tuple) ICMPType() uint8 { return uint8(t.DstPort >> 8) }

// ICMPCode returns the ICMP code of an ICMP tuple.
func (t Tuple) ICMPCode() uint8 { return uint8(t.DstPort) }

// Inverse returns the tuple seen from the other end.
func (t Tuple) Inverse() Tuple {
	return Tuple{Src: t.Dst, Dst: t.Src, SrcPort: t.DstPort, DstPort: t.SrcPort}
}

// Status is the kernel's conntrack status bit field (IPS_*).
type Status uint32

// Status bits, as in linux/netfilter/nf_conntrack_common.h.
const (
	StatusExpected     Status = 1 << 0
	StatusSeenReply    Status = 1 << 1
	StatusAssured      Status = 1 << 2
	StatusConfirmed    Status = 1 << 3
	StatusSrcNAT       Status = 1 << 4
	StatusDstNAT       Status = 1 << 5
	StatusSeqAdjust    Status = 1 << 6
	StatusSrcNATDone   Status = 1 << 7
	StatusDstNATDone   Status = 1 << 8
	StatusDying        Status = 1 << 9
	StatusFixedTimeout Status = 1 << 10
	StatusTemplate     Status = 1 << 11
	StatusUntracked    Status = 1 << 12
	StatusHelper       Status = 1 << 13
	StatusOffload      Status = 1 << 14
	StatusHWOffload    Status = 1 << 15
)

var statusNames = [...]string{
	"EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED", "SRC_NAT", "DST_NAT",
	"SEQ_ADJUST", "SRC_NAT_DONE", "DST_NAT_DONE", "DYING", "FIXED_TIMEOUT",
	"TEMPLATE", "UNTRACKED", "HELPER", "OFFLOAD", "HW_OFFLOAD",
}

// Names returns the names of the set bits, lowest first. UNREPLIED is
// reported, as conntrack -L does, for a flow that has not seen a reply.
func (s Status) Names() []string {
	var out []string
	if s&StatusSeenReply == 0 {
		out = append(out, "UNREPLIED")
	}
	for i, n := range statusNames {
		if s&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Attr records which optional parts of a Flow its source gave (the kernel
// message or the saved table it came from), so that what a source did not
// say reads as unknown, never as zero, and an update merges instead of
// erasing. Most bits have an accessor that returns (value, ok); the
// accessors are the only way to read the values.
type Attr uint16

// Attr bits.
const (
	HasState    Attr = 1 << iota // the protocol state (TCP, SCTP, DCCP) is known: ProtoState
	HasCounters                  // the flow's Counters are known
	HasTimeout                   // the timeout is known: Expires, TTL
	HasID                        // the kernel's conntrack ID is known: ID
	HasStart                     // the start timestamp is known: Start, Age
	HasMark                      // the mark is known: Mark
	HasZone                      // the zone is known: Zone
	HasHelper                    // whether a helper is attached is known: Flow.Helper
	HasLabels                    // the labels are known: Flow.Labels
	HasSecctx                    // the security context is known: Flow.Secctx
	// HasExt says the flow has an Ext (a helper, labels or a security
	// context) kept beside it, in the Table's side table, a Snapshot's or
	// an Event's Ext. Flows without one cost nothing for it.
	HasExt
	// zoneOrig and zoneReply say the zone applies to one direction only
	// (nft "ct original zone set", conntrack's zone-orig= and zone-reply=).
	// They are adjacent, in ZoneDir's order: zoneDir reads them at once.
	zoneOrig
	zoneReply
	// checking marks a flow handed to a Checker: its timeout passed
	// without its end; the kernel's answer (or a dump) replaces it.
	checking
	// ICMPUnknown says an ICMP or ICMPv6 flow's type, code and id (both
	// directions') are unknown: its source did not give them (conntrack
	// -L -o xml prints none), and the tuples hold 0 in their place (a
	// replay numbers the id of such flows without a conntrack ID, so that
	// each record stays a flow of its own; no output shows it). Every
	// other source gives them, so it is a bit of its own instead of one
	// every source must set.
	ICMPUnknown
)

// ICMPKnown reports whether an ICMP or ICMPv6 flow's type, code and id
// are known (see ICMPUnknown); always true for other protocols.
func (f *Flow) ICMPKnown() bool { return f.Attrs&ICMPUnknown == 0 }

// ZoneDir says which directions of a flow its zone applies to, as the
// kernel's struct nf_conntrack_zone does: one zone ID per flow, for both
// directions (CTA_ZONE, conntrack -L "zone=N") or for one only
// (CTA_TUPLE_ZONE inside that direction's tuple, "zone-orig=N",
// "zone-reply=N"); the other direction is then in zone 0.
type ZoneDir uint8

// Zone directions.
const (
	ZoneBoth  ZoneDir = iota // zone=N: both directions
	ZoneOrig                 // zone-orig=N: the original direction only
	ZoneReply                // zone-reply=N: the reply direction only
)

// String returns "", "orig" or "reply", the suffix conntrack -L writes
// after "zone-".
func (d ZoneDir) String() string {
	switch d {
	case ZoneOrig:
		return "orig"
	case ZoneReply:
		return "reply"
	}
	return ""
}

// Zone is a flow's conntrack zone: an ID and the directions it applies to.
// The zero Zone is the default zone, 0 in both directions.
type Zone struct {
	ID  uint16
	Dir ZoneDir
}

// Orig returns the zone ID of the original direction (0 for a zone that
// applies to the reply direction only).
func (z Zone) Orig() uint16 {
	if z.Dir == ZoneReply {
		return 0
	}
	return z.ID
}

// Reply returns the zone ID of the reply direction (0 for a zone that
// applies to the original direction only).
func (z Zone) Reply() uint16 {
	if z.Dir == ZoneOrig {
		return 0
	}
	return z.ID
}

// Has reports whether either direction is in zone id.
func (z Zone) Has(id uint16) bool { return z.Orig() == id || z.Reply() == id }

// IsDefault reports whether both directions are in zone 0.
func (z Zone) IsDefault() bool { return z.ID == 0 }

// Flow is one tracked connection in its compact, pointer-free form
// (104 bytes). Counters live beside it (see Counters), and the rare
// attributes (helper, labels, security context) in an Ext beside it,
// because most flows have neither.
//
// Every value a source may omit is unexported and read through an
// accessor that returns (value, ok): ok is false when the source did not
// give it, and the value is then not zero but unknown. Sources fill a Flow
// through the setters, which mark the value known.
type Flow struct {
	Orig, Reply Tuple
	Status      Status
	id          uint32 // CTA_ID
	mark        uint32
	expires     uint32 // Unix seconds when the kernel's timeout runs out
	start       uint32 // Unix seconds: the kernel's start timestamp (CTA_TIMESTAMP) or a file's
	seen        uint32 // Unix seconds: when cttop first saw the flow (set by a Table)
	zone        uint16
	Proto       uint8
	// Family is IPv4 or IPv6; 0 marks an empty slot of a Table.
	Family uint8
	state  uint8 // the protocol's own state number (TCP, SCTP, DCCP)
	// Attrs says which optional parts are known (see Attr).
	Attrs Attr
}

// ID returns the kernel's conntrack ID (CTA_ID), if known.
func (f *Flow) ID() (uint32, bool) { return f.id, f.Attrs&HasID != 0 }

// SetID sets the kernel's conntrack ID.
func (f *Flow) SetID(id uint32) { f.id, f.Attrs = id, f.Attrs|HasID }

// Mark returns the flow's mark (connmark), if known.
func (f *Flow) Mark() (uint32, bool) { return f.mark, f.Attrs&HasMark != 0 }

// SetMark sets the mark.
func (f *Flow) SetMark(m uint32) { f.mark, f.Attrs = m, f.Attrs|HasMark }

// zoneShift is where zoneOrig and zoneReply are in Attrs.
const zoneShift = 11

// zoneDir returns the direction of the flow's zone, without a branch (the
// key of every event reads it).
func (f *Flow) zoneDir() ZoneDir { return ZoneDir(f.Attrs>>zoneShift) & 3 }

// Zone returns the flow's zone, if known.
func (f *Flow) Zone() (Zone, bool) {
	return Zone{ID: f.zone, Dir: f.zoneDir()}, f.Attrs&HasZone != 0
}

// SetZone sets the zone. A zone of ID 0 is the default zone whatever its
// direction.
func (f *Flow) SetZone(z Zone) {
	f.zone = z.ID
	f.Attrs = f.Attrs&^(zoneOrig|zoneReply) | HasZone
	if z.ID == 0 {
		return
	}
	switch z.Dir {
	case ZoneOrig:
		f.Attrs |= zoneOrig
	case ZoneReply:
		f.Attrs |= zoneReply
	}
}

// Expires returns when the kernel's timeout runs out, in Unix seconds, if
// known: the kernel sends none for offloaded flows (OFFLOAD, HW_OFFLOAD).
func (f *Flow) Expires() (uint32, bool) { return f.expires, f.Attrs&HasTimeout != 0 }

// SetExpires sets when the timeout runs out, in Unix seconds.
func (f *Flow) SetExpires(unix uint32) { f.expires, f.Attrs = unix, f.Attrs|HasTimeout }

// TTL returns the seconds left before the flow's timeout at the Unix time
// now (0 once it has passed), if the timeout is known.
func (f *Flow) TTL(now uint32) (uint32, bool) {
	if f.Attrs&HasTimeout == 0 {
		return 0, false
	}
	if f.expires <= now {
		return 0, true
	}
	return f.expires - now, true
}

// Start returns when the flow started, in Unix seconds, if known: the
// kernel's start timestamp (CTA_TIMESTAMP, with nf_conntrack_timestamp=1)
// or a saved table's. It is never what cttop observed (see FirstSeen).
func (f *Flow) Start() (uint32, bool) { return f.start, f.Attrs&HasStart != 0 }

// SetStart sets the start timestamp, in Unix seconds.
func (f *Flow) SetStart(unix uint32) { f.start, f.Attrs = unix, f.Attrs|HasStart }

// Age returns the seconds since the flow started at the Unix time now (0
// for a start in the future), if the start timestamp is known.
func (f *Flow) Age(now uint32) (uint32, bool) {
	if f.Attrs&HasStart == 0 {
		return 0, false
	}
	if f.start >= now {
		return 0, true
	}
	return now - f.start, true
}

// FirstSeen returns when cttop first saw the flow (the time of the batch
// that brought it into a Table), in Unix seconds; ok is false for a flow
// that no Table holds yet. It is what cttop observed, not when the flow
// started (see Start).
func (f *Flow) FirstSeen() (uint32, bool) { return f.seen, f.seen != 0 }

// ProtoState returns the protocol's own state number (TCP: TCPSynSent...;
// SCTP, DCCP: their kernel enums), if the source gave one. The kernel
// gives none for offloaded flows. See State for the one state model of
// every protocol.
func (f *Flow) ProtoState() (uint8, bool) { return f.state, f.Attrs&HasState != 0 }

// SetProtoState sets the protocol's own state number.
func (f *Flow) SetProtoState(s uint8) { f.state, f.Attrs = s, f.Attrs|HasState }

// Forget makes the values of the bits in a unknown (HasID, HasMark, HasZone,
// HasTimeout, HasStart, HasState; other bits are just cleared), for a
// source that cannot vouch for them and for tests.
func (f *Flow) Forget(a Attr) {
	if a&HasID != 0 {
		f.id = 0
	}
	if a&HasMark != 0 {
		f.mark = 0
	}
	if a&HasZone != 0 {
		f.zone = 0
		f.Attrs &^= zoneOrig | zoneReply
	}
	if a&HasTimeout != 0 {
		f.expires = 0
	}
	if a&HasStart != 0 {
		f.start = 0
	}
	if a&HasState != 0 {
		f.state = 0
	}
	f.Attrs &^= a
}

// SameAs reports whether f and g say the same about a connection: every
// value and whether it is known, but not what cttop observed (FirstSeen).
func (f *Flow) SameAs(g *Flow) bool {
	a, b := *f, *g
	a.seen, b.seen = 0, 0
	return a == b
}

// Counters are a flow's packet and byte counters per direction.
type Counters struct {
	OrigPackets, OrigBytes, ReplyPackets, ReplyBytes uint64
}

// Packets returns the packets of both directions.
func (c Counters) Packets() uint64 { return c.OrigPackets + c.ReplyPackets }

// Bytes returns the bytes of both directions.
func (c Counters) Bytes() uint64 { return c.OrigBytes + c.ReplyBytes }

// Key identifies a flow as the kernel does: its family, original tuple,
// zone and protocol, and its ID (0 when unknown). The family counts: an
// IPv4 flow's addresses and an IPv6 flow's IPv4-mapped ones (::ffff:a.b.c.d)
// have the same bytes, and the kernel keeps both flows.
type Key struct {
	Orig    Tuple
	ID      uint32
	Zone    uint16
	ZoneDir ZoneDir
	Proto   uint8
	Family  uint8
}

// Key returns the flow's identity.
func (f *Flow) Key() Key {
	return Key{Orig: f.Orig, ID: f.id, Zone: f.zone, ZoneDir: f.zoneDir(), Proto: f.Proto, Family: f.Family}
}

func (f *Flow) hasKey(k *Key) bool {
	return f.id == k.ID && f.Orig == k.Orig && f.zone == k.Zone && f.zoneDir() == k.ZoneDir &&
		f.Proto == k.Proto && f.Family == k.Family
}

// NATed reports whether the reply tuple is not the inverse of the original,
// that is whether the kernel translates addresses or ports of this flow.
// ICMP tuples hold the id and the type, and an echo's reply has another
// type: only the addresses and the id count.
func (f *Flow) NATed() bool {
	if f.Reply.Src != f.Orig.Dst || f.Reply.Dst != f.Orig.Src {
		return true
	}
	switch {
	case IsICMP(f.Proto):
		return f.Reply.SrcPort != f.Orig.SrcPort
	case HasPorts(f.Proto) || f.Proto == ProtoGRE:
		// Ports, or GRE keys: NAT of PPTP rewrites the call IDs.
		return f.Reply.SrcPort != f.Orig.DstPort || f.Reply.DstPort != f.Orig.SrcPort
	}
	return false
}

// HasPorts reports whether the protocol has ports in its tuple.
func HasPorts(proto uint8) bool {
	switch proto {
	case ProtoTCP, ProtoUDP, ProtoSCTP, ProtoDCCP, ProtoUDPLite:
		return true
	}
	return false
}

// IsICMP reports whether the protocol is ICMP or ICMPv6.
func IsICMP(proto uint8) bool { return proto == ProtoICMP || proto == ProtoICMPv6 }

var protoNames = map[uint8]string{
	ProtoICMP: "icmp", ProtoTCP: "tcp", ProtoUDP: "udp", ProtoDCCP: "dccp",
	ProtoGRE: "gre", ProtoICMPv6: "icmpv6", ProtoSCTP: "sctp", ProtoUDPLite: "udplite",
	2: "igmp", 4: "ipip", 41: "ipv6", 50: "esp", 51: "ah", 103: "pim", 112: "vrrp",
}

// ProtoName returns the protocol's name as conntrack -L prints it, or its number.
func ProtoName(p uint8) string {
	if n, ok := protoNames[p]; ok {
		return n
	}
	return "unknown(" + strconv.Itoa(int(p)) + ")"
}

// ProtoByName returns the protocol number of a name ProtoName returns.
func ProtoByName(name string) (uint8, bool) {
	for p, n := range protoNames {
		if n == name {
			return p, true
		}
	}
	if name == "icmp6" || name == "ipv6-icmp" {
		return ProtoICMPv6, true
	}
	return 0, false
}

// FamilyName returns "ipv4" or "ipv6".
func FamilyName(fam uint8) string {
	if fam == IPv6 {
		return "ipv6"
	}
	return "ipv4"
}
