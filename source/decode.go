package source

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cttop/cttop/model"
)

// This file decodes ctnetlink messages by hand, straight into model.Flow.
//
// Why not the library's decoder: ti-mo/conntrack's Flow unmarshalling costs
// about 46 allocations and 2.8 KB per flow, and its Dump holds every message
// until the end (1.5 GB peak at a million flows). cttop exists for exactly
// the tables where that falls over, so the hot path (dump and events) is a
// zero-allocation walk over the attributes cttop shows, into a pointer-free
// row. Kernel tests check it field by field against the library.

// Netlink and ctnetlink constants (linux/netlink.h, nfnetlink_conntrack.h).
const (
	nlmsgHdrLen = 16
	nfgenHdrLen = 4

	nlmsgError = 2
	nlmsgDone  = 3

	nlmFRequest  = 0x1
	nlmFMulti    = 0x2
	nlmFDumpIntr = 0x10
	nlmFDump     = 0x300
	nlmFCreate   = 0x400
	nlmFExcl     = 0x200

	nfnlSubsysCTNetlink = 1
	ctMsgNew            = 0
	ctMsgGet            = 1
	ctMsgDelete         = 2

	nlaTypeMask = 0x3fff

	afInet  = 2
	afInet6 = 10
)

// CTA_* attribute types.
const (
	ctaTupleOrig     = 1
	ctaTupleReply    = 2
	ctaStatus        = 3
	ctaProtoinfo     = 4
	ctaHelp          = 5
	ctaTimeout       = 7
	ctaMark          = 8
	ctaCountersOrig  = 9
	ctaCountersReply = 10
	ctaID            = 12
	ctaZone          = 18
	ctaSecctx        = 19
	ctaTimestamp     = 20
	ctaLabels        = 22

	ctaHelpName   = 1 // CTA_HELP_NAME, in CTA_HELP
	ctaSecctxName = 1 // CTA_SECCTX_NAME, in CTA_SECCTX

	ctaTupleIP    = 1
	ctaTupleProto = 2
	ctaTupleZone  = 3

	ctaIPv4Src = 1
	ctaIPv4Dst = 2
	ctaIPv6Src = 3
	ctaIPv6Dst = 4

	ctaProtoNum        = 1
	ctaProtoSrcPort    = 2
	ctaProtoDstPort    = 3
	ctaProtoICMPID     = 4
	ctaProtoICMPType   = 5
	ctaProtoICMPCode   = 6
	ctaProtoICMPv6ID   = 7
	ctaProtoICMPv6Type = 8
	ctaProtoICMPv6Code = 9

	ctaProtoinfoTCP   = 1
	ctaProtoinfoDCCP  = 2
	ctaProtoinfoSCTP  = 3
	ctaProtoinfoState = 1 // first attribute of each: TCP/DCCP/SCTP state

	ctaCountersPackets   = 1
	ctaCountersBytes     = 2
	ctaCounters32Packets = 3
	ctaCounters32Bytes   = 4

	ctaTimestampStart = 1
)

var errShort = errors.New("truncated netlink attribute")

// attrs iterates over netlink attributes without allocating.
type attrs struct {
	b   []byte
	typ uint16
	val []byte
	err error
}

func (a *attrs) next() bool {
	if len(a.b) < 4 {
		if len(a.b) != 0 {
			a.err = errShort
		}
		return false
	}
	l := int(binary.NativeEndian.Uint16(a.b[0:2]))
	if l < 4 || l > len(a.b) {
		a.err = errShort
		return false
	}
	a.typ = binary.NativeEndian.Uint16(a.b[2:4]) & nlaTypeMask
	a.val = a.b[4:l]
	al := (l + 3) &^ 3
	if al > len(a.b) {
		al = len(a.b)
	}
	a.b = a.b[al:]
	return true
}

