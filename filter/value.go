package filter

import (
	"math/bits"
	"net/netip"
	"strconv"
	"strings"

	"github.com/cttop/cttop/model"
)

// wordShape is what a value looks like.
type wordShape uint8

const (
	shapeNone  wordShape = iota
	shapePort            // 80
	shapeRange           // 1024-65535
	shapeAddr            // 10.0.0.1, 2001:db8::1
	shapeNet             // 10.0.0.0/8, 2001:db8::/32
)

func (s wordShape) kind() valueKind {
	if s == shapePort || s == shapeRange {
		return valPort
	}
	return valAddr
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// shapeOf classifies a word by its shape only; the value itself is
// checked by the caller, so "10.0.0.300" is a (bad) address.
func shapeOf(s string) wordShape {
	if allDigits(s) {
		return shapePort
	}
	if a, b, ok := strings.Cut(s, "-"); ok && allDigits(a) && allDigits(b) {
		return shapeRange
	}
	if strings.Contains(s, "/") {
		return shapeNet
	}
	if strings.Contains(s, ":") {
		return shapeAddr
	}
	if strings.Contains(s, ".") && strings.Trim(s, "0123456789.") == "" {
		return shapeAddr
	}
	return shapeNone
}

// parseDecimal parses a string of digits, saturating instead of overflowing.
func parseDecimal(s string) uint64 {
	var n uint64
	for i := 0; i < len(s); i++ {
		d := uint64(s[i] - '0')
		if n > (1<<64-1-d)/10 {
			return 1<<64 - 1
		}
		n = n*10 + d
	}
	return n
}

// parseNumber parses a decimal or 0x-prefixed hexadecimal number, saturating.
func parseNumber(s string) (uint64, bool) {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		var n uint64
		for i := 2; i < len(s); i++ {
			c := s[i]
			var d uint64
			switch {
			case '0' <= c && c <= '9':
				d = uint64(c - '0')
			case 'a' <= c && c <= 'f':
				d = uint64(c-'a') + 10
			case 'A' <= c && c <= 'F':
				d = uint64(c-'A') + 10
			default:
				return 0, false
			}
			if n > (1<<64-1)>>4 {
				n = 1<<64 - 1
				continue
			}
			n = n<<4 | d
		}
		return n, true
	}
	if !allDigits(s) {
		return 0, false
	}
	return parseDecimal(s), true
}

// value builds the primitive for the value v of shape sh under qualifiers q.
func (p *filterParser) value(q qual, sh wordShape, v filterToken) (*filterNode, error) {
	var in insn
	switch sh {
	case shapePort, shapeRange:
		lo, hi, err := p.portValue(v)
		if err != nil {
			return nil, err
		}
		if q.proto != 0 && !model.HasPorts(q.proto) {
			return nil, p.errAt(v.off, quoteWord(q.protoText)+" has no ports")
		}
		in = insn{op: opPort, d: q.d, a: uint64(lo), b: uint64(hi - lo)}
	case shapeAddr, shapeNet:
		pfx, err := p.prefixValue(sh, v)
		if err != nil {
			return nil, err
		}
		in = prefixInsn(pfx, q.d)
		if q.fam != 0 && q.fam != in.fam {
			return nil, p.errAt(v.off, quoteWord(v.text)+" is not an "+familyLabel(q.fam)+" address")
		}
	}
	return qualify(q, leafNode(in)), nil
}

func familyLabel(fam uint8) string {
	if fam == model.IPv6 {
		return "IPv6"
	}
	return "IPv4"
}

// qualify adds q's protocol or family qualifier (never both) to the leaf
// n; an address test needs no family, it has its own.
func qualify(q qual, n *filterNode) *filterNode {
	switch {
	case q.proto != 0:
		return joinNodes(nAnd, protoNode(q.proto, 0), n)
	case q.fam != 0 && n.test.op == opPort:
		return joinNodes(nAnd, protoNode(0, q.fam), n)
	}
	return n
}

