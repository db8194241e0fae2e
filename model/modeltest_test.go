package model

import (
	"math/rand/v2"
	"net/netip"
	"time"
)

// t0 is the fixed clock of the tests.
var t0 = time.Unix(1_700_000_000, 0)

func addr(s string) Addr { return AddrFrom(netip.MustParseAddr(s)) }

// tcpFlow returns an IPv4 TCP flow src:sport -> dst:dport with an ID.
func tcpFlow(id uint32, src string, sport uint16, dst string, dport uint16) Flow {
	f := Flow{
		Orig:   Tuple{Src: addr(src), Dst: addr(dst), SrcPort: sport, DstPort: dport},
		Status: StatusConfirmed | StatusSeenReply | StatusAssured,
		Proto:  ProtoTCP,
		Family: IPv4,
	}
	f.SetID(id)
	f.SetProtoState(TCPEstablished)
	if netip.MustParseAddr(src).Is6() {
		f.Family = IPv6
	}
	f.Reply = f.Orig.Inverse()
	f.SetExpires(uint32(t0.Unix()) + 300)
	return f
}

// randFlow returns a pseudo-random flow; the key space is small enough
// for collisions of addresses and ports but IDs keep keys distinct.
func randFlow(r *rand.Rand, id uint32) Flow {
	var f Flow
	f.SetID(id)
	f.Family = IPv4
	if r.IntN(10) == 0 {
		f.Family = IPv6
	}
	mk := func() Addr {
		var a Addr
		if f.Family == IPv4 {
			a[10], a[11] = 0xff, 0xff
			a[12], a[13], a[14], a[15] = 10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))
		} else {
			a[0], a[1], a[2], a[3] = 0x20, 0x01, 0x0d, 0xb8
			a[15] = byte(r.IntN(256))
			a[14] = byte(r.IntN(256))
		}
		return a
	}
	f.Orig = Tuple{Src: mk(), Dst: mk(), SrcPort: uint16(r.IntN(65536)), DstPort: uint16([]int{22, 53, 80, 443, 8080}[r.IntN(5)])}
	f.Reply = f.Orig.Inverse()
	switch r.IntN(10) {
	case 0:
		f.Proto = ProtoUDP
	case 1:
		f.Proto = ProtoICMP
		f.Orig.DstPort = 8 << 8
		f.Reply = f.Orig.Inverse()
	default:
		f.Proto = ProtoTCP
		f.SetProtoState(uint8(1 + r.IntN(8)))
	}
	if r.IntN(20) == 0 {
		f.Reply.Dst = mk() // SNAT
		f.Status |= StatusSrcNAT
	}
	f.Status |= StatusConfirmed
	f.SetExpires(uint32(t0.Unix()) + uint32(r.IntN(500)))
	f.SetMark(uint32(r.IntN(3)))
	f.SetZone(Zone{ID: uint16(r.IntN(2))})
	return f
}

// matchFunc is a Matcher of a function, for tests (package filter makes
// the real ones).
type matchFunc func(*Flow) bool

func (m matchFunc) Match(f *Flow, _ *Ext) bool { return m(f) }
