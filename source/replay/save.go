package replay

import (
	"bufio"
	"io"
	"math"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
)

// conntrack -L -o save (conntrack-tools 1.4.6 and later) prints each flow
// as the options of a conntrack command that would create it again:
//
//	-A -t 29 -u SEEN_REPLY,ASSURED --orig-zone 7 -s 10.0.0.1 -d 10.0.0.2
//	    -r 10.0.0.2 -q 10.0.0.1 -p tcp --sport 1 --dport 2
//	    --reply-port-src 2 --reply-port-dst 1 --state ESTABLISHED
//
// -t the timeout (none for an offloaded flow), -u the status bits among
// SEEN_REPLY, ASSURED, FIXED_TIMEOUT and EXPECTED (UNSET for none: the
// flow has not seen a reply), -c the secmark, -w the zone of both
// directions, --orig-zone and --reply-zone a zone of one; -s and -d the
// original addresses, -r and -q the reply's (-g and -n instead when the
// reply's source or destination is translated); -p the protocol by name
// (or number for a protocol conntrack has no module for), then its own
// options: ports, ICMP type, code and id, GRE keys, the state of TCP, SCTP
// and DCCP, SCTP's verification tags, DCCP's role. -A starts a table entry;
// -U and -D are events (conntrack -E -o save).
//
// The format has no mark, counters, ID, timestamps, helper, labels or
// security context: those are unknown for its flows.

// saveParser parses one -o save line at a time into a flow.
type saveParser struct {
	f model.Flow
	c model.Counters
	x recordExtras

	header bool // the line began with -A, -U or -D
	reply  bool // -r, -q, -g or -n came: the reply tuple is not the inverse
	have   [2]uint8
	names  names
}

// parse parses one line, as textParser.parse does.
func (p *saveParser) parse(line []byte) (int, badRecord) {
	p.f, p.c = model.Flow{}, model.Counters{}
	p.x = recordExtras{names: &p.names, statusSet: true, offloadIfNoTimeout: true}
	p.header, p.reply, p.have = false, false, [2]uint8{}
	p.f.SetZone(model.Zone{}) // -w, --orig-zone and --reply-zone only for a zone
	p.f.Status = model.StatusConfirmed

	tok, _, i := nextToken(line, 0)
	switch string(tok) {
	case "":
		return textIgnore, badRecord{}
	case "-A":
	case "-U", "-D":
		p.header = true
		return textBad, bad("event, not a table entry:", tok)
	default:
		if tok[0] == '#' {
			return textIgnore, badRecord{}
		}
		return textBad, bad("not a conntrack -o save entry:", tok)
	}
	p.header = true
	for {
		opt, _, next := nextToken(line, i)
		if opt == nil {
			break
		}
		val, _, after := nextToken(line, next)
		if val == nil {
			return textBad, bad("no value after", opt)
		}
		i = after
		if why, ok := p.option(opt, val); !ok {
			return textBad, why
		}
	}
	if !p.reply {
		p.f.Reply.Src, p.f.Reply.Dst = p.f.Orig.Dst, p.f.Orig.Src
		p.have[1] |= hSrc | hDst
	}
	if p.f.Proto == 0 && p.have[0] == 0 {
		return textBad, bad("no tuple", nil)
	}
	proto := p.f.Proto
	if p.have[0]&(hSport|hDport) == 0 && p.have[1]&(hSport|hDport) == 0 {
		// No ports at all: a protocol the kernel tracks without a module
		// of its own (DCCP on a kernel without DCCP), which conntrack still
		// names.
		proto = 0
	}
	if why, ok := checkTuples(proto, p.have, false); !ok {
		return textBad, why
	}
	return textRecord, badRecord{}
}

// option handles one option and its value.
func (p *saveParser) option(opt, val []byte) (badRecord, bool) {
	f := &p.f
	switch string(opt) {
	case "-t", "--timeout":
		v, ok := ctparse.Uint(val, math.MaxUint64)
		if !ok {
			return bad("bad timeout", val), false
		}
		p.x.timeout, p.x.hasTO = uint32(min(v, math.MaxUint32)), true
	case "-u", "--status":
		return p.status(val)
	case "-m", "--mark":
		v, ok := ctparse.Uint(val, math.MaxUint32)
		if !ok {
			return bad("bad mark", val), false
		}
		f.SetMark(uint32(v))
	case "-c", "--secmark":
	case "-w", "--zone", "--orig-zone", "--reply-zone":
		v, ok := ctparse.Uint(val, math.MaxUint16)
		if !ok {
			return bad("bad zone", val), false
		}
		z := model.Zone{ID: uint16(v)}
		switch string(opt) {
		case "--orig-zone":
			z.Dir = model.ZoneOrig
		case "--reply-zone":
			z.Dir = model.ZoneReply
		}
		if !p.x.addZone(f, z) {
			return bad("a second zone:", val), false
		}
	case "-s", "--src", "--orig-src", "-d", "--dst", "--orig-dst",
		"-r", "--reply-src", "-q", "--reply-dst", "-g", "--dst-nat", "-n", "--src-nat":
		return p.addr(opt, val)
	case "-p", "--protonum", "--proto":
		return p.proto(val)
	default:
		return p.protoOption(opt, val)
	}
	return badRecord{}, true
}

// status reads -u's comma-separated bits; the other bits the format
// cannot say (the kernel's own, OFFLOAD) are read from the timeout and
// the tuples.
func (p *saveParser) status(val []byte) (badRecord, bool) {
	for len(val) > 0 {
		name := val
		rest := []byte(nil)
		for i, c := range val {
			if c == ',' {
				name, rest = val[:i], val[i+1:]
				break
			}
		}
		val = rest
		if string(name) == "UNSET" {
			continue
		}
		s, ok := ctparse.Status(name)
		if !ok || s == 0 {
			return bad("bad status", name), false
		}
		p.f.Status |= s
	}
	p.x.unreplied = p.f.Status&model.StatusSeenReply == 0
	return badRecord{}, true
}

