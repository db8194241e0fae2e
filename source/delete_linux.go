package source

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
	"github.com/ti-mo/conntrack"
	"github.com/ti-mo/netfilter"
	"golang.org/x/sys/unix"
)

// deleteBatch is how many DELETE requests go out in one send before their
// acknowledgements are read: a round trip per batch, not per flow.
const deleteBatch = 256

// Delete deletes flows by identity: original tuple, zone (without it a
// flow outside zone 0 is not found, which is where iptstate fails) and
// kernel ID (so a newer flow that reuses the tuple is left alone). Requests
// go out in batches; progress, if not nil, is called after each batch with
// the number of flows handled so far. It stops early when ctx ends.
func (k *Kernel) Delete(ctx context.Context, flows []model.Flow, progress func(done int)) (action.DeleteResult, error) {
	var res action.DeleteResult
	s, err := dialSock(k.nsFd, 1<<20)
	if err != nil {
		return res, err
	}
	defer s.Close()
	buf := make([]byte, 0, deleteBatch*160)
	for start := 0; start < len(flows); start += deleteBatch {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		end := min(start+deleteBatch, len(flows))
		buf = buf[:0]
		first := s.seq + 1
		for i := start; i < end; i++ {
			s.seq++
			buf = appendDelete(buf, s.seq, &flows[i])
		}
		if err := s.send(buf); err != nil {
			return res, mapErr(fmt.Errorf("delete flows: %w", err))
		}
		if err := s.readAcks(first, end-start, &res); err != nil {
			return res, err
		}
		if progress != nil {
			progress(end)
		}
	}
	return res, nil
}

// readAcks reads the acknowledgements of n requests numbered from first.
func (s *nlsock) readAcks(first uint32, n int, res *action.DeleteResult) error {
	for acked := 0; acked < n; {
		b, err := s.recv()
		if err != nil {
			return mapErr(fmt.Errorf("delete flows: %w", err))
		}
		for len(b) > 0 {
			m, rest, err := nextMsg(b)
			if err != nil {
				return fmt.Errorf("delete flows: %w", err)
			}
			b = rest
			if m.typ != nlmsgError || m.seq < first || m.seq >= first+uint32(n) {
				continue
			}
			acked++
			switch e := unix.Errno(msgErrno(m.body)); e {
			case 0:
				res.Deleted++
			case unix.ENOENT:
				res.Gone++
			default:
				return mapErr(fmt.Errorf("delete flows: %w", e))
			}
		}
	}
	return nil
}

// appendDelete appends an IPCTNL_MSG_CT_DELETE request for f.
func appendDelete(b []byte, seq uint32, f *model.Flow) []byte {
	return appendFlowRequest(b, ctMsgDelete, nlmFRequest|unix.NLM_F_ACK, seq, f)
}

// appendIdentity appends what identifies f to the kernel: its tuple, zone
// and ID.
//
// The zone goes where the kernel gave it: CTA_ZONE for a zone of both
// directions; for a zone of one direction CTA_TUPLE_ZONE inside that
// direction's tuple, whose lookup is then in that zone (the original tuple
// of a zone-reply flow is in zone 0). Anything else and the kernel looks
// in the wrong zone and answers ENOENT.
func appendIdentity(b []byte, f *model.Flow) []byte {
	z, _ := f.Zone()
	switch {
	case z.Dir == model.ZoneReply && z.ID != 0:
		b = appendTuple(b, ctaTupleReply, f, &f.Reply, z.ID)
	case z.Dir == model.ZoneOrig && z.ID != 0:
		b = appendTuple(b, ctaTupleOrig, f, &f.Orig, z.ID)
	default:
		b = appendTuple(b, ctaTupleOrig, f, &f.Orig, 0)
		if z.ID != 0 {
			b = appendAttr(b, ctaZone, binary.BigEndian.AppendUint16(nil, z.ID))
		}
	}
	if id, ok := f.ID(); ok {
		b = appendAttr(b, ctaID, binary.BigEndian.AppendUint32(nil, id))
	}
	return b
}

