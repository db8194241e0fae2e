package filter

import (
	"strconv"
	"strings"

	"github.com/cttop/cttop/model"
)

// maxFilterDepth is how deeply parentheses may nest in a filter expression.
// It bounds the parser's recursion, so no input can exhaust the stack.
const maxFilterDepth = 100

// nodeKind is the kind of a node of the parsed expression.
type nodeKind uint8

const (
	nLeaf nodeKind = iota
	nAnd
	nOr
)

// filterNode is a node of the parsed expression: a primitive test (leaf) or a
// conjunction or disjunction of its kids, negated if neg.
type filterNode struct {
	kind nodeKind
	neg  bool
	kids []*filterNode
	test insn
}

func leafNode(in insn) *filterNode { return &filterNode{kind: nLeaf, test: in} }

// joinNodes combines a and b into an n-ary node of kind k, flattening children
// of the same kind so long chains stay one level deep.
func joinNodes(k nodeKind, a, b *filterNode) *filterNode {
	n := a
	if a.kind != k || a.neg {
		n = &filterNode{kind: k, kids: []*filterNode{a}}
	}
	if b.kind == k && !b.neg {
		n.kids = append(n.kids, b.kids...)
	} else {
		n.kids = append(n.kids, b)
	}
	return n
}

// valueKind is the kind of value a qualified primitive takes.
type valueKind uint8

const (
	valNone valueKind = iota
	valAddr           // host, net
	valPort           // port, portrange
)

// qual is the qualifier list of an address or port primitive, remembered
// so that a bare value after it repeats it, as in tcpdump.
type qual struct {
	kind      valueKind
	d         filterDir
	proto     uint8
	fam       uint8
	protoText string
}

type filterParser struct {
	src   string
	tok   filterToken // the lookahead
	depth int
	last  qual
}

// parseFilter parses src into an expression tree; nil if src is blank.
func parseFilter(src string) (*filterNode, error) {
	p := &filterParser{src: src}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, nil
	}
	n, err := p.parseOr("")
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.junk()
	}
	return n, nil
}

// junk reports the token after a complete expression.
func (p *filterParser) junk() error {
	t := p.tok
	switch {
	case t.kind == tRParen && p.depth == 0:
		return p.errAt(t.off, `unmatched ")"`)
	case p.depth > 0:
		return p.errAt(t.off, `expected "and", "or" or ")" before `+quoteWord(t.text))
	}
	return p.errAt(t.off, `expected "and" or "or" before `+quoteWord(t.text))
}

func (p *filterParser) parseOr(prev string) (*filterNode, error) {
	n, err := p.parseAnd(prev)
	for err == nil && p.tok.kind == tOr {
		op := p.tok.text
		if err = p.advance(); err != nil {
			break
		}
		var k *filterNode
		if k, err = p.parseAnd(op); err == nil {
			n = joinNodes(nOr, n, k)
		}
	}
	return n, err
}

func (p *filterParser) parseAnd(prev string) (*filterNode, error) {
	n, err := p.parseUnary(prev)
	for err == nil && p.tok.kind == tAnd {
		op := p.tok.text
		if err = p.advance(); err != nil {
			break
		}
		var k *filterNode
		if k, err = p.parseUnary(op); err == nil {
			n = joinNodes(nAnd, n, k)
		}
	}
	return n, err
}

