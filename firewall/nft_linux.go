package firewall

import (
	"bytes"
	"net/netip"
	"slices"
	"time"

	"github.com/cttop/cttop/action"
	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// This file turns the layout (layout.go) into netlink objects and set
// elements back into targets. The expressions are those nft generates for
// the statements of the layout, so `nft list table inet cttop` prints the
// same rules whether Apply or `nft -f` (Plan.NFT) installed them.

// Registers as nft uses them: a 128-bit register for an address or the
// first field of a concatenation, the next 32-bit register for its second.
const (
	reg1    = unix.NFT_REG_1
	reg32_1 = unix.NFT_REG32_01
)

func cttopTable() *nftables.Table {
	return &nftables.Table{Family: nftables.TableFamilyINet, Name: TableName}
}

// nftSet returns the set of the layout; id is its ID inside one batch.
func (s setSpec) nftSet(t *nftables.Table, id uint32) *nftables.Set {
	set := &nftables.Set{
		Table: t, ID: id, Name: s.name, HasTimeout: true, Interval: s.interval, Counter: s.counter,
		KeyByteOrder: binaryutil.BigEndian,
	}
	switch s.key {
	case "ipv4_addr":
		set.KeyType = nftables.TypeIPAddr
	case "ipv6_addr":
		set.KeyType = nftables.TypeIP6Addr
	case "inet_service":
		set.KeyType = nftables.TypeInetService
	default:
		set.KeyType, _ = nftables.ConcatSetType(nftables.TypeInetProto, nftables.TypeInetService)
	}
	return set
}

// nftChain returns the base chain of the layout.
func (c chainSpec) nftChain(t *nftables.Table) *nftables.Chain {
	hook := map[string]*nftables.ChainHook{
		"prerouting": nftables.ChainHookPrerouting, "output": nftables.ChainHookOutput, "input": nftables.ChainHookInput,
	}[c.hook]
	accept := nftables.ChainPolicyAccept
	return &nftables.Chain{
		Table: t, Name: c.name, Type: nftables.ChainTypeFilter, Hooknum: hook,
		Priority: nftables.ChainPriorityRef(nftables.ChainPriority(c.priority)), Policy: &accept,
	}
}

// exprs returns the rule's expressions, those nft makes of its statement
// (nft --debug=netlink shows them); set is the set it looks up.
func (r ruleSpec) exprs(set *nftables.Set) []expr.Any {
	var e []expr.Any
	if r.family != 0 && r.match != matchSaddr && r.match != matchDaddr {
		e = append(e, nfproto(r.family)...)
	}
	switch r.match {
	case matchSaddr, matchDaddr:
		// In the inet family the network header may be either: check first.
		off, n := uint32(12), uint32(4)
		if r.family == 6 {
			off, n = 8, 16
		}
		if r.match == matchDaddr {
			off += n
		}
		e = append(e, nfproto(r.family)...)
		e = append(e, &expr.Payload{DestRegister: reg1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: n})
	case matchSvcDport, matchSvcSport:
		off := uint32(2) // th dport
		if r.match == matchSvcSport {
			off = 0
		}
		e = append(e,
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: reg1},
			&expr.Payload{DestRegister: reg32_1, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: 2},
		)
	case matchSYNDport:
		e = append(e, isTCP()...)
		e = append(e,
			&expr.Payload{DestRegister: reg1, Base: expr.PayloadBaseTransportHeader, Offset: 13, Len: 1},
			&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 1, Mask: []byte{tcpFIN | tcpSYN | tcpRST | tcpACK}, Xor: []byte{0}},
			&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{tcpSYN}},
		)
		e = append(e, tcpDport())
	case matchProxyPort, matchBadPort:
		state := uint32(expr.CtStateBitINVALID)
		if r.match == matchProxyPort {
			state |= expr.CtStateBitUNTRACKED
		}
		e = append(e,
			&expr.Ct{Register: reg1, Key: expr.CtKeySTATE},
			&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4,
				Mask: binaryutil.NativeEndian.PutUint32(state), Xor: make([]byte, 4)},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: make([]byte, 4)},
		)
		e = append(e, isTCP()...)
		e = append(e, tcpDport())
	}
	e = append(e, &expr.Lookup{SourceRegister: reg1, SetName: set.Name, SetID: set.ID})
	switch r.verdict {
	case verdictNoTrack:
		return append(e, &expr.Notrack{})
	case verdictSynProxy:
		return append(e, &expr.SynProxy{
			Mss: r.proxy.mss(r.family), MssValueSet: true,
			Wscale: r.proxy.WScale, WscaleValueSet: r.proxy.WindowScaling,
			Timestamp: r.proxy.Timestamp, SackPerm: r.proxy.SACKPerm,
		})
	}
	return append(e, &expr.Verdict{Kind: expr.VerdictDrop})
}