// appendTuple appends the tuple t of flow f as attribute typ
// (CTA_TUPLE_ORIG or CTA_TUPLE_REPLY), with CTA_TUPLE_ZONE if zone is not 0.
func appendTuple(b []byte, typ uint16, f *model.Flow, t *model.Tuple, zone uint16) []byte {
	tuple := beginNest(&b, typ)
	ip := beginNest(&b, ctaTupleIP)
	if f.Family == model.IPv6 {
		b = appendAttr(b, ctaIPv6Src, t.Src[:])
		b = appendAttr(b, ctaIPv6Dst, t.Dst[:])
	} else {
		b = appendAttr(b, ctaIPv4Src, t.Src[12:])
		b = appendAttr(b, ctaIPv4Dst, t.Dst[12:])
	}
	endNest(b, ip)
	proto := beginNest(&b, ctaTupleProto)
	b = appendAttr(b, ctaProtoNum, []byte{f.Proto})
	switch {
	case model.IsICMP(f.Proto):
		id, typ, code := uint16(ctaProtoICMPID), uint16(ctaProtoICMPType), uint16(ctaProtoICMPCode)
		if f.Proto == model.ProtoICMPv6 {
			id, typ, code = ctaProtoICMPv6ID, ctaProtoICMPv6Type, ctaProtoICMPv6Code
		}
		b = appendAttr(b, id, binary.BigEndian.AppendUint16(nil, t.SrcPort))
		b = appendAttr(b, typ, []byte{t.ICMPType()})
		b = appendAttr(b, code, []byte{t.ICMPCode()})
	case model.HasPorts(f.Proto) || f.Proto == model.ProtoGRE:
		// GRE's tuple keys travel as ports (nf_ct_port_tuple_to_nlattr):
		// without them the kernel looks up key 0 and answers ENOENT.
		b = appendAttr(b, ctaProtoSrcPort, binary.BigEndian.AppendUint16(nil, t.SrcPort))
		b = appendAttr(b, ctaProtoDstPort, binary.BigEndian.AppendUint16(nil, t.DstPort))
	}
	endNest(b, proto)
	if zone != 0 {
		b = appendAttr(b, ctaTupleZone, binary.BigEndian.AppendUint16(nil, zone))
	}
	endNest(b, tuple)
	return b
}

func appendAttr(b []byte, typ uint16, v []byte) []byte {
	b = binary.NativeEndian.AppendUint16(b, uint16(4+len(v)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, v...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// beginNest starts a nested attribute and returns its offset for endNest.
func beginNest(b *[]byte, typ uint16) int {
	at := len(*b)
	*b = binary.NativeEndian.AppendUint16(*b, 0)
	*b = binary.NativeEndian.AppendUint16(*b, typ|unix.NLA_F_NESTED)
	return at
}

func endNest(b []byte, at int) {
	binary.NativeEndian.PutUint16(b[at:], uint16(len(b)-at))
}

// Flush deletes, in the kernel and in one request, every flow the
// selector matches, including flows cttop has not seen yet.
func (k *Kernel) Flush(sel action.KernelSelector) error {
	f := conntrack.NewFilter()
	switch sel.Family {
	case model.IPv4:
		f = f.Family(netfilter.ProtoIPv4)
	case model.IPv6:
		f = f.Family(netfilter.ProtoIPv6)
	}
	if sel.HasMark {
		f = f.Mark(sel.Mark).MarkMask(sel.MarkMask)
	}
	if sel.HasZone {
		f = f.Zone(sel.Zone)
	}
	if err := k.query.FlushFilter(f); err != nil {
		return mapErr(fmt.Errorf("flush flows: %w", err))
	}
	return nil
}

// LocalAddrs returns the addresses of the watched namespace's interfaces,
// for the guard against blocking the host's own addresses.
func (k *Kernel) LocalAddrs() ([]netip.Addr, error) {
	var out []netip.Addr
	err := inNetNS(k.nsFd, func() error {
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok {
					out = append(out, ip.Unmap())
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list local addresses: %w", err)
	}
	return out, nil
}
