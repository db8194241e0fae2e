package replay

import (
	"math"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
)

// The fields of a conntrack text record: the bracketed flags, and each
// key=value field by what its key means (the tuples' keys apart).

// flag handles a bracketed field.
func (p *textParser) flag(tok []byte) {
	switch string(tok) {
	case "[UNREPLIED]":
		p.x.unreplied = true
	case "[ASSURED]":
		p.f.Status |= model.StatusAssured
	case "[OFFLOAD]":
		p.f.Status |= model.StatusOffload
	case "[HW_OFFLOAD]":
		p.f.Status |= model.StatusOffload | model.StatusHWOffload
	}
	// Others ([start=...], [stop=...]) carry nothing the model keeps.
}

// field handles a key=value field.
func (p *textParser) field(key, val, tok []byte) (badRecord, bool) {
	f := &p.f
	switch string(key) {
	case "src", "dst", "sport", "dport", "type", "code", "srckey", "dstkey":
		return p.tupleField(key, val, tok)
	case "id":
		// The ICMP id follows type= and code= in each tuple; any other
		// id= is the conntrack id (-o id).
		if n := p.n; model.IsICMP(f.Proto) && n >= 0 && p.have[n]&hType != 0 && p.have[n]&hICMPID == 0 {
			return p.tupleField(key, val, tok)
		}
		v, ok := ctparse.Uint(val, math.MaxUint32)
		if !ok {
			return bad("bad id", tok), false
		}
		f.SetID(uint32(v))
	case "packets", "bytes":
		v, ok := ctparse.Uint(val, math.MaxUint64)
		switch {
		case p.n < 0:
			return bad("counter before src=:", tok), false
		case !ok:
			return bad("bad counter", tok), false
		case p.n == 0 && key[0] == 'p':
			p.c.OrigPackets = v
		case p.n == 0:
			p.c.OrigBytes = v
		case key[0] == 'p':
			p.c.ReplyPackets = v
		default:
			p.c.ReplyBytes = v
		}
		f.Attrs |= model.HasCounters
	case "mark":
		v, ok := ctparse.Uint(val, math.MaxUint32)
		if !ok {
			return bad("bad mark", tok), false
		}
		f.SetMark(uint32(v))
	case "zone", "zone-orig", "zone-reply", "orig-zone", "reply-zone":
		v, ok := ctparse.Uint(val, math.MaxUint16)
		if !ok {
			return bad("bad zone", tok), false
		}
		z := model.Zone{ID: uint16(v)}
		switch string(key) {
		case "zone-orig", "orig-zone":
			z.Dir = model.ZoneOrig
		case "zone-reply", "reply-zone":
			z.Dir = model.ZoneReply
		}
		if !p.x.addZone(f, z) {
			return bad("a second zone:", tok), false
		}
		p.zeroZone = p.zeroZone || v == 0 && string(key) == "zone"
	case "helper":
		p.x.ext.Helper = p.x.names.name(val)
	case "secctx":
		p.x.ext.Secctx = p.x.names.name(val)
	case "labels":
		// conntrack -L -o labels: the names connlabel.conf gives them.
		p.x.ext.LabelNames = p.x.names.name(val)
		p.x.hasLabels = true
	case "delta-time":
		v, ok := ctparse.Uint(val, math.MaxUint64)
		if !ok {
			return bad("bad delta-time", tok), false
		}
		p.x.delta, p.x.hasDelta = v, true
	case "secmark":
		p.secmark = true
	}
	// Others (use=, secmark=, GRE's timeout=) carry nothing the model
	// keeps.
	return badRecord{}, true
}

// tupleField handles a field of the current tuple; src= starts the next.
func (p *textParser) tupleField(key, val, tok []byte) (badRecord, bool) {
	f := &p.f
	if string(key) == "src" {
		if p.n++; p.n > 1 {
			return bad("more than two tuples at", tok), false
		}
	}
	if p.n < 0 {
		return bad("tuple field before src=:", tok), false
	}
	t, have := &f.Orig, &p.have[p.n]
	if p.n == 1 {
		t = &f.Reply
	}
	switch string(key) {
	case "src", "dst":
		a, fam, ok := ctparse.Addr(val)
		switch {
		case !ok:
			return bad("bad address", val), false
		case f.Family == 0:
			f.Family = fam
		case fam != f.Family:
			return bad("address of the wrong family:", val), false
		}
		if key[0] == 's' {
			t.Src, *have = a, *have|hSrc
		} else {
			t.Dst, *have = a, *have|hDst
		}
	case "sport", "dport":
		v, ok := ctparse.Uint(val, math.MaxUint16)
		switch {
		case !ok:
			return bad("bad port", tok), false
		case key[0] == 's':
			t.SrcPort, *have = uint16(v), *have|hSport
		default:
			t.DstPort, *have = uint16(v), *have|hDport
		}
	case "type", "code":
		v, ok := ctparse.Uint(val, math.MaxUint8)
		switch {
		case !ok:
			return bad("bad ICMP field", tok), false
		case key[0] == 't':
			t.DstPort, *have = t.DstPort&0xff|uint16(v)<<8, *have|hType
		default:
			t.DstPort, *have = t.DstPort&0xff00|uint16(v), *have|hCode
		}
	case "id": // ICMP
		v, ok := ctparse.Uint(val, math.MaxUint16)
		if !ok {
			return bad("bad ICMP id", tok), false
		}
		t.SrcPort, *have = uint16(v), *have|hICMPID
	case "srckey", "dstkey":
		v, ok := ctparse.Hex16(val)
		switch {
		case !ok:
			return bad("bad GRE key", tok), false
		case key[0] == 's':
			t.SrcPort = v
		default:
			t.DstPort = v
		}
	}
	return badRecord{}, true
}
