package model

import (
	"bytes"
	"net/netip"
	"strconv"
)

// ServiceCount is a destination service (protocol and port of the original
// direction) and how many flows go to it.
type ServiceCount struct {
	Proto uint8
	Port  uint16
	Flows int
}

// String returns "udp/53".
func (s ServiceCount) String() string { return ProtoName(s.Proto) + "/" + strconv.Itoa(int(s.Port)) }

// SourceCount is a source address (original direction) and how many flows
// it opened.
type SourceCount struct {
	Addr  netip.Addr
	Flows int
}

// Composition describes what a table holds: flows by TCP state and by
// protocol, and the busiest services and sources. The tuning advisor works
// from it.
type Composition struct {
	// Flows is the number of flows.
	Flows int
	// States counts flows by State (the one state model of every
	// protocol), unknown at index StateUnknown.
	States [NumStates]int
	// TCPStates counts TCP flows by TCP state (TCPSynSent...): States'
	// TCP part.
	TCPStates [16]int
	// Protos counts flows by IP protocol.
	Protos map[uint8]int
	// UDPStream counts the UDP flows that are assured, which the kernel
	// keeps for nf_conntrack_udp_timeout_stream rather than
	// nf_conntrack_udp_timeout.
	UDPStream int
	// TopServices and TopSources are the busiest destination services and
	// source addresses, most flows first.
	TopServices []ServiceCount
	TopSources  []SourceCount
	// HeavySources are the source prefixes that hold at least
	// DefaultShare of the flows between them although no one source of
	// theirs may stand out (a distributed flood): see heavySources.
	HeavySources []PrefixCount
	// HalfOpen are the destination services of the half-open TCP flows
	// (SYN_SENT, SYN_SENT2, SYN_RECV), and UnrepliedUDP those of the UDP
	// flows that saw no reply, most flows first: where a flood goes.
	HalfOpen, UnrepliedUDP []ServiceCount
	// Stats is the kernel's statistics of the same moment (Valid if known).
	Stats TableStats
}

// Compose describes t's composition: flows by TCP state and protocol, the
// topN busiest destination services and sources, and the table statistics.
// It walks the table once.
func Compose(t *Table, topN int) Composition {
	c := Composition{Flows: t.Len(), Protos: make(map[uint8]int), Stats: t.Stats()}
	for s := range c.States {
		c.States[s] = t.StateCount(State(s))
	}
	for s := range c.TCPStates {
		c.TCPStates[s] = t.TCPStateCount(uint8(s))
	}
	for p := 0; p < 256; p++ {
		if n := t.ProtoCount(uint8(p)); n > 0 {
			c.Protos[uint8(p)] = n
		}
	}
	srcs := make(map[famAddr]int32)
	svcs := make(map[serviceKey]int32)
	half, unrep := make(map[serviceKey]int32), make(map[serviceKey]int32)
	synSent, synSent2, synRecv := TCPState(TCPSynSent), TCPState(TCPSynSent2), TCPState(TCPSynRecv)
	for slot := int32(0); slot < t.Slots(); slot++ {
		f := t.At(slot)
		if f.Family == 0 {
			continue
		}
		srcs[famAddr{f.Orig.Src, f.Family}]++
		if HasPorts(f.Proto) {
			k := serviceKey{f.Proto, f.Orig.DstPort}
			svcs[k]++
			switch st, _ := f.State(); {
			case st == synSent || st == synSent2 || st == synRecv:
				half[k]++
			case f.Proto == ProtoUDP && st == StateUnreplied:
				unrep[k]++
			}
		}
		if f.Proto == ProtoUDP && f.Status&StatusAssured != 0 {
			c.UDPStream++
		}
	}
	c.TopSources = topSources(srcs, topN)
	c.HeavySources = heavySources(srcs, c.Flows)
	c.TopServices = topServices(svcs, topN)
	c.HalfOpen, c.UnrepliedUDP = topServices(half, topN), topServices(unrep, topN)
	return c
}

type serviceKey struct {
	proto uint8
	port  uint16
}

// SourceTally counts flows by source address. It keeps its map between
// calls, so counting a large table once a second does not churn memory.
// It is not safe for concurrent use.
type SourceTally struct {
	m map[famAddr]int32
}

// famAddr is an address with its flow's family: an IPv4 flow's 192.0.2.1
// and an IPv6 flow's ::ffff:192.0.2.1 have the same bytes but are two
// sources.
type famAddr struct {
	a   Addr
	fam uint8
}

// Top returns the n source addresses of t with the most flows, most first;
// ties go to the lower address, so the result is deterministic. It walks the
// table once: O(flows), plus O(sources * n) at worst for the selection.
func (st *SourceTally) Top(t *Table, n int) []SourceCount {
	if n <= 0 {
		return nil
	}
	if st.m == nil {
		st.m = make(map[famAddr]int32)
	}
	clear(st.m)
	for slot := int32(0); slot < t.Slots(); slot++ {
		if f := t.At(slot); f.Family != 0 {
			st.m[famAddr{f.Orig.Src, f.Family}]++
		}
	}
	return topSources(st.m, n)
}

// TopSources returns the n source addresses of t with the most flows (see
// SourceTally.Top).
func TopSources(t *Table, n int) []SourceCount {
	var st SourceTally
	return st.Top(t, n)
}

// topN keeps the n best of a stream of items in a sorted slice: each item
// costs one comparison once the slice is full and it is not among the best.
func topN[T any](n int, better func(a, b T) bool, each func(yield func(T))) []T {
	out := make([]T, 0, n)
	each(func(v T) {
		if len(out) == n && !better(v, out[n-1]) {
			return
		}
		i := len(out)
		if i == n {
			i--
		} else {
			var zero T
			out = append(out, zero)
		}
		for i > 0 && better(v, out[i-1]) {
			out[i] = out[i-1]
			i--
		}
		out[i] = v
	})
	return out
}

type addrCount struct {
	a famAddr
	n int32
}

func topSources(m map[famAddr]int32, n int) []SourceCount {
	if n <= 0 {
		return nil
	}
	best := topN(n, func(x, y addrCount) bool {
		return x.n > y.n || x.n == y.n && (x.a.fam < y.a.fam || x.a.fam == y.a.fam && bytes.Compare(x.a.a[:], y.a.a[:]) < 0)
	}, func(yield func(addrCount)) {
		for a, c := range m {
			yield(addrCount{a, c})
		}
	})
	out := make([]SourceCount, len(best))
	for i, b := range best {
		out[i] = SourceCount{Addr: b.a.a.In(b.a.fam), Flows: int(b.n)}
	}
	return out
}

type serviceCount struct {
	k serviceKey
	n int32
}

func topServices(m map[serviceKey]int32, n int) []ServiceCount {
	if n <= 0 {
		return nil
	}
	best := topN(n, func(x, y serviceCount) bool {
		if x.n != y.n {
			return x.n > y.n
		}
		if x.k.proto != y.k.proto {
			return x.k.proto < y.k.proto
		}
		return x.k.port < y.k.port
	}, func(yield func(serviceCount)) {
		for k, c := range m {
			yield(serviceCount{k, c})
		}
	})
	out := make([]ServiceCount, len(best))
	for i, b := range best {
		out[i] = ServiceCount{Proto: b.k.proto, Port: b.k.port, Flows: int(b.n)}
	}
	return out
}
