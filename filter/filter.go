package filter

import (
	"encoding/binary"
	"net/netip"
	"strings"

	"github.com/cttop/cttop/model"
)

// Filter is a compiled filter expression (see docs/filter.md for the
// language); it implements model.Matcher. A Filter is immutable once made
// (by Parse or a constructor such as AnyOfKeys), so one may be shared by
// goroutines.
//
// A nil *Filter, like the zero Filter, matches every flow.
type Filter struct {
	expr string
	root *filterNode // the expression tree, for combining filters
	prog []insn
}

// newFilter compiles the tree n, whose text is expr.
func newFilter(expr string, n *filterNode) *Filter {
	return &Filter{expr: expr, root: n, prog: compileFilter(n)}
}

// Parse compiles a filter expression such as
// "dst port 443 and not src net 10.0.0.0/8". An empty or blank expression
// means "no filter": Parse returns a nil *Filter and a nil error, so
// clearing the filter is parsing the empty prompt. (Hand List.SetFilter an
// untyped nil then: a nil *Filter in a Matcher works, but costs a call per
// flow.) A syntax error is a *Error, which gives the column.
func Parse(expr string) (*Filter, error) {
	n, err := parseFilter(expr)
	if err != nil || n == nil {
		return nil, err
	}
	return newFilter(strings.Trim(expr, " \t\n\r\v\f"), n), nil
}

// String returns the expression as given to Parse without surrounding
// blanks, or as a constructor wrote it; "" for a nil Filter. It parses back
// to an equivalent Filter.
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	return f.expr
}

// MatchesAll reports whether f selects every flow: f is nil or empty. List
// and Groups skip the calls to Match then.
func (f *Filter) MatchesAll() bool { return f == nil || len(f.prog) == 0 }

// Match reports whether the flow fl, whose rare attributes are x (nil when
// it has none), matches; a nil Filter matches every flow. A test of a value
// the flow's source did not give (a mark, a zone, a state, a helper...)
// never holds: unknown is not zero. It does not allocate.
func (f *Filter) Match(fl *model.Flow, x *model.Ext) bool {
	if f == nil || len(f.prog) == 0 {
		return true
	}
	prog := f.prog
	pc := int32(0)
	for pc >= 0 {
		in := &prog[pc]
		if in.test(fl, x) {
			pc = in.yes
		} else {
			pc = in.no
		}
	}
	return pc == progAccept
}

// opcode is the test an instruction makes.
type opcode uint8

const (
	opProto   opcode = iota // Proto == a
	opFamily                // Family == a
	opStatus                // Status&a != 0
	opMark                  // mark known and mark&b == a
	opZone                  // zone known and the zone of direction b (zoneAny, zoneOrig, zoneReply) is a
	opState                 // the bit of the flow's State (StateUnknown included) is set in a
	opHelper                // helper known and named s
	opLabel                 // labels known and label s (a name or number) set
	opAddr                  // Family == fam and an address (per d) in prefix (a, b) under mask (c, m)
	opPort                  // protocol with ports and a port (per d) in [a, a+b]
	opAddrSet               // Family == fam and an address (per d) in one of set's prefixes
)

// filterDir says which addresses or ports of a flow an address or port test looks at.
type filterDir uint8

const (
	dirAny       filterDir = iota // either end of the original or the reply tuple
	dirSrc                        // the original source
	dirDst                        // the original destination
	dirSrcOrDst                   // either end of the original tuple
	dirSrcAndDst                  // both ends of the original tuple
)

// Jump targets beyond the program.
const (
	progAccept int32 = -1
	progReject int32 = -2
)

// insn is one instruction of a compiled filter: a test, and where to go
// next if it holds (yes) or not (no). Targets only go forward, so every
// run ends.
type insn struct {
	a, b, c, m uint64
	s          string   // opHelper, opLabel
	set        *addrSet // opAddrSet
	yes, no    int32
	op         opcode
	d          filterDir
	fam        uint8
}

// Zone directions of opZone (in b).
const (
	zoneAny   = iota // either direction
	zoneOrig         // the original direction
	zoneReply        // the reply direction
)