// addr reads an address of a tuple.
func (p *saveParser) addr(opt, val []byte) (badRecord, bool) {
	f := &p.f
	a, fam, ok := ctparse.Addr(val)
	if !ok {
		return bad("bad address", val), false
	}
	if f.Family != 0 && fam != f.Family {
		return bad("address of the wrong family:", val), false
	}
	f.Family = fam
	switch string(opt) {
	case "-s", "--src", "--orig-src":
		f.Orig.Src, p.have[0] = a, p.have[0]|hSrc
	case "-d", "--dst", "--orig-dst":
		f.Orig.Dst, p.have[0] = a, p.have[0]|hDst
	case "-r", "--reply-src", "-g", "--dst-nat":
		f.Reply.Src, p.have[1], p.reply = a, p.have[1]|hSrc, true
	default:
		f.Reply.Dst, p.have[1], p.reply = a, p.have[1]|hDst, true
	}
	return badRecord{}, true
}

// proto reads -p: a name conntrack has a module for, or a number.
func (p *saveParser) proto(val []byte) (badRecord, bool) {
	if v, ok := ctparse.Uint(val, math.MaxUint8); ok {
		p.f.Proto = uint8(v)
		return badRecord{}, true
	}
	n, ok := model.ProtoByName(string(val))
	if !ok {
		return bad("unknown protocol", val), false
	}
	p.f.Proto = n
	return badRecord{}, true
}

// protoOption reads the options of the protocol given with -p.
func (p *saveParser) protoOption(opt, val []byte) (badRecord, bool) {
	f := &p.f
	name := string(opt)
	switch name {
	case "--state":
		s, ok := ctparse.State(f.Proto, val)
		if !ok {
			return bad("bad state", val), false
		}
		f.SetProtoState(s)
		return badRecord{}, true
	case "--orig-vtag", "--reply-vtag", "--role":
		return badRecord{}, true // SCTP's tags, DCCP's role: not kept
	case "--srckey", "--dstkey", "--reply-key-src", "--reply-key-dst":
		v, ok := ctparse.Uint(val, math.MaxUint16)
		if !ok {
			if v, ok = uint64Hex16(val); !ok {
				return bad("bad GRE key", val), false
			}
		}
		return p.port(name, uint16(v))
	case "--sport", "--dport", "--reply-port-src", "--reply-port-dst", "--icmp-type", "--icmpv6-type",
		"--icmp-code", "--icmpv6-code", "--icmp-id", "--icmpv6-id":
	default:
		return bad("unknown option", opt), false
	}
	v, ok := ctparse.Uint(val, math.MaxUint16)
	if !ok {
		return bad("bad value of "+name+":", val), false
	}
	switch name {
	case "--sport", "--dport", "--reply-port-src", "--reply-port-dst":
		return p.port(name, uint16(v))
	case "--icmp-type", "--icmpv6-type":
		if v > math.MaxUint8 {
			return bad("bad ICMP type", val), false
		}
		f.Orig.DstPort = f.Orig.DstPort&0xff | uint16(v)<<8
		f.Reply.DstPort = f.Reply.DstPort&0xff | uint16(ctparse.ICMPReplyType(f.Proto, uint8(v)))<<8
		p.have[0] |= hType
		p.have[1] |= hType
	case "--icmp-code", "--icmpv6-code":
		if v > math.MaxUint8 {
			return bad("bad ICMP code", val), false
		}
		f.Orig.DstPort = f.Orig.DstPort&0xff00 | uint16(v)
		f.Reply.DstPort = f.Reply.DstPort&0xff00 | uint16(v)
		p.have[0] |= hCode
		p.have[1] |= hCode
	default: // --icmp-id, --icmpv6-id
		f.Orig.SrcPort, f.Reply.SrcPort = uint16(v), uint16(v)
	}
	return badRecord{}, true
}

// port sets a port (or GRE key) of a tuple.
func (p *saveParser) port(name string, v uint16) (badRecord, bool) {
	f := &p.f
	switch name {
	case "--sport", "--srckey":
		f.Orig.SrcPort, p.have[0] = v, p.have[0]|hSport
	case "--dport", "--dstkey":
		f.Orig.DstPort, p.have[0] = v, p.have[0]|hDport
	case "--reply-port-src", "--reply-key-src":
		f.Reply.SrcPort, p.have[1] = v, p.have[1]|hSport
	default:
		f.Reply.DstPort, p.have[1] = v, p.have[1]|hDport
	}
	return badRecord{}, true
}

func uint64Hex16(b []byte) (uint64, bool) {
	v, ok := ctparse.Hex16(b)
	return uint64(v), ok
}

// loadSave reads conntrack -L -o save.
func (l *loader) loadSave(br *bufio.Reader) error {
	var p saveParser
	line := 0
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			line++
			for n := len(b); err == bufio.ErrBufferFull; n += len(b) {
				if n > l.lim.Line {
					return l.lineTooLong(line)
				}
				b, err = br.ReadSlice('\n')
			}
			l.countRecord()
			l.rep.skip(line, bad("line too long", nil))
		} else if len(b) > 0 {
			line++
			switch kind, why := p.parse(b); kind {
			case textRecord:
				l.countRecord()
				l.add(&p.f, &p.c, &p.x)
			case textBad:
				l.countRecord()
				l.rep.skip(line, why)
			}
			if l.cancelled() {
				return errCancelled
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
