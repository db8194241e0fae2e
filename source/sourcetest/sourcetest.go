// Package sourcetest creates conntrack flows for tests and benchmarks,
// through ctnetlink, in a namespace of the test's own: no packets needed.
package sourcetest

import (
	"fmt"
	"net/netip"
	"os"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/ti-mo/conntrack"
)

// Dial opens a ctnetlink connection in the namespace at path ("" for the
// current one), closed when the test ends.
func Dial(t testing.TB, path string) *conntrack.Conn {
	t.Helper()
	c, err := DialPath(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// DialPath opens a ctnetlink connection in the namespace at path.
func DialPath(path string) (*conntrack.Conn, error) {
	fd := 0
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close() // the socket keeps its namespace
		fd = int(f.Fd())
	}
	c, err := conntrack.Dial(&netlink.Config{NetNS: fd})
	if err != nil {
		return nil, fmt.Errorf("dial ctnetlink: %w", err)
	}
	return c, nil
}

// Spec describes a flow to create. Zero fields get defaults: TCP
// ESTABLISHED, timeout 300 s, reply tuple the inverse of the original.
type Spec struct {
	Proto            uint8 // 6 tcp (default), 17 udp, 1 icmp, 58 icmpv6
	Src, Dst         string
	SrcPort, DstPort uint16
	// ReplySrc and ReplyDst, when set, make a NATed flow.
	ReplySrc, ReplyDst         string
	ReplySrcPort, ReplyDstPort uint16
	State                      uint8 // TCP state (default 3 ESTABLISHED)
	Timeout                    uint32
	Mark                       uint32
	Zone                       uint16
	Status                     conntrack.Status // default SEEN_REPLY|ASSURED|CONFIRMED
	ICMPType, ICMPCode         uint8
	ICMPID                     uint16
}

// Flow returns the library flow for s.
func (s Spec) Flow() conntrack.Flow {
	if s.Proto == 0 {
		s.Proto = 6
	}
	if s.Timeout == 0 {
		s.Timeout = 300
	}
	if s.Status == 0 {
		s.Status = conntrack.StatusSeenReply | conntrack.StatusAssured | conntrack.StatusConfirmed
	}
	src, dst := netip.MustParseAddr(s.Src), netip.MustParseAddr(s.Dst)
	f := conntrack.NewFlow(s.Proto, s.Status, src, dst, s.SrcPort, s.DstPort, s.Timeout, s.Mark)
	f.Zone = s.Zone
	if s.ReplySrc != "" {
		f.TupleReply.IP.SourceAddress = netip.MustParseAddr(s.ReplySrc)
		f.TupleReply.Proto.SourcePort = s.ReplySrcPort
	}
	if s.ReplyDst != "" {
		f.TupleReply.IP.DestinationAddress = netip.MustParseAddr(s.ReplyDst)
		f.TupleReply.Proto.DestinationPort = s.ReplyDstPort
	}
	switch s.Proto {
	case 6:
		st := s.State
		if st == 0 {
			st = 3
		}
		f.ProtoInfo.TCP = &conntrack.ProtoInfoTCP{State: st}
	case 1, 58:
		for _, pt := range []*conntrack.ProtoTuple{&f.TupleOrig.Proto, &f.TupleReply.Proto} {
			pt.SourcePort, pt.DestinationPort = 0, 0
			pt.ICMPID, pt.ICMPType, pt.ICMPCode = s.ICMPID, s.ICMPType, s.ICMPCode
			pt.ICMPv4, pt.ICMPv6 = s.Proto == 1, s.Proto == 58
		}
		if s.ICMPType == 8 {
			f.TupleReply.Proto.ICMPType = 0 // echo reply
		} else if s.ICMPType == 128 {
			f.TupleReply.Proto.ICMPType = 129
		}
	}
	return f
}

// Create creates flows, failing the test on any error.
func Create(t testing.TB, c *conntrack.Conn, specs ...Spec) {
	t.Helper()
	for _, s := range specs {
		if err := c.Create(s.Flow()); err != nil {
			t.Fatalf("create flow %+v: %v", s, err)
		}
	}
}

// Fill creates n distinct TCP flows from 10.x.y.z addresses to dst:dport,
// numbered from first so repeated calls do not collide.
func Fill(c *conntrack.Conn, first, n int, dst string, dport uint16) error {
	d := netip.MustParseAddr(dst)
	for i := first; i < first+n; i++ {
		src := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		f := conntrack.NewFlow(6, conntrack.StatusConfirmed|conntrack.StatusSeenReply,
			src, d, uint16(1024+i%60000), dport, 600, 0)
		f.ProtoInfo.TCP = &conntrack.ProtoInfoTCP{State: 3}
		if err := c.Create(f); err != nil {
			return fmt.Errorf("create flow %d: %w", i, err)
		}
	}
	return nil
}
