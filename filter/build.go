package filter

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

// The constructors below build filters from values, so that no caller
// writes filter text to express "these rows" or "these rules' flows". Each
// builds the expression tree directly and writes the text String returns
// beside it; the text parses back to the same filter.

// Key returns the filter of the flows grouped under k: the drill-down from
// a row of the top view ("src host 192.0.2.1", "tcp dst port 80",
// "tcp and state SYN_RECV", "state UNREPLIED", "state unknown", "proto 47").
func Key(k model.GroupKey) *Filter {
	expr, n := keyNode(k)
	return newFilter(expr, n)
}

// AnyOfKeys returns the filter of the flows under any of keys: the flows of
// tagged top-view rows. With no keys it matches no flow.
func AnyOfKeys(keys []model.GroupKey) *Filter { return anyOfEach(keys, keyNode) }

// Targets returns the filter of the flows the rules' targets concern: those
// from a target's address or network ("src net 10.0.0.2/32"), and those to
// a target's service ("tcp dst port 80"). With no targets it matches no
// flow.
func Targets(targets []action.Target) *Filter { return anyOfEach(targets, targetNode) }

// anyOfEach is the filter of the flows any of the items selects, node
// giving each item's text and tree.
func anyOfEach[T any](items []T, node func(T) (string, *filterNode)) *Filter {
	exprs := make([]string, len(items))
	nodes := make([]*filterNode, len(items))
	for i, it := range items {
		exprs[i], nodes[i] = node(it)
	}
	return anyOf(exprs, nodes)
}

// And returns the filter of the flows both a and b match: a drill-down
// that narrows a by b. Its text is "(a) and b"; a nil a (every flow)
// gives b. It fails with an *Error when the text would nest parentheses
// deeper than Parse allows.
func And(a, b *Filter) (*Filter, error) {
	if a.MatchesAll() {
		return b, nil
	}
	if b.MatchesAll() {
		return a, nil
	}
	if depth(a.expr)+1 > maxFilterDepth {
		return nil, &Error{Column: 1, Msg: "more than " + strconv.Itoa(maxFilterDepth) + " nested parentheses"}
	}
	n := &filterNode{kind: nAnd, kids: []*filterNode{a.root, b.root}}
	return newFilter("("+a.expr+") and "+b.expr, n), nil
}

// depth returns how deeply the parentheses of expr nest.
func depth(expr string) int {
	d, deepest := 0, 0
	for i := 0; i < len(expr); i++ {
		switch expr[i] {
		case '(':
			d++
			deepest = max(deepest, d)
		case ')':
			d--
		}
	}
	return deepest
}

// anyOf joins expressions with "or", each in parentheses; with none, it is
// a filter no flow matches.
func anyOf(exprs []string, nodes []*filterNode) *Filter {
	if len(nodes) == 0 {
		// Every flow is IPv4 or IPv6.
		return newFilter("not ip and not ip6", &filterNode{kind: nAnd, kids: []*filterNode{
			negate(protoNode(0, model.IPv4)), negate(protoNode(0, model.IPv6))}})
	}
	for i := range exprs {
		exprs[i] = "(" + exprs[i] + ")"
	}
	return newFilter(strings.Join(exprs, " or "), &filterNode{kind: nOr, kids: nodes})
}

func negate(n *filterNode) *filterNode {
	n.neg = !n.neg
	return n
}

// hostNode tests one end of the original tuple for the address a of
// family fam.
func hostNode(d filterDir, fam uint8, a model.Addr) *filterNode {
	ip := a.In(fam)
	return leafNode(prefixInsn(netip.PrefixFrom(ip, ip.BitLen()), d))
}

// dstPortNode tests the protocol and the original destination port.
func dstPortNode(proto uint8, port uint16) *filterNode {
	return &filterNode{kind: nAnd, kids: []*filterNode{
		protoNode(proto, 0), leafNode(insn{op: opPort, d: dirDst, a: uint64(port)})}}
}

// keyNode returns the text and the tree of Key(k).
func keyNode(k model.GroupKey) (string, *filterNode) {
	switch k.By {
	case model.BySrc, model.ByDst:
		dir, word := dirSrc, "src"
		if k.By == model.ByDst {
			dir, word = dirDst, "dst"
		}
		if k.Bits != 0 {
			return word + " net " + k.Prefix().String(), leafNode(prefixInsn(k.Prefix(), dir))
		}
		return word + " host " + k.Addr.StringIn(k.Family), hostNode(dir, k.Family, k.Addr)
	case model.ByDport:
		if model.HasPorts(k.Proto) {
			return model.ProtoName(k.Proto) + " dst port " + strconv.Itoa(int(k.Port)), dstPortNode(k.Proto, k.Port)
		}
	case model.ByState:
		state := leafNode(insn{op: opState, a: 1 << k.State})
		switch p := k.State.Proto(); {
		case k.State == model.StateUnknown:
			return "state unknown", state
		case p == 0:
			return "state " + k.State.String(), state
		default:
			return model.ProtoName(p) + " and state " + k.State.String(),
				&filterNode{kind: nAnd, kids: []*filterNode{protoNode(p, 0), state}}
		}
	}
	return "proto " + strconv.Itoa(int(k.Proto)), protoNode(k.Proto, 0)
}

// targetNode returns the text and the tree of the flows one target
// concerns.
func targetNode(t action.Target) (string, *filterNode) {
	if t.IsService() {
		return model.ProtoName(t.Proto) + " dst port " + strconv.Itoa(int(t.Port)), dstPortNode(t.Proto, t.Port)
	}
	return "src net " + t.Addr.String(), leafNode(prefixInsn(t.Addr, dirSrc))
}
