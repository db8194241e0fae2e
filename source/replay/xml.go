package replay

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"

	"github.com/cttop/cttop/internal/ctparse"
	"github.com/cttop/cttop/model"
)

// conntrack -L -o xml (libnetfilter_conntrack 1.0.9):
//
//	<?xml version="1.0" encoding="utf-8"?>
//	<conntrack>
//	<flow><meta direction="original"><layer3 protonum="2" protoname="ipv4">
//	<src>192.0.2.1</src><dst>198.51.100.2</dst></layer3>
//	<layer4 protonum="6" protoname="tcp"><sport>40000</sport><dport>80</dport></layer4>
//	[<zone>N</zone>]<counters><packets>0</packets><bytes>0</bytes></counters></meta>
//	<meta direction="reply">...</meta>
//	<meta direction="independent"><state>ESTABLISHED</state><timeout>299</timeout>
//	<mark>0</mark>[<secctx>..</secctx>][<zone>5</zone>]<use>1</use><id>N</id>
//	[<assured/>][<unreplied/>][<timestamp><start>NS</start>[<stop>NS</stop>]</timestamp>]
//	[<deltatime>N</deltatime>]</meta>[<helper>ftp</helper>]</flow>
//	</conntrack>
//
// Quirks: layer3 protonum is the address family (2 AF_INET, 10 AF_INET6);
// ICMP tuples have no type, code or id (they stay 0: ICMPUnknown); GRE keys are
// <srckey>0x1</srckey>; the state of SCTP and DCCP flows is printed with
// the TCP state names of the same number (SCTP ESTABLISHED, 4, comes out as
// FIN_WAIT), so a state name is first read as a TCP state's number.

// xmlRecord collects one <flow>.
type xmlRecord struct {
	f    model.Flow
	c    model.Counters
	x    recordExtras
	have [2]uint8
	dir  int // 0 original, 1 reply, 2 independent, -1 outside a meta
	l4   [2]int
	why  badRecord
	bad  bool
	text []byte
	// names keeps the helpers, contexts and labels read (all records').
	names names
}

func (r *xmlRecord) reset() {
	text, nm := r.text[:0], r.names
	*r = xmlRecord{dir: -1, l4: [2]int{-1, -1}, text: text, names: nm}
	r.x.names = &r.names
	// conntrack prints every zone but the default one, and the timeout
	// of every flow but an offloaded one (it has no OFFLOAD flag in XML).
	r.f.SetZone(model.Zone{})
	r.x.offloadIfNoTimeout = true
}

func (r *xmlRecord) fail(what string, tok []byte) {
	if !r.bad {
		r.bad = true
		r.why = badRecord{What: what, Tok: bytes.Clone(tok)}
	}
}