// netValue parses the address after "net": a network of one address, or
// with "mask M" after it (IPv4 only), the network of that netmask.
func (p *filterParser) netValue(q qual, v filterToken) (*filterNode, error) {
	m, err := p.lex(v.end)
	if err != nil || m.kind != tWord || !strings.EqualFold(m.text, "mask") {
		return p.value(q, shapeAddr, v)
	}
	a, err := p.addrValue(v)
	if err != nil {
		return nil, err
	}
	p.tok = m
	if err := p.advance(); err != nil {
		return nil, err
	}
	mt := p.tok
	ma, merr := netip.ParseAddr(mt.text)
	if mt.kind != tWord || merr != nil || !ma.Is4() || !a.Is4() {
		return nil, p.errAt(mt.off, "expected a netmask like 255.255.255.0 after "+quoteWord(m.text))
	}
	b := ma.As4()
	mask := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	ones := bits.OnesCount32(mask)
	if mask != ^uint32(0)<<(32-ones) {
		return nil, p.errAt(mt.off, "netmask "+shortenWord(mt.text)+" is not contiguous")
	}
	in := prefixInsn(netip.PrefixFrom(a, ones).Masked(), q.d)
	if q.fam != 0 && q.fam != in.fam {
		return nil, p.errAt(v.off, quoteWord(v.text)+" is not an "+familyLabel(q.fam)+" address")
	}
	return qualify(q, leafNode(in)), nil
}

func (p *filterParser) addrValue(v filterToken) (netip.Addr, error) {
	a, err := netip.ParseAddr(v.text)
	if err != nil {
		return netip.Addr{}, p.errAt(v.off, "invalid address "+quoteWord(v.text))
	}
	if a.Zone() != "" {
		return netip.Addr{}, p.errAt(v.off, "invalid address "+quoteWord(v.text)+" (zones are not supported)")
	}
	return a, nil
}

// prefixValue parses an address (a prefix of full length) or a network.
// Host bits of a network are ignored: 10.1.2.3/8 is 10.0.0.0/8.
func (p *filterParser) prefixValue(sh wordShape, v filterToken) (netip.Prefix, error) {
	if sh == shapeAddr {
		a, err := p.addrValue(v)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	as, bs, _ := strings.Cut(v.text, "/")
	a, err := netip.ParseAddr(as)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, p.errAt(v.off, "invalid network "+quoteWord(v.text))
	}
	if !allDigits(bs) || parseDecimal(bs) > uint64(a.BitLen()) {
		return netip.Prefix{}, p.errAt(v.off, "invalid network "+quoteWord(v.text)+
			" (prefix length must be 0-"+strconv.Itoa(a.BitLen())+")")
	}
	return netip.PrefixFrom(a, int(parseDecimal(bs))).Masked(), nil
}

// portValue parses "N" or "A-B".
func (p *filterParser) portValue(v filterToken) (lo, hi uint16, err error) {
	as, bs, isRange := strings.Cut(v.text, "-")
	a := parseDecimal(as)
	b := a
	if isRange {
		b = parseDecimal(bs)
	}
	if a > 65535 {
		return 0, 0, p.errAt(v.off, "port "+shortenWord(as)+" is greater than 65535")
	}
	if b > 65535 {
		return 0, 0, p.errAt(v.off, "port "+shortenWord(bs)+" is greater than 65535")
	}
	if a > b {
		return 0, 0, p.errAt(v.off, "port range "+shortenWord(v.text)+" is empty (start after end)")
	}
	return uint16(a), uint16(b), nil
}

// stateValue parses a state name of the one state model (model.State):
// a TCP, SCTP or DCCP state (a name two protocols share matches both),
// UNREPLIED or REPLIED (protocols without states), or "unknown".
func (p *filterParser) stateValue(kw string, v filterToken) (insn, error) {
	if v.kind != tWord {
		return insn{}, p.errAt(v.off, "expected a state name after "+quoteWord(kw))
	}
	name := strings.ReplaceAll(v.text, "-", "_")
	in := insn{op: opState}
	if strings.EqualFold(name, "unknown") {
		in.a = 1 << model.StateUnknown
		return in, nil
	}
	for _, s := range model.ParseState(0, name) {
		in.a |= 1 << s
	}
	if in.a == 0 {
		hint := ""
		if strings.EqualFold(name, "assured") {
			hint = `ASSURED is a flag: write "assured"; `
		}
		return insn{}, p.errAt(v.off, "unknown state "+quoteWord(v.text)+" ("+hint+"TCP states: "+
			tcpStates()+"; SCTP and DCCP state names, UNREPLIED, REPLIED and unknown work too)")
	}
	return in, nil
}

