package replay

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/cttop/cttop/model"
)

// cttop's own JSON (--once --format json):
//
//	{"table": {"count": N, "max": N, "drops": N, "early_drops": N, "insert_failed": N, "invalid": N},
//	 "matched": N,
//	 "flows": [{"id": N, "family": "ipv4", "proto": "tcp", "src": "192.0.2.1", "sport": N,
//	            "dst": "...", "dport": N, "state": "ESTABLISHED", "timeout": N,
//	            "status": ["SEEN_REPLY", "ASSURED", "CONFIRMED"], "reply_src": "...", "reply_sport": N,
//	            "reply_dst": "...", "reply_dport": N, "mark": N, "zone": N,
//	            "bytes": N, "packets": N, "orig_bytes": N, "orig_packets": N,
//	            "reply_bytes": N, "reply_packets": N, "age": N}]}
//
// ICMP flows have "icmp_type", "icmp_code" and "icmp_id" instead of ports;
// the reply's ICMP type is derived (echo request 8 -> reply 0) unless
// "reply_icmp_type", "reply_icmp_code", "reply_icmp_id" say it. "bytes" and
// "packets" are totals of both directions: without the per-direction
// "orig_*" and "reply_*" they go to Counters.OrigBytes and OrigPackets. A
// flow has counters when any of them is there. "age" gives FirstSeen, like
// delta-time, but not HasStart (it may be cttop's first sight of the flow
// rather than the kernel's timestamp); "id": 0 is no id. A
// missing reply tuple is the inverse of the original. A top-level array of
// flows is read too. Keys may come in any order; unknown keys are ignored.
//
// The document is streamed: one flow is decoded at a time, into fields that
// parse straight from the decoder's buffer.

// loadJSON reads cttop's JSON.
func (l *loader) loadJSON(br *bufio.Reader) error {
	guard := &tokenGuard{r: br, max: l.lim.Token, what: "a JSON value", l: l}
	lc := &lineCounter{r: guard}
	dec := json.NewDecoder(lc)
	guard.offset = dec.InputOffset
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if tok == json.Delim('[') {
		return l.jsonFlows(dec, lc)
	}
	ours := false
	for dec.More() {
		line := lc.lineAt(dec.InputOffset())
		key, err := dec.Token()
		if err != nil {
			return l.jsonBroken(ours, line, err)
		}
		switch key {
		case "table":
			var t struct {
				Count        uint64 `json:"count"`
				Max          uint64 `json:"max"`
				Drops        uint64 `json:"drops"`
				EarlyDrops   uint64 `json:"early_drops"`
				InsertFailed uint64 `json:"insert_failed"`
				Invalid      uint64 `json:"invalid"`
			}
			if err := dec.Decode(&t); err != nil {
				if isRecordError(err) {
					continue // a table we cannot read is no reason to drop the flows
				}
				return l.jsonBroken(ours, line, err)
			}
			ours = true
			l.meta.stats = model.TableStats{Valid: true, Max: t.Max, Drop: t.Drops,
				EarlyDrop: t.EarlyDrops, InsertFailed: t.InsertFailed, Invalid: t.Invalid}
		case "flows":
			ours = true
			tok, err := dec.Token()
			if err != nil {
				return l.jsonBroken(ours, line, err)
			}
			if tok == nil {
				continue
			}
			if tok != json.Delim('[') {
				return l.jsonBroken(ours, line, errors.New(`"flows" is not an array`))
			}
			if err := l.jsonFlows(dec, lc); err != nil {
				return err
			}
			if l.truncated {
				return nil
			}
		default:
			if err := dec.Decode(&jsonSkip{}); err != nil && !isRecordError(err) {
				return l.jsonBroken(ours, line, err)
			}
		}
	}
	if !ours {
		return ErrFormat
	}
	return nil
}

// jsonBroken handles a syntax error: before anything of ours it is an
// unknown format, after it the end of the load.
func (l *loader) jsonBroken(ours bool, line int, err error) error {
	if !ours {
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	l.structural(line, err)
	return nil
}

// jsonFlows reads the elements of an array of flows, whose '[' has been
// read, and its ']'.
func (l *loader) jsonFlows(dec *json.Decoder, lc *lineCounter) error {
	var (
		jf jsonFlow
		// Outside the loop: they escape (through the flowSink interface)
		// once, not once per flow.
		f model.Flow
		c model.Counters
		x recordExtras
	)
	for dec.More() {
		line := lc.lineAt(dec.InputOffset())
		l.countRecord()
		jf = jsonFlow{}
		if err := dec.Decode(&jf); err != nil {
			if !isRecordError(err) {
				l.rep.Lines--
				l.structural(line, err)
				return nil
			}
			var why badRecord
			if !errors.As(err, &why) {
				why = badRecord{what: err.Error()}
			}
			l.rep.skip(line, why)
			continue
		}
		f, c, x = model.Flow{}, model.Counters{}, recordExtras{}
		if why, ok := jf.flow(&f, &c, &x); !ok {
			l.rep.skip(line, why)
			continue
		}
		l.add(&f, &c, &x)
		if l.cancelled() {
			return errCancelled
		}
	}
	if _, err := dec.Token(); err != nil {
		l.structural(lc.lineAt(dec.InputOffset()), err)
	}
	return nil
}

// structural records a syntax error that ends the load: the flows read so
// far stay, the rest of the file counts as one skipped record.
func (l *loader) structural(line int, err error) {
	msg := err.Error()
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.HasSuffix(msg, "unexpected EOF"):
		msg = "file ends inside a record (truncated?)"
	case errors.As(err, &se):
		msg = "JSON syntax error: " + msg
	}
	l.countRecord()
	l.rep.skip(line, badRecord{what: msg + "; rest of file ignored"})
	l.truncated = true
}