func attr(t *xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// loadXML reads conntrack -L -o xml. Concatenated dumps (a <conntrack>
// after another) are read too.
func (l *loader) loadXML(br *bufio.Reader) error {
	// The decoder consumes a token's bytes as it buffers them, so its
	// offset keeps pace: the guard counts from the end of the last token.
	var mark int64
	guard := &tokenGuard{r: br, max: l.lim.Token, what: "an XML token", l: l, offset: func() int64 { return mark }}
	dec := xml.NewDecoder(guard)
	var (
		rec  xmlRecord
		open []string // the open elements: RawToken does not match them
	)
	inFlow, root, line := false, false, 0
	for {
		// RawToken is Token without the namespace machinery, a sixth
		// faster here; the loop checks that the elements nest.
		tok, err := dec.RawToken()
		mark = guard.n
		if e, ok := tok.(xml.EndElement); ok && err == nil && (len(open) == 0 || open[len(open)-1] != e.Name.Local) {
			n, _ := dec.InputPos()
			err = &xml.SyntaxError{Msg: "unexpected end element </" + e.Name.Local + ">", Line: n}
		}
		if s, ok := tok.(xml.StartElement); ok && err == nil && len(open) == 0 && s.Name.Local != "conntrack" {
			if !root {
				return ErrFormat
			}
			n, _ := dec.InputPos()
			err = &xml.SyntaxError{Msg: "<" + s.Name.Local + "> after </conntrack>", Line: n}
		}
		if err != nil {
			switch {
			case !root && err == io.EOF:
				return ErrFormat
			case !root:
				return fmt.Errorf("%w: %v", ErrFormat, err)
			case err == io.EOF && len(open) == 0:
				return nil
			}
			if inFlow {
				l.rep.Lines--
			} else {
				line, _ = dec.InputPos()
			}
			l.structural(line, err)
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			open = append(open, t.Name.Local)
			switch {
			case len(open) == 1:
				root = true
			case len(open) == 2 && t.Name.Local == "flow":
				inFlow = true
				line, _ = dec.InputPos()
				l.countRecord()
				rec.reset()
				if typ := attr(&t, "type"); typ != "" {
					rec.fail("event, not a table entry: flow type", []byte(typ))
				}
			case inFlow:
				rec.start(&t)
			}
		case xml.EndElement:
			switch {
			case inFlow && len(open) == 2:
				inFlow = false
				l.xmlFlow(&rec, line)
				if l.cancelled() {
					return errCancelled
				}
			case inFlow:
				rec.end(t.Name.Local)
			}
			open = open[:len(open)-1]
		case xml.CharData:
			if inFlow {
				rec.text = append(rec.text, t...)
			}
		}
	}
}

// xmlFlow finishes a <flow>.
func (l *loader) xmlFlow(r *xmlRecord, line int) {
	if !r.bad {
		if why, ok := checkTuples(r.f.Proto, r.have, false); !ok {
			r.fail(why.What, nil)
		} else if r.l4[0] < 0 {
			r.fail("no layer4 protocol", nil)
		}
	}
	if r.bad {
		l.rep.skip(line, r.why)
		return
	}
	if model.IsICMP(r.f.Proto) {
		r.f.Attrs |= model.ICMPUnknown // XML has no type, code or id
	}
	l.add(&r.f, &r.c, &r.x)
}

func (r *xmlRecord) start(t *xml.StartElement) {
	r.text = r.text[:0]
	switch t.Name.Local {
	case "meta":
		switch attr(t, "direction") {
		case "original":
			r.dir = 0
		case "reply":
			r.dir = 1
		case "independent":
			r.dir = 2
		default:
			r.fail("bad meta direction", []byte(attr(t, "direction")))
		}
	case "layer3":
		var fam uint8
		switch attr(t, "protonum") {
		case "2":
			fam = model.IPv4
		case "10":
			fam = model.IPv6
		default:
			r.fail("bad layer3 protonum", []byte(attr(t, "protonum")))
			return
		}
		if r.f.Family != 0 && r.f.Family != fam {
			r.fail("tuples of different families", nil)
		}
		r.f.Family = fam
	case "layer4":
		if r.dir != 0 && r.dir != 1 {
			r.fail("layer4 outside a tuple", nil)
			return
		}
		v, ok := ctparse.Uint([]byte(attr(t, "protonum")), math.MaxUint8)
		if !ok {
			r.fail("bad layer4 protonum", []byte(attr(t, "protonum")))
			return
		}
		r.l4[r.dir] = int(v)
		if r.l4[0] >= 0 && r.l4[1] >= 0 && r.l4[0] != r.l4[1] {
			r.fail("tuples of different protocols", nil)
		}
		r.f.Proto = uint8(v)
	case "unreplied":
		r.x.unreplied = true
	case "assured":
		r.f.Status |= model.StatusAssured
	}
}

// end handles the end of an element inside a <flow>, with its text.
func (r *xmlRecord) end(name string) {
	if r.bad {
		return
	}
	v := bytes.TrimSpace(r.text)
	switch name {
	case "src", "dst", "sport", "dport", "srckey", "dstkey", "packets", "bytes":
		r.tupleElement(name, v)
	case "state":
		r.state(v)
	case "timeout", "mark", "zone", "id", "deltatime", "start":
		r.metaElement(name, v)
	case "helper":
		r.x.ext.Helper = r.names.name(v)
	case "secctx":
		r.x.ext.Secctx = r.names.name(v)
	case "label":
		// <labels><label>NAME</label>...: the names connlabel.conf gives.
		ln := r.x.ext.LabelNames
		if ln != "" {
			ln += ","
		}
		r.x.ext.LabelNames = r.names.name([]byte(ln + string(v)))
		r.x.hasLabels = true
	case "meta":
		r.dir = -1
	}
	r.text = r.text[:0]
}

// tuple returns the tuple of the direction being read (nil outside one).
func (r *xmlRecord) tuple() *model.Tuple {
	switch r.dir {
	case 0:
		return &r.f.Orig
	case 1:
		return &r.f.Reply
	}
	return nil
}

// tupleElement reads an element of a direction: an address, a port, a GRE
// key or a counter.
func (r *xmlRecord) tupleElement(name string, v []byte) {
	t := r.tuple()
	if t == nil && (name == "src" || name == "dst") {
		r.fail("address outside a tuple", nil)
		return
	}
	switch name {
	case "src", "dst":
		r.address(name, v, t)
	case "sport", "dport":
		p, ok := ctparse.Uint(v, math.MaxUint16)
		if t == nil || !ok {
			r.fail("bad "+name, v)
			return
		}
		if name == "sport" {
			t.SrcPort = uint16(p)
			r.have[r.dir] |= hSport
		} else {
			t.DstPort = uint16(p)
			r.have[r.dir] |= hDport
		}
	case "srckey", "dstkey":
		k, ok := ctparse.Hex16(v)
		if t == nil || !ok {
			r.fail("bad GRE key", v)
			return
		}
		if name == "srckey" {
			t.SrcPort = k
		} else {
			t.DstPort = k
		}
	default: // packets, bytes
		r.counter(name, v, t)
	}
}

// address reads a src or dst of tuple t.
func (r *xmlRecord) address(name string, v []byte, t *model.Tuple) {
	f := &r.f
	a, fam, ok := ctparse.Addr(v)
	if !ok {
		r.fail("bad address", v)
		return
	}
	if f.Family == 0 {
		f.Family = fam
	} else if fam != f.Family {
		r.fail("address of the wrong family:", v)
		return
	}
	if name == "src" {
		t.Src = a
		r.have[r.dir] |= hSrc
	} else {
		t.Dst = a
		r.have[r.dir] |= hDst
	}
}

// counter reads the packets or bytes of the direction of tuple t.
func (r *xmlRecord) counter(name string, v []byte, t *model.Tuple) {
	n, ok := ctparse.Uint(v, math.MaxUint64)
	if t == nil || !ok {
		r.fail("bad "+name, v)
		return
	}
	switch {
	case r.dir == 0 && name == "packets":
		r.c.OrigPackets = n
	case r.dir == 0:
		r.c.OrigBytes = n
	case name == "packets":
		r.c.ReplyPackets = n
	default:
		r.c.ReplyBytes = n
	}
	r.f.Attrs |= model.HasCounters
}

// state reads the protocol state. libnetfilter_conntrack prints every
// protocol's state with the TCP names; a fixed version would print the
// protocol's own.
func (r *xmlRecord) state(v []byte) {
	f := &r.f
	s, ok := ctparse.State(model.ProtoTCP, v)
	if !ok {
		s, ok = ctparse.State(f.Proto, v)
	}
	if ok {
		f.SetProtoState(s)
	}
}

// metaElement reads an element of the flow's meta: timeout, mark, zone,
// id, deltatime (seconds since the start) or start (Unix nanoseconds).
func (r *xmlRecord) metaElement(name string, v []byte) {
	f := &r.f
	limit := uint64(math.MaxUint64)
	switch name {
	case "mark", "id":
		limit = math.MaxUint32
	case "zone":
		limit = math.MaxUint16
	}
	n, ok := ctparse.Uint(v, limit)
	if !ok {
		if name != "start" { // an unreadable start is no reason to drop the flow
			r.fail("bad "+name, v)
		}
		return
	}
	switch name {
	case "timeout":
		r.x.timeout, r.x.hasTO = uint32(min(n, math.MaxUint32)), true
	case "mark":
		f.SetMark(uint32(n))
	case "zone":
		z := model.Zone{ID: uint16(n)}
		switch r.dir {
		case 0:
			z.Dir = model.ZoneOrig
		case 1:
			z.Dir = model.ZoneReply
		}
		if !r.x.addZone(f, z) {
			r.fail("a second zone", v)
		}
	case "id":
		f.SetID(uint32(n))
	case "deltatime":
		r.x.delta, r.x.hasDelta = n, true
	case "start":
		r.x.startNs = n
	}
}