func be16(b []byte) uint16 {
	if len(b) < 2 {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func be32(b []byte) uint32 {
	if len(b) < 4 {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func be64(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func u8(b []byte) uint8 {
	if len(b) < 1 {
		return 0
	}
	return b[0]
}

// What the absence of an attribute means depends on the message. A dump
// carries everything the flow has: no CTA_HELP is no helper, no CTA_LABELS
// no labels, no CTA_SECCTX no context. NEW and UPDATE events carry the
// helper and the context whenever the flow has them, and the labels when
// they change: a NEW event those set while the flow was made, an UPDATE
// only new ones (its silence keeps the labels known). DESTROY events carry
// none of them. The zone is sent only when it is not the default one, and
// events send the mark only when it is not 0; a dump always sends the mark
// (a kernel without mark support sends none: unknown).
const (
	knownInDump  = model.HasHelper | model.HasLabels | model.HasSecctx
	knownInEvent = model.HasHelper | model.HasSecctx | model.HasMark
)

// decoder decodes ctnetlink flow messages. It keeps the names of helpers
// and security contexts it has seen (a few distinct strings on any host),
// so that decoding allocates nothing, and its Ext is the scratch space of
// the last flow's rare attributes. One goroutine uses a decoder.
type decoder struct {
	names map[string]string
	x     model.Ext
	xUsed bool // x holds something: clear it before the next flow
}

// maxNames bounds the strings a decoder keeps; beyond it a new name costs
// an allocation per flow instead of memory forever.
const maxNames = 1024

// name returns b as a string, without allocating for a name seen before.
func (d *decoder) name(b []byte) string {
	if i := indexByte(b, 0); i >= 0 {
		b = b[:i] // NLA_NUL_STRING
	}
	if s, ok := d.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.names == nil {
		d.names = make(map[string]string)
	}
	if len(d.names) < maxNames {
		d.names[s] = s
	}
	return s
}

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// flow decodes the attributes of one ctnetlink flow message (after the
// nfgenmsg header) into f and c, and returns the flow's rare attributes
// (helper, labels, security context) or nil when it has none: the
// decoder's own Ext, valid until the next call (Clone it to keep it). fam
// is the nfgenmsg family; now is the Unix time in seconds at which the
// timeout is counted; known says what the absence of an optional attribute
// means for this kind of message (knownInDump, knownInEvent, 0).
func (d *decoder) flow(b []byte, fam uint8, now uint32, known model.Attr, f *model.Flow, c *model.Counters) (*model.Ext, error) {
	*f = model.Flow{}
	*c = model.Counters{}
	switch fam {
	case afInet:
		f.Family = model.IPv4
	case afInet6:
		f.Family = model.IPv6
	default:
		return nil, fmt.Errorf("unknown address family %d", fam)
	}
	if d.xUsed {
		d.x, d.xUsed = model.Ext{}, false
	}
	// The kernel omits the default zone and, in events, a zero mark.
	f.SetZone(model.Zone{})
	if known&model.HasMark != 0 {
		f.SetMark(0)
	}
	f.Attrs |= known &^ model.HasMark
	var zone model.Zone
	a := attrs{b: b}
	for a.next() {
		v := a.val
		switch a.typ {
		case ctaTupleOrig:
			var z uint16
			f.Proto, z = decodeTuple(v, &f.Orig)
			if z != 0 {
				zone = model.Zone{ID: z, Dir: model.ZoneOrig}
			}
		case ctaTupleReply:
			if _, z := decodeTuple(v, &f.Reply); z != 0 {
				if zone.Dir == model.ZoneOrig && zone.ID == z {
					zone.Dir = model.ZoneBoth
				} else {
					zone = model.Zone{ID: z, Dir: model.ZoneReply}
				}
			}
		case ctaStatus:
			f.Status = model.Status(be32(v))
		case ctaProtoinfo:
			if s, ok := decodeState(v); ok {
				f.SetProtoState(s)
			}
		case ctaHelp:
			if n := nested(v, ctaHelpName); len(n) > 0 && n[0] != 0 {
				d.x.Helper, d.xUsed = d.name(n), true
			}
			f.Attrs |= model.HasHelper
		case ctaTimeout:
			f.SetExpires(now + be32(v))
		case ctaMark:
			f.SetMark(be32(v))
		case ctaCountersOrig:
			c.OrigPackets, c.OrigBytes = decodeCounters(v)
			f.Attrs |= model.HasCounters
		case ctaCountersReply:
			c.ReplyPackets, c.ReplyBytes = decodeCounters(v)
			f.Attrs |= model.HasCounters
		case ctaID:
			f.SetID(be32(v))
		case ctaZone:
			if z := be16(v); z != 0 {
				zone = model.Zone{ID: z}
			}
		case ctaSecctx:
			if n := nested(v, ctaSecctxName); len(n) > 0 && n[0] != 0 {
				d.x.Secctx, d.xUsed = d.name(n), true
			}
			f.Attrs |= model.HasSecctx
		case ctaTimestamp:
			if start, ok := decodeStart(v); ok {
				f.SetStart(start)
			}
		case ctaLabels:
			copy(d.x.Labels[:], v)
			d.xUsed = true
			f.Attrs |= model.HasLabels
		}
	}
	if a.err != nil {
		return nil, a.err
	}
	if f.Proto == 0 && f.Orig == (model.Tuple{}) {
		return nil, errors.New("flow without an original tuple")
	}
	f.SetZone(zone)
	if f.Family == model.IPv4 {
		mapV4(&f.Orig)
		mapV4(&f.Reply)
	}
	if !d.xUsed || d.x == (model.Ext{}) {
		return nil, nil
	}
	f.Attrs |= model.HasExt
	return &d.x, nil
}

// cloneExt returns a copy of x that the caller keeps (nil for nil): the
// decoder's Ext is reused by the next flow. It allocates only for the rare
// flows that have one.
func cloneExt(x *model.Ext) *model.Ext {
	if x == nil {
		return nil
	}
	c := *x
	return &c
}

// nested returns the value of attribute typ inside the nest b, or nil.
func nested(b []byte, typ uint16) []byte {
	a := attrs{b: b}
	for a.next() {
		if a.typ == typ {
			return a.val
		}
	}
	return nil
}

var v4prefix = [12]byte{10: 0xff, 11: 0xff}

// mapV4 turns the IPv4 addresses decodeTuple left in the last four bytes
// into IPv4-mapped form.
func mapV4(t *model.Tuple) {
	copy(t.Src[:12], v4prefix[:])
	copy(t.Dst[:12], v4prefix[:])
}

// decodeTuple fills t and returns the protocol number and the tuple's
// zone (CTA_TUPLE_ZONE: a zone of this direction only; 0 if none).
func decodeTuple(b []byte, t *model.Tuple) (proto uint8, zone uint16) {
	a := attrs{b: b}
	for a.next() {
		switch a.typ {
		case ctaTupleZone:
			zone = be16(a.val)
		case ctaTupleIP:
			ip := attrs{b: a.val}
			for ip.next() {
				switch ip.typ {
				case ctaIPv4Src:
					copy(t.Src[12:], ip.val)
				case ctaIPv4Dst:
					copy(t.Dst[12:], ip.val)
				case ctaIPv6Src:
					copy(t.Src[:], ip.val)
				case ctaIPv6Dst:
					copy(t.Dst[:], ip.val)
				}
			}
		case ctaTupleProto:
			var icmpType, icmpCode uint8
			p := attrs{b: a.val}
			for p.next() {
				switch p.typ {
				case ctaProtoNum:
					proto = u8(p.val)
				case ctaProtoSrcPort:
					t.SrcPort = be16(p.val)
				case ctaProtoDstPort:
					t.DstPort = be16(p.val)
				case ctaProtoICMPID, ctaProtoICMPv6ID:
					t.SrcPort = be16(p.val)
				case ctaProtoICMPType, ctaProtoICMPv6Type:
					icmpType = u8(p.val)
				case ctaProtoICMPCode, ctaProtoICMPv6Code:
					icmpCode = u8(p.val)
				}
			}
			if model.IsICMP(proto) {
				t.DstPort = uint16(icmpType)<<8 | uint16(icmpCode)
			}
		}
	}
	return proto, zone
}

// decodeState returns the state from CTA_PROTOINFO (TCP, DCCP or SCTP).
func decodeState(b []byte) (uint8, bool) {
	a := attrs{b: b}
	for a.next() {
		switch a.typ {
		case ctaProtoinfoTCP, ctaProtoinfoDCCP, ctaProtoinfoSCTP:
			in := attrs{b: a.val}
			for in.next() {
				if in.typ == ctaProtoinfoState {
					return u8(in.val), true
				}
			}
		}
	}
	return 0, false
}

func decodeCounters(b []byte) (packets, bytes uint64) {
	a := attrs{b: b}
	for a.next() {
		switch a.typ {
		case ctaCountersPackets:
			packets = be64(a.val)
		case ctaCountersBytes:
			bytes = be64(a.val)
		case ctaCounters32Packets:
			packets = uint64(be32(a.val))
		case ctaCounters32Bytes:
			bytes = uint64(be32(a.val))
		}
	}
	return packets, bytes
}

// decodeStart returns the flow's start time (wall clock, ns) in Unix
// seconds, if CTA_TIMESTAMP holds one.
func decodeStart(b []byte) (uint32, bool) {
	a := attrs{b: b}
	for a.next() {
		if a.typ == ctaTimestampStart && len(a.val) >= 8 {
			return uint32(be64(a.val) / 1e9), true
		}
	}
	return 0, false
}

// nlmsg is one netlink message within a receive buffer.
type nlmsg struct {
	typ, flags uint16
	seq        uint32
	body       []byte // after the netlink header
}

// nextMsg splits the first message off b.
func nextMsg(b []byte) (m nlmsg, rest []byte, err error) {
	if len(b) < nlmsgHdrLen {
		return m, nil, errShort
	}
	l := int(binary.NativeEndian.Uint32(b[0:4]))
	if l < nlmsgHdrLen || l > len(b) {
		return m, nil, fmt.Errorf("bad netlink message length %d", l)
	}
	m.typ = binary.NativeEndian.Uint16(b[4:6])
	m.flags = binary.NativeEndian.Uint16(b[6:8])
	m.seq = binary.NativeEndian.Uint32(b[8:12])
	m.body = b[nlmsgHdrLen:l]
	al := (l + 3) &^ 3
	if al > len(b) {
		al = len(b)
	}
	return m, b[al:], nil
}

// msgErrno returns the errno of an NLMSG_ERROR or NLMSG_DONE body (0: none).
func msgErrno(body []byte) int32 {
	if len(body) < 4 {
		return 0
	}
	return -int32(binary.NativeEndian.Uint32(body[0:4]))
}

// eventType maps a ctnetlink message to an event type (0 if not a flow event).
func eventType(m *nlmsg) model.EventType {
	if m.typ>>8 != nfnlSubsysCTNetlink {
		return 0
	}
	switch m.typ & 0xff {
	case ctMsgNew:
		if m.flags&(nlmFCreate|nlmFExcl) != 0 {
			return model.EventNew
		}
		return model.EventUpdate
	case ctMsgDelete:
		return model.EventDestroy
	}
	return 0
}

// decodeEvents decodes the ctnetlink event messages of datagram b into e
// and calls fn with each; now is the Unix time timeouts count from. e.Ext
// is the decoder's scratch Ext (or nil), valid during the call. It returns
// the first message it could not decode (the others still count).
func (d *decoder) decodeEvents(b []byte, now uint32, e *model.Event, fn func(*model.Event)) error {
	var bad error
	for len(b) > 0 {
		m, rest, err := nextMsg(b)
		if err != nil {
			return err
		}
		b = rest
		e.Type = eventType(&m)
		if e.Type == 0 || len(m.body) < nfgenHdrLen {
			continue
		}
		known := model.Attr(knownInEvent)
		switch e.Type {
		case model.EventNew:
			known |= model.HasLabels
		case model.EventDestroy:
			known = 0
		}
		x, err := d.flow(m.body[nfgenHdrLen:], m.body[0], now, known, &e.Flow, &e.Counters)
		if err != nil {
			if bad == nil {
				bad = err
			}
			continue
		}
		e.Ext = x
		fn(e)
	}
	return bad
}
