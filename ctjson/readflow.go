package ctjson

import (
	"math"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
)

// jsonFlow is one element of "flows". Its fields parse themselves from the
// decoder's buffer and record whether they were present.
type jsonFlow struct {
	ID            jsonNum    `json:"id"`
	Family        jsonWord   `json:"family"`
	Proto         jsonWord   `json:"proto"`
	Src           jsonAddr   `json:"src"`
	Sport         jsonNum    `json:"sport"`
	Dst           jsonAddr   `json:"dst"`
	Dport         jsonNum    `json:"dport"`
	State         jsonWord   `json:"state"`
	Timeout       jsonNum    `json:"timeout"`
	Status        jsonStatus `json:"status"`
	ReplySrc      jsonAddr   `json:"reply_src"`
	ReplySport    jsonNum    `json:"reply_sport"`
	ReplyDst      jsonAddr   `json:"reply_dst"`
	ReplyDport    jsonNum    `json:"reply_dport"`
	Mark          jsonNum    `json:"mark"`
	Zone          jsonNum    `json:"zone"`
	Bytes         jsonNum    `json:"bytes"`
	Packets       jsonNum    `json:"packets"`
	OrigBytes     jsonNum    `json:"orig_bytes"`
	OrigPackets   jsonNum    `json:"orig_packets"`
	ReplyBytes    jsonNum    `json:"reply_bytes"`
	ReplyPackets  jsonNum    `json:"reply_packets"`
	ICMPType      jsonNum    `json:"icmp_type"`
	ICMPCode      jsonNum    `json:"icmp_code"`
	ICMPID        jsonNum    `json:"icmp_id"`
	SrcKey        jsonNum    `json:"srckey"`
	DstKey        jsonNum    `json:"dstkey"`
	ReplySrcKey   jsonNum    `json:"reply_srckey"`
	ReplyDstKey   jsonNum    `json:"reply_dstkey"`
	ReplyICMPType jsonNum    `json:"reply_icmp_type"`
	ReplyICMPCode jsonNum    `json:"reply_icmp_code"`
	ReplyICMPID   jsonNum    `json:"reply_icmp_id"`
	Age           jsonNum    `json:"age"`
	ZoneDir       jsonWord   `json:"zone_dir"`
	Helper        jsonText   `json:"helper"`
	Labels        jsonLabels `json:"labels"`
	LabelNames    jsonNames  `json:"label_names"`
	Secctx        jsonText   `json:"secctx"`
}

// ext reads the helper, labels and security context: known when given, and
// in a version 2 document also when absent (none), unknown when null.
func (rd *Reader) ext(j *jsonFlow, r *Record) {
	f, x := &r.Flow, &r.Ext
	v2 := rd.version >= 2
	if j.Helper.set && !j.Helper.null || !j.Helper.set && v2 {
		f.Attrs |= model.HasHelper
		x.Helper = rd.name(j.Helper.bytes())
	}
	if j.Secctx.set && !j.Secctx.null || !j.Secctx.set && v2 {
		f.Attrs |= model.HasSecctx
		x.Secctx = rd.name(j.Secctx.bytes())
	}
	if j.Labels.set && !j.Labels.null || j.LabelNames.set && j.LabelNames.s != "" || !j.Labels.set && v2 {
		f.Attrs |= model.HasLabels
		x.Labels, x.LabelNames = j.Labels.l, j.LabelNames.s
	}
	if *x != (model.Ext{}) {
		f.Attrs |= model.HasExt
	}
}

