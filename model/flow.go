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

// IP returns the address as a netip.Addr, unmapped for IPv4.
func (a Addr) IP() netip.Addr { return netip.AddrFrom16(a).Unmap() }

// Is4 reports whether a is an IPv4-mapped address.
func (a Addr) Is4() bool {
	return a[10] == 0xff && a[11] == 0xff && a[0]|a[1]|a[2]|a[3]|a[4]|a[5]|a[6]|a[7]|a[8]|a[9] == 0
}

// String formats the address as netip does (IPv4 dotted, IPv6 compressed).
func (a Addr) String() string { return a.IP().String() }

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

// Attr records which optional parts of a Flow were present in the kernel
// message it came from, so an update merges instead of erasing.
type Attr uint8

// Attr bits.
const (
	HasState    Attr = 1 << iota // Flow.State is valid
	HasCounters                  // the flow's Counters are valid
	HasTimeout                   // Flow.Expires is valid
	HasID                        // Flow.ID came from the kernel
	HasStart                     // Flow.FirstSeen is the kernel's start timestamp
)

// Flow is one tracked connection in its compact, pointer-free form
// (100 bytes). Counters live beside it (see Counters) because most kernels
// run with nf_conntrack_acct=0 and have none.
type Flow struct {
	Orig, Reply Tuple
	// ID is the kernel's conntrack ID (CTA_ID).
	ID     uint32
	Status Status
	Mark   uint32
	// Expires is when the kernel's timeout runs out, in Unix seconds.
	Expires uint32
	// FirstSeen is when the flow started (kernel timestamp) or was first
	// seen by cttop, in Unix seconds.
	FirstSeen uint32
	Zone      uint16
	Proto     uint8
	// Family is IPv4 or IPv6.
	Family uint8
	// State is the protocol state (TCP: TCPState values; SCTP, DCCP: their own).
	State uint8
	Attrs Attr
}

// Counters are a flow's packet and byte counters per direction.
type Counters struct {
	OrigPackets, OrigBytes, ReplyPackets, ReplyBytes uint64
}

// Packets returns the packets of both directions.
func (c Counters) Packets() uint64 { return c.OrigPackets + c.ReplyPackets }

// Bytes returns the bytes of both directions.
func (c Counters) Bytes() uint64 { return c.OrigBytes + c.ReplyBytes }

// Key identifies a flow as the kernel does: its ID, original tuple and zone.
type Key struct {
	Orig  Tuple
	ID    uint32
	Zone  uint16
	Proto uint8
}

// Key returns the flow's identity.
func (f *Flow) Key() Key {
	return Key{Orig: f.Orig, ID: f.ID, Zone: f.Zone, Proto: f.Proto}
}

func (f *Flow) hasKey(k *Key) bool {
	return f.ID == k.ID && f.Orig == k.Orig && f.Zone == k.Zone && f.Proto == k.Proto
}

// TTL returns the seconds left before the flow's timeout at the Unix time now.
func (f *Flow) TTL(now uint32) uint32 {
	if f.Expires <= now {
		return 0
	}
	return f.Expires - now
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
	case HasPorts(f.Proto):
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

// TCP states (nf_conntrack_tcp.h); the library has no constants for them.
const (
	TCPNone uint8 = iota
	TCPSynSent
	TCPSynRecv
	TCPEstablished
	TCPFinWait
	TCPCloseWait
	TCPLastAck
	TCPTimeWait
	TCPClose
	TCPSynSent2
)

// tcpStateNames are the TCP state names as conntrack -L prints them.
var tcpStateNames = [...]string{
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
}

var sctpStateNames = [...]string{
	"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
	"SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT",
	"HEARTBEAT_ACKED",
}

var dccpStateNames = [...]string{
	"NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ", "CLOSING",
	"TIMEWAIT", "IGNORE", "INVALID",
}

// StateName returns the flow's protocol state name as conntrack -L prints
// it, or "" for protocols without states or when the state is unknown.
func (f *Flow) StateName() string {
	if f.Attrs&HasState == 0 {
		return ""
	}
	return StateName(f.Proto, f.State)
}

// StateName names state s of protocol proto, or returns "".
func StateName(proto, s uint8) string {
	var names []string
	switch proto {
	case ProtoTCP:
		names = tcpStateNames[:]
	case ProtoSCTP:
		names = sctpStateNames[:]
	case ProtoDCCP:
		names = dccpStateNames[:]
	default:
		return ""
	}
	if int(s) < len(names) {
		return names[s]
	}
	return "STATE" + strconv.Itoa(int(s))
}

// FamilyName returns "ipv4" or "ipv6".
func FamilyName(fam uint8) string {
	if fam == IPv6 {
		return "ipv6"
	}
	return "ipv4"
}