// test reports whether flow f, of rare attributes x, passes the
// instruction's test.
func (in *insn) test(f *model.Flow, x *model.Ext) bool {
	switch in.op {
	case opProto:
		return uint64(f.Proto) == in.a
	case opFamily:
		return uint64(f.Family) == in.a
	case opStatus:
		return uint64(f.Status)&in.a != 0
	case opMark:
		m, ok := f.Mark()
		return ok && uint64(m)&in.b == in.a
	case opZone:
		z, ok := f.Zone()
		switch {
		case !ok:
			return false
		case in.b == zoneOrig:
			return uint64(z.Orig()) == in.a
		case in.b == zoneReply:
			return uint64(z.Reply()) == in.a
		}
		return uint64(z.Orig()) == in.a || uint64(z.Reply()) == in.a
	case opState:
		s, _ := f.State()
		return in.a>>s&1 != 0
	case opHelper:
		h, ok := f.Helper(x)
		return ok && h != "" && strings.EqualFold(h, in.s)
	case opLabel:
		_, _, ok := f.Labels(x)
		return ok && x.HasLabel(in.s)
	case opAddr:
		if f.Family != in.fam {
			return false
		}
		switch in.d {
		case dirSrc:
			return in.inPrefix(&f.Orig.Src)
		case dirDst:
			return in.inPrefix(&f.Orig.Dst)
		case dirSrcOrDst:
			return in.inPrefix(&f.Orig.Src) || in.inPrefix(&f.Orig.Dst)
		case dirSrcAndDst:
			return in.inPrefix(&f.Orig.Src) && in.inPrefix(&f.Orig.Dst)
		}
		return in.inPrefix(&f.Orig.Src) || in.inPrefix(&f.Orig.Dst) ||
			in.inPrefix(&f.Reply.Src) || in.inPrefix(&f.Reply.Dst)
	case opAddrSet:
		return in.testSet(f)
	case opPort:
		if !model.HasPorts(f.Proto) {
			return false
		}
		switch in.d {
		case dirSrc:
			return in.inRange(f.Orig.SrcPort)
		case dirDst:
			return in.inRange(f.Orig.DstPort)
		case dirSrcOrDst:
			return in.inRange(f.Orig.SrcPort) || in.inRange(f.Orig.DstPort)
		case dirSrcAndDst:
			return in.inRange(f.Orig.SrcPort) && in.inRange(f.Orig.DstPort)
		}
		return in.inRange(f.Orig.SrcPort) || in.inRange(f.Orig.DstPort) ||
			in.inRange(f.Reply.SrcPort) || in.inRange(f.Reply.DstPort)
	}
	return false
}

// inPrefix compares the address as two 64-bit words; the prefix and mask
// were loaded the same (little-endian) way, so no byte swap is needed.
func (in *insn) inPrefix(a *model.Addr) bool {
	return binary.LittleEndian.Uint64(a[:8])&in.c == in.a &&
		binary.LittleEndian.Uint64(a[8:])&in.m == in.b
}

func (in *insn) inRange(p uint16) bool { return uint64(p)-in.a <= in.b }

// prefixInsn returns the address test for pfx. An IPv4 prefix is matched
// against IPv4 flows' IPv4-mapped addresses; any other, including an
// IPv4-mapped IPv6 one (::ffff:0:0/96), against IPv6 flows only.
func prefixInsn(pfx netip.Prefix, d filterDir) insn {
	a := pfx.Addr()
	in := insn{op: opAddr, d: d, fam: model.IPv6}
	n := pfx.Bits()
	if a.Is4() {
		in.fam = model.IPv4
		n += 96
	}
	var mask [16]byte
	for i := range mask {
		switch {
		case n >= 8:
			mask[i] = 0xff
			n -= 8
		case n > 0:
			mask[i] = byte(0xff << (8 - n))
			n = 0
		}
	}
	b := a.As16()
	in.c = binary.LittleEndian.Uint64(mask[:8])
	in.m = binary.LittleEndian.Uint64(mask[8:])
	in.a = binary.LittleEndian.Uint64(b[:8]) & in.c
	in.b = binary.LittleEndian.Uint64(b[8:]) & in.m
	return in
}

// compileFilter turns an expression tree into a program of tests with
// short-circuit jumps, as BPF does: a negation costs nothing (it swaps
// targets), and the program starts at instruction 0.
func compileFilter(n *filterNode) []insn {
	var prog []insn
	emitFilter(&prog, gatherAddrSets(n), progAccept, progReject)
	return compileFilterProg(prog)
}

// compileFilterProg puts the instructions emitFilter appended in program
// order.
func compileFilterProg(prog []insn) []insn {
	// Emission runs backwards (a node needs its successors' addresses), so
	// the entry is the last instruction. Reverse: entry first, jumps forward.
	last := int32(len(prog) - 1)
	for i, j := 0, len(prog)-1; i < j; i, j = i+1, j-1 {
		prog[i], prog[j] = prog[j], prog[i]
	}
	for i := range prog {
		if prog[i].yes >= 0 {
			prog[i].yes = last - prog[i].yes
		}
		if prog[i].no >= 0 {
			prog[i].no = last - prog[i].no
		}
	}
	return prog
}

// emitFilter appends the code of n, which continues at yes if n holds and at no
// otherwise, and returns the index of its first instruction.
func emitFilter(prog *[]insn, n *filterNode, yes, no int32) int32 {
	if n.neg {
		yes, no = no, yes
	}
	switch n.kind {
	case nAnd:
		for i := len(n.kids) - 1; i >= 0; i-- {
			yes = emitFilter(prog, n.kids[i], yes, no)
		}
		return yes
	case nOr:
		for i := len(n.kids) - 1; i >= 0; i-- {
			no = emitFilter(prog, n.kids[i], yes, no)
		}
		return no
	}
	in := n.test
	in.yes, in.no = yes, no
	*prog = append(*prog, in)
	return int32(len(*prog) - 1)
}