// tcpStates lists the TCP state names: "NONE, SYN_SENT, ...".
func tcpStates() string {
	var names []string
	for s := model.TCPNone; s <= model.TCPSynSent2; s++ {
		names = append(names, model.StateName(model.ProtoTCP, s))
	}
	return strings.Join(names, ", ")
}

func (p *filterParser) markValue(kw string, v filterToken) (insn, error) {
	vs, ms, masked := strings.Cut(v.text, "/")
	val, ok1 := parseNumber(vs)
	mask, ok2 := uint64(1<<32-1), true
	if masked {
		mask, ok2 = parseNumber(ms)
	}
	if v.kind != tWord || !ok1 || !ok2 {
		return insn{}, p.errAt(v.off, "expected a mark like 0x10 or 0x10/0xff after "+quoteWord(kw))
	}
	if val > 1<<32-1 || mask > 1<<32-1 {
		return insn{}, p.errAt(v.off, "mark "+shortenWord(v.text)+" does not fit in 32 bits")
	}
	return insn{op: opMark, a: val & mask, b: mask}, nil
}

// zoneValue parses the zone number of "zone N" (dir zoneAny), "orig zone
// N" or "reply zone N".
func (p *filterParser) zoneValue(kw string, v filterToken, dir uint64) (insn, error) {
	z, ok := parseNumber(v.text)
	if v.kind != tWord || !ok {
		return insn{}, p.errAt(v.off, "expected a zone number after "+quoteWord(kw))
	}
	if z > 65535 {
		return insn{}, p.errAt(v.off, "zone "+shortenWord(v.text)+" is greater than 65535")
	}
	return insn{op: opZone, a: z, b: dir}, nil
}

// helperValue parses the helper name of "helper NAME" (ftp, sip, tftp...).
func (p *filterParser) helperValue(kw string, v filterToken) (insn, error) {
	if v.kind != tWord || shapeOf(v.text) != shapeNone {
		return insn{}, p.errAt(v.off, "expected a helper name such as ftp after "+quoteWord(kw))
	}
	return insn{op: opHelper, s: strings.ToLower(v.text)}, nil
}

// labelValue parses the label of "label NAME" or "label N" (0-127).
func (p *filterParser) labelValue(kw string, v filterToken) (insn, error) {
	if v.kind != tWord {
		return insn{}, p.errAt(v.off, "expected a label name or number after "+quoteWord(kw))
	}
	if allDigits(v.text) {
		n := parseDecimal(v.text)
		if n > 127 {
			return insn{}, p.errAt(v.off, "label "+shortenWord(v.text)+" is greater than 127")
		}
		return insn{op: opLabel, s: strconv.Itoa(int(n))}, nil
	}
	return insn{op: opLabel, s: v.text}, nil
}

func (p *filterParser) protoValue(kw string, v filterToken) (insn, error) {
	if v.kind != tWord {
		return insn{}, p.errAt(v.off, "expected a protocol number or name after "+quoteWord(kw))
	}
	if allDigits(v.text) {
		n := parseDecimal(v.text)
		if n > 255 {
			return insn{}, p.errAt(v.off, "protocol "+shortenWord(v.text)+" is greater than 255")
		}
		return insn{op: opProto, a: n}, nil
	}
	pr, ok := model.ProtoByName(strings.ToLower(v.text))
	if !ok {
		return insn{}, p.errAt(v.off, "unknown protocol "+quoteWord(v.text))
	}
	return insn{op: opProto, a: uint64(pr)}, nil
}