// record converts the decoded fields.
func (j *jsonFlow) record(r *Record) (ctparse.Bad, bool) {
	f, c := &r.Flow, &r.Counters
	proto, ok := j.Proto.proto()
	if !ok {
		if !j.Proto.ok {
			return ctparse.Bad{What: "no proto"}, false
		}
		return ctparse.Bad{What: "unknown proto", Tok: j.Proto.bytes()}, false
	}
	f.Proto = proto
	if why, ok := j.addresses(r); !ok {
		return why, false
	}
	if why, ok := j.ports(r); !ok {
		return why, false
	}
	if why, ok := j.meta(r); !ok {
		return why, false
	}
	switch {
	case j.OrigBytes.ok || j.OrigPackets.ok || j.ReplyBytes.ok || j.ReplyPackets.ok:
		c.OrigBytes, c.OrigPackets = j.OrigBytes.v, j.OrigPackets.v
		c.ReplyBytes, c.ReplyPackets = j.ReplyBytes.v, j.ReplyPackets.v
		f.Attrs |= model.HasCounters
	case j.Bytes.ok || j.Packets.ok:
		c.OrigBytes, c.OrigPackets = j.Bytes.v, j.Packets.v
		f.Attrs |= model.HasCounters
	}
	return ctparse.Bad{}, true
}

// addresses sets the family and the four addresses; a missing reply
// address is the original's inverse.
func (j *jsonFlow) addresses(r *Record) (ctparse.Bad, bool) {
	f := &r.Flow
	if !j.Src.ok || !j.Dst.ok {
		return ctparse.Bad{What: "no src or dst"}, false
	}
	f.Family = j.Src.fam
	switch {
	case !j.Family.ok:
	case string(j.Family.bytes()) == "ipv4":
		f.Family = model.IPv4
	case string(j.Family.bytes()) == "ipv6":
		f.Family = model.IPv6
	default:
		return ctparse.Bad{What: "bad family", Tok: j.Family.bytes()}, false
	}
	for _, a := range [...]*jsonAddr{&j.Src, &j.Dst, &j.ReplySrc, &j.ReplyDst} {
		if a.ok && a.fam != f.Family {
			return ctparse.Bad{What: "address of the wrong family for " + model.FamilyName(f.Family)}, false
		}
	}
	f.Orig.Src, f.Orig.Dst = j.Src.a, j.Dst.a
	f.Reply.Src, f.Reply.Dst = f.Orig.Dst, f.Orig.Src
	if j.ReplySrc.ok {
		f.Reply.Src = j.ReplySrc.a
	}
	if j.ReplyDst.ok {
		f.Reply.Dst = j.ReplyDst.a
	}
	return ctparse.Bad{}, true
}