// parseUnary parses a primary after any number of negations, without
// recursing per negation.
func (p *filterParser) parseUnary(prev string) (*filterNode, error) {
	neg := false
	for p.tok.kind == tNot {
		neg = !neg
		prev = p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	n, err := p.parsePrimary(prev)
	if err != nil {
		return nil, err
	}
	n.neg = n.neg != neg
	return n, nil
}

func (p *filterParser) parsePrimary(prev string) (*filterNode, error) {
	t := p.tok
	switch t.kind {
	case tWord:
		return p.parsePrimitive()
	case tLParen:
		if p.depth >= maxFilterDepth {
			return nil, p.errAt(t.off, "more than "+strconv.Itoa(maxFilterDepth)+" nested parentheses")
		}
		p.depth++
		p.last = qual{}
		if err := p.advance(); err != nil {
			return nil, err
		}
		n, err := p.parseOr("(")
		if err != nil {
			return nil, err
		}
		switch p.tok.kind {
		case tEOF:
			return nil, p.errAt(t.off, `unclosed "("`)
		case tRParen:
		default:
			return nil, p.junk()
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		p.depth--
		p.last = qual{}
		return n, nil
	case tRParen:
		if p.depth == 0 {
			return nil, p.errAt(t.off, `unmatched ")"`)
		}
	}
	if prev == "" {
		return nil, p.errAt(t.off, "expected an expression before "+quoteWord(t.text))
	}
	return nil, p.errAt(t.off, "expected an expression after "+quoteWord(prev))
}

// protoWord recognises the words for protocols and address families.
func protoWord(w string) (proto, fam uint8, ok bool) {
	switch w {
	case "ip", "ip4", "ipv4":
		return 0, model.IPv4, true
	case "ip6", "ipv6":
		return 0, model.IPv6, true
	}
	pr, ok := model.ProtoByName(w)
	return pr, 0, ok
}

func isValueKeyword(w string) bool {
	switch w {
	case "src", "dst", "host", "net", "port", "portrange", "sport", "dport":
		return true
	}
	return false
}

// statusWord recognises the conntrack status words; neg means the word
// matches when none of the bits is set.
func statusWord(w string) (bits model.Status, neg, ok bool) {
	switch w {
	case "assured":
		return model.StatusAssured, false, true
	case "unreplied":
		return model.StatusSeenReply, true, true
	case "snat":
		return model.StatusSrcNAT, false, true
	case "dnat":
		return model.StatusDstNAT, false, true
	case "nat":
		return model.StatusSrcNAT | model.StatusDstNAT, false, true
	case "dying":
		return model.StatusDying, false, true
	case "offload":
		return model.StatusOffload | model.StatusHWOffload, false, true
	case "hw_offload":
		return model.StatusHWOffload, false, true
	case "expected":
		return model.StatusExpected, false, true
	case "confirmed":
		return model.StatusConfirmed, false, true
	case "seq_adjust":
		return model.StatusSeqAdjust, false, true
	case "fixed_timeout":
		return model.StatusFixedTimeout, false, true
	case "template":
		return model.StatusTemplate, false, true
	case "untracked":
		return model.StatusUntracked, false, true
	}
	return 0, false, false
}

func protoNode(proto, fam uint8) *filterNode {
	if fam != 0 {
		return leafNode(insn{op: opFamily, a: uint64(fam)})
	}
	return leafNode(insn{op: opProto, a: uint64(proto)})
}

// parsePrimitive parses the primitive starting at the current word.
func (p *filterParser) parsePrimitive() (*filterNode, error) {
	t := p.tok
	w := strings.ToLower(t.text)
	if pr, fam, ok := protoWord(w); ok {
		next, err := p.lex(t.end)
		if err != nil || next.kind != tWord || !isValueKeyword(strings.ToLower(next.text)) {
			p.last = qual{}
			return protoNode(pr, fam), p.advance()
		}
		// A qualifier: "tcp port 80", "ip6 net 2001:db8::/32".
		if err := p.advance(); err != nil {
			return nil, err
		}
		return p.parseQualified(qual{proto: pr, fam: fam, protoText: t.text})
	}
	if b, neg, ok := statusWord(w); ok {
		p.last = qual{}
		n := leafNode(insn{op: opStatus, a: uint64(b)})
		n.neg = neg
		return n, p.advance()
	}
	zoneDir := uint64(zoneAny)
	switch w {
	case "orig", "original", "reply":
		// "orig zone N", "reply zone N": the zone of one direction.
		zoneDir = zoneOrig
		if w == "reply" {
			zoneDir = zoneReply
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !strings.EqualFold(p.tok.text, "zone") || p.tok.kind != tWord {
			return nil, p.errAt(p.tok.off, `expected "zone" after `+quoteWord(t.text))
		}
		t = p.tok
		w = "zone"
	}
	switch w {
	case "state", "mark", "zone", "proto", "helper", "label":
		return p.parseAttribute(t, w, zoneDir)
	}
	if isValueKeyword(w) {
		return p.parseQualified(qual{})
	}
	return p.parseBare(t)
}

// parseAttribute parses "state S", "mark M[/MASK]", "zone N" (of the
// direction zoneDir), "proto P", "helper H" or "label L": the keyword t
// (w in lower case) is the current word, its value the next.
func (p *filterParser) parseAttribute(t filterToken, w string, zoneDir uint64) (*filterNode, error) {
	p.last = qual{}
	if err := p.advance(); err != nil {
		return nil, err
	}
	v := p.tok
	var in insn
	var err error
	switch w {
	case "state":
		in, err = p.stateValue(t.text, v)
	case "mark":
		in, err = p.markValue(t.text, v)
	case "zone":
		in, err = p.zoneValue(t.text, v, zoneDir)
	case "helper":
		in, err = p.helperValue(t.text, v)
	case "label":
		in, err = p.labelValue(t.text, v)
	default:
		in, err = p.protoValue(t.text, v)
	}
	if err != nil {
		return nil, err
	}
	return leafNode(in), p.advance()
}

// parseBare parses a bare value, the current word t: a port, port range,
// address or network, qualified as the last primitive was when it is of
// the same kind.
func (p *filterParser) parseBare(t filterToken) (*filterNode, error) {
	sh := shapeOf(t.text)
	if sh == shapeNone {
		return nil, p.errAt(t.off, "unknown word "+quoteWord(t.text))
	}
	q := qual{d: dirAny, kind: sh.kind()}
	if p.last.kind == q.kind {
		q = p.last // tcpdump's abbreviation: "src host A or B"
	}
	n, err := p.value(q, sh, t)
	if err != nil {
		return nil, err
	}
	p.last = q
	return n, p.advance()
}

// parseQualified parses [src|dst|src or dst|src and dst] [host|net|port|
// portrange] VALUE, after any protocol qualifier (in q), at the current word.
func (p *filterParser) parseQualified(q qual) (*filterNode, error) {
	if w := strings.ToLower(p.tok.text); w == "src" || w == "dst" {
		dirText, err := p.parseDir(&q)
		if err != nil {
			return nil, err
		}
		t := p.tok
		if w := strings.ToLower(t.text); t.kind != tWord || !isValueKeyword(w) || w == "src" || w == "dst" {
			sh := shapeNone
			if t.kind == tWord {
				sh = shapeOf(t.text)
			}
			if sh == shapeNone {
				return nil, p.errAt(t.off, `expected "host", "net", "port" or "portrange" after `+quoteWord(dirText))
			}
			// "src 10.0.0.1", "dst 443": the value's shape gives the type.
			q.kind = sh.kind()
			n, err := p.value(q, sh, t)
			if err != nil {
				return nil, err
			}
			p.last = q
			return n, p.advance()
		}
	}
	kw := p.tok.text
	// sport and dport are the words of the SPORT and DPORT columns, --sort
	// and --group (and nft's): "dport 443" is tcpdump's "dst port 443".
	if w := strings.ToLower(kw); w == "sport" || w == "dport" {
		if q.d != dirAny {
			return nil, p.errAt(p.tok.off, quoteWord(kw)+" says its direction: write "+quoteWord(w)+" alone, or \"port\" after src or dst")
		}
		q.d = dirSrc
		if w == "dport" {
			q.d = dirDst
		}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	v := p.tok
	sh := shapeNone
	if v.kind == tWord {
		sh = shapeOf(v.text)
	}
	var want string
	switch strings.ToLower(kw) {
	case "host":
		q.kind, want = valAddr, "an address"
		if sh == shapeNet {
			sh = shapeNone
		}
	case "net":
		q.kind, want = valAddr, "a network like 10.0.0.0/8"
	case "port", "sport", "dport":
		q.kind, want = valPort, "a port number"
	default: // portrange
		q.kind, want = valPort, "a port range like 1024-65535"
	}
	if sh == shapeNone || sh.kind() != q.kind {
		return nil, p.errAt(v.off, "expected "+want+" after "+quoteWord(kw))
	}
	var n *filterNode
	var err error
	if sh == shapeAddr && strings.EqualFold(kw, "net") {
		n, err = p.netValue(q, v)
	} else {
		n, err = p.value(q, sh, v)
	}
	if err != nil {
		return nil, err
	}
	p.last = q
	return n, p.advance()
}

// parseDir parses "src", "dst", "src or dst" or "src and dst" (in either
// order) into q.d and returns the last word, for messages.
func (p *filterParser) parseDir(q *qual) (string, error) {
	t := p.tok
	other := "dst"
	q.d = dirSrc
	if strings.EqualFold(t.text, "dst") {
		q.d, other = dirDst, "src"
	}
	if err := p.advance(); err != nil {
		return "", err
	}
	op := p.tok
	if op.kind != tAnd && op.kind != tOr {
		return t.text, nil
	}
	next, err := p.lex(op.end)
	if err != nil || next.kind != tWord || !strings.EqualFold(next.text, other) {
		return t.text, nil
	}
	q.d = dirSrcOrDst
	if op.kind == tAnd {
		q.d = dirSrcAndDst
	}
	p.tok = next
	return next.text, p.advance()
}