// TCP flags in the header's 14th byte.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

// nfproto returns the check that the packet is of family 4 or 6.
func nfproto(family uint8) []expr.Any {
	p := byte(unix.NFPROTO_IPV4)
	if family == 6 {
		p = unix.NFPROTO_IPV6
	}
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: reg1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{p}},
	}
}

// isTCP returns the check that the packet is TCP.
func isTCP() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: reg1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{unix.IPPROTO_TCP}},
	}
}

// tcpDport loads the TCP destination port.
func tcpDport() expr.Any {
	return &expr.Payload{DestRegister: reg1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2}
}

// elements returns the set elements of the normalized target t. An address
// or network is an interval: its first address, and the address after its
// last flagged as the interval's end (none when the network reaches the end
// of the address space). The timeout goes on the first element only.
func elements(t action.Target, timeout time.Duration) []nftables.SetElement {
	switch {
	case t.Action == action.SynProxy:
		return []nftables.SetElement{{Key: []byte{byte(t.Port >> 8), byte(t.Port)}, Timeout: timeout}}
	case t.IsService():
		key := []byte{t.Proto, 0, 0, 0, byte(t.Port >> 8), byte(t.Port), 0, 0}
		return []nftables.SetElement{{Key: key, Timeout: timeout}}
	}
	el := []nftables.SetElement{{Key: t.Addr.Addr().AsSlice(), Timeout: timeout}}
	if end := lastAddr(t.Addr).Next(); end.IsValid() {
		el = append(el, nftables.SetElement{Key: end.AsSlice(), IntervalEnd: true})
	}
	return el
}

// entries turns the elements of the layout's set s back into entries of
// action a (Drop for the blocked sets, NoTrack for the others).
func entries(s setSpec, a action.Kind, elems []nftables.SetElement) []action.Entry {
	if !s.interval {
		var out []action.Entry
		for _, e := range elems {
			var t action.Target
			switch {
			case s.key == "inet_service" && len(e.Key) >= 2:
				t = action.SynProxyService(uint16(e.Key[0])<<8 | uint16(e.Key[1]))
			case s.key != "inet_service" && len(e.Key) == 8:
				t = action.Service(e.Key[0], uint16(e.Key[4])<<8|uint16(e.Key[5]))
			default:
				continue
			}
			out = append(out, action.Entry{Target: t, Timeout: e.Timeout, Expires: e.Expires, Counter: counterOf(e)})
		}
		return out
	}
	// The kernel dumps intervals in no promised order: sort by address,
	// an interval's end before another's start at the same address.
	elems = slices.Clone(elems)
	slices.SortStableFunc(elems, func(x, y nftables.SetElement) int {
		if c := bytes.Compare(x.Key, y.Key); c != 0 {
			return c
		}
		switch {
		case x.IntervalEnd == y.IntervalEnd:
			return 0
		case x.IntervalEnd:
			return -1
		}
		return 1
	})
	var out []action.Entry
	for i, e := range elems {
		start, ok := netip.AddrFromSlice(e.Key)
		if !ok || e.IntervalEnd {
			continue
		}
		// An interval reaches up to the next element (its end, normally),
		// or else to the end of the address space.
		last := lastAddr(netip.PrefixFrom(start, 0))
		if i+1 < len(elems) {
			if next, ok := netip.AddrFromSlice(elems[i+1].Key); ok && next.BitLen() == start.BitLen() {
				last = next.Prev()
			}
		}
		// A range added by hand may need several prefixes: each has the
		// range's timeout, but its own share of the count is unknown.
		ps := rangePrefixes(start, last)
		c := counterOf(e)
		if len(ps) > 1 {
			c = action.Counter{}
		}
		for _, p := range ps {
			out = append(out, action.Entry{Target: action.Source(a, p), Timeout: e.Timeout, Expires: e.Expires, Counter: c})
		}
	}
	return out
}

// counterOf returns the element's counter; unknown if it has none.
func counterOf(e nftables.SetElement) action.Counter {
	if e.Counter == nil {
		return action.Counter{}
	}
	return action.Counter{Known: true, Packets: e.Counter.Packets, Bytes: e.Counter.Bytes}
}