// ports sets the ports of both directions, or an ICMP flow's type, code
// and id (the reply's derived from the request's unless given).
func (j *jsonFlow) ports(r *Record) (ctparse.Bad, bool) {
	f := &r.Flow
	proto := f.Proto
	if proto == model.ProtoGRE && (j.SrcKey.ok || j.DstKey.ok) {
		var k [4]uint64
		for i, n := range [...]jsonNum{j.SrcKey, j.DstKey, j.ReplySrcKey, j.ReplyDstKey} {
			v, ok := n.max(math.MaxUint16)
			if !ok {
				return ctparse.Bad{What: "bad GRE key"}, false
			}
			k[i] = v
		}
		if !j.ReplySrcKey.ok && !j.ReplyDstKey.ok {
			k[2], k[3] = k[1], k[0]
		}
		f.Orig.SrcPort, f.Orig.DstPort = uint16(k[0]), uint16(k[1])
		f.Reply.SrcPort, f.Reply.DstPort = uint16(k[2]), uint16(k[3])
		return ctparse.Bad{}, true
	}
	if model.IsICMP(proto) && j.ICMPType.ok {
		typ, ok1 := j.ICMPType.max(math.MaxUint8)
		code, ok2 := j.ICMPCode.max(math.MaxUint8)
		id, ok3 := j.ICMPID.max(math.MaxUint16)
		if !ok1 || !ok2 || !ok3 {
			return ctparse.Bad{What: "bad ICMP type, code or id"}, false
		}
		f.Orig.SrcPort, f.Orig.DstPort = uint16(id), uint16(typ<<8|code)
		rtyp, rcode, rid := uint64(ctparse.ICMPReplyType(proto, uint8(typ))), code, id
		if j.ReplyICMPType.ok {
			rtyp, ok1 = j.ReplyICMPType.max(math.MaxUint8)
			rcode, ok2 = j.ReplyICMPCode.max(math.MaxUint8)
			rid, ok3 = j.ReplyICMPID.max(math.MaxUint16)
			if !ok1 || !ok2 || !ok3 {
				return ctparse.Bad{What: "bad reply ICMP type, code or id"}, false
			}
		}
		f.Reply.SrcPort, f.Reply.DstPort = uint16(rid), uint16(rtyp<<8|rcode)
		return ctparse.Bad{}, true
	}
	if model.IsICMP(proto) {
		// No type, code or id: unknown (a replay of conntrack's XML
		// written again), never 0.
		f.Attrs |= model.ICMPUnknown
		return ctparse.Bad{}, true
	}
	if model.HasPorts(proto) && (!j.Sport.ok || !j.Dport.ok) {
		return ctparse.Bad{What: "no sport or dport"}, false
	}
	sp, ok1 := j.Sport.max(math.MaxUint16)
	dp, ok2 := j.Dport.max(math.MaxUint16)
	if !ok1 || !ok2 {
		return ctparse.Bad{What: "bad port"}, false
	}
	f.Orig.SrcPort, f.Orig.DstPort = uint16(sp), uint16(dp)
	f.Reply.SrcPort, f.Reply.DstPort = f.Orig.DstPort, f.Orig.SrcPort
	if j.ReplySport.ok || j.ReplyDport.ok {
		rsp, ok1 := j.ReplySport.max(math.MaxUint16)
		rdp, ok2 := j.ReplyDport.max(math.MaxUint16)
		if !ok1 || !ok2 {
			return ctparse.Bad{What: "bad reply port"}, false
		}
		f.Reply.SrcPort, f.Reply.DstPort = uint16(rsp), uint16(rdp)
	}
	return ctparse.Bad{}, true
}

// meta sets the state, timeout, status, id, age, mark and zone.
func (j *jsonFlow) meta(r *Record) (ctparse.Bad, bool) {
	f := &r.Flow
	if j.State.ok && j.State.n > 0 {
		if s, ok := ctparse.State(f.Proto, j.State.bytes()); ok {
			f.SetProtoState(s)
		}
	}
	if j.Timeout.ok {
		r.Timeout = uint32(min(j.Timeout.v, math.MaxUint32))
		r.HasTimeout = true
	}
	if j.Status.ok {
		f.Status = j.Status.s
		r.StatusSet = true
	}
	if j.ID.ok && j.ID.v != 0 { // cttop writes 0 for a flow without an id
		v, ok := j.ID.max(math.MaxUint32)
		if !ok {
			return ctparse.Bad{What: "bad id"}, false
		}
		f.SetID(uint32(v))
	}
	if j.Age.ok {
		r.Age, r.HasAge = j.Age.v, true
	}
	// A mark or zone the file does not give (or gives as null) is
	// unknown, not 0.
	mark, ok1 := j.Mark.max(math.MaxUint32)
	zone, ok2 := j.Zone.max(math.MaxUint16)
	if !ok1 || !ok2 {
		return ctparse.Bad{What: "bad mark or zone"}, false
	}
	if j.Mark.ok {
		f.SetMark(uint32(mark))
	}
	if j.Zone.ok {
		z := model.Zone{ID: uint16(zone)}
		switch string(j.ZoneDir.bytes()) {
		case "":
		case "orig":
			z.Dir = model.ZoneOrig
		case "reply":
			z.Dir = model.ZoneReply
		default:
			return ctparse.Bad{What: "bad zone_dir", Tok: j.ZoneDir.bytes()}, false
		}
		f.SetZone(z)
	}
	return ctparse.Bad{}, true
}