// isRecordError reports whether a Decode error concerns only the value
// decoded (which the decoder has consumed), not the stream.
func isRecordError(err error) bool {
	var te *json.UnmarshalTypeError
	var br badRecord
	return errors.As(err, &te) || errors.As(err, &br)
}

// jsonSkip consumes any value.
type jsonSkip struct{}

func (*jsonSkip) UnmarshalJSON([]byte) error { return nil }

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
	ReplyICMPType jsonNum    `json:"reply_icmp_type"`
	ReplyICMPCode jsonNum    `json:"reply_icmp_code"`
	ReplyICMPID   jsonNum    `json:"reply_icmp_id"`
	Age           jsonNum    `json:"age"`
}

// flow converts the decoded fields.
func (j *jsonFlow) flow(f *model.Flow, c *model.Counters, x *recordExtras) (badRecord, bool) {
	proto, ok := j.Proto.proto()
	if !ok {
		if !j.Proto.ok {
			return bad("no proto", nil), false
		}
		return bad("unknown proto", j.Proto.bytes()), false
	}
	f.Proto = proto
	if !j.Src.ok || !j.Dst.ok {
		return bad("no src or dst", nil), false
	}
	f.Family = j.Src.fam
	switch {
	case !j.Family.ok:
	case string(j.Family.bytes()) == "ipv4":
		f.Family = model.IPv4
	case string(j.Family.bytes()) == "ipv6":
		f.Family = model.IPv6
	default:
		return bad("bad family", j.Family.bytes()), false
	}
	for _, a := range [...]*jsonAddr{&j.Src, &j.Dst, &j.ReplySrc, &j.ReplyDst} {
		if a.ok && a.fam != f.Family {
			return badRecord{what: "address of the wrong family for " + model.FamilyName(f.Family)}, false
		}
	}
	f.Orig.Src, f.Orig.Dst = j.Src.a, j.Dst.a

	switch {
	case model.IsICMP(proto) && j.ICMPType.ok:
		typ, ok1 := j.ICMPType.max(math.MaxUint8)
		code, ok2 := j.ICMPCode.max(math.MaxUint8)
		id, ok3 := j.ICMPID.max(math.MaxUint16)
		if !ok1 || !ok2 || !ok3 {
			return bad("bad ICMP type, code or id", nil), false
		}
		f.Orig.SrcPort, f.Orig.DstPort = uint16(id), uint16(typ<<8|code)
		rtyp, rcode, rid := uint64(icmpReplyType(proto, uint8(typ))), code, id
		if j.ReplyICMPType.ok {
			rtyp, ok1 = j.ReplyICMPType.max(math.MaxUint8)
			rcode, ok2 = j.ReplyICMPCode.max(math.MaxUint8)
			rid, ok3 = j.ReplyICMPID.max(math.MaxUint16)
			if !ok1 || !ok2 || !ok3 {
				return bad("bad reply ICMP type, code or id", nil), false
			}
		}
		f.Reply.SrcPort, f.Reply.DstPort = uint16(rid), uint16(rtyp<<8|rcode)
	default:
		if model.HasPorts(proto) && (!j.Sport.ok || !j.Dport.ok) {
			return bad("no sport or dport", nil), false
		}
		sp, ok1 := j.Sport.max(math.MaxUint16)
		dp, ok2 := j.Dport.max(math.MaxUint16)
		if !ok1 || !ok2 {
			return bad("bad port", nil), false
		}
		f.Orig.SrcPort, f.Orig.DstPort = uint16(sp), uint16(dp)
		f.Reply.SrcPort, f.Reply.DstPort = f.Orig.DstPort, f.Orig.SrcPort
		if j.ReplySport.ok || j.ReplyDport.ok {
			rsp, ok1 := j.ReplySport.max(math.MaxUint16)
			rdp, ok2 := j.ReplyDport.max(math.MaxUint16)
			if !ok1 || !ok2 {
				return bad("bad reply port", nil), false
			}
			f.Reply.SrcPort, f.Reply.DstPort = uint16(rsp), uint16(rdp)
		}
	}
	// A missing reply tuple is the inverse of the original.
	f.Reply.Src, f.Reply.Dst = f.Orig.Dst, f.Orig.Src
	if j.ReplySrc.ok {
		f.Reply.Src = j.ReplySrc.a
	}
	if j.ReplyDst.ok {
		f.Reply.Dst = j.ReplyDst.a
	}

	if j.State.ok && j.State.n > 0 {
		if s, ok := stateByName(proto, j.State.bytes()); ok {
			f.State = s
			f.Attrs |= model.HasState
		}
	}
	if j.Timeout.ok {
		x.timeout = uint32(min(j.Timeout.v, math.MaxUint32))
		x.hasTO = true
	}
	if j.Status.ok {
		f.Status = j.Status.s
		x.statusSet = true
	}
	var ok1, ok2, ok3 bool
	var v uint64
	if j.ID.ok && j.ID.v != 0 { // cttop writes 0 for a flow without an id
		v, ok1 = j.ID.max(math.MaxUint32)
		if !ok1 {
			return bad("bad id", nil), false
		}
		f.ID = uint32(v)
		f.Attrs |= model.HasID
	}
	if j.Age.ok {
		// cttop writes the age of the kernel's timestamp or of when it
		// first saw the flow, and does not say which.
		x.delta, x.hasDelta, x.cttopAge = j.Age.v, true, true
	}
	v, ok2 = j.Mark.max(math.MaxUint32)
	f.Mark = uint32(v)
	v, ok3 = j.Zone.max(math.MaxUint16)
	f.Zone = uint16(v)
	if !ok2 || !ok3 {
		return bad("bad mark or zone", nil), false
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
	return badRecord{}, true
}
