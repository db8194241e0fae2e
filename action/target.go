package action

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/cttop/cttop/model"
)

// ErrInvalid is wrapped by the errors of targets (and of plans of targets)
// that cannot be applied.
var ErrInvalid = errors.New("invalid target")

// Kind says what happens to the packets a Target matches.
type Kind int

const (
	// Drop discards packets from the target's source address before
	// connection tracking sees them, for this host and for traffic it
	// forwards.
	Drop Kind = iota
	// NoTrack exempts the target's packets from connection tracking: those
	// from and to an address, or those to and from a local service.
	NoTrack
	// SynProxy protects a local TCP service from SYN floods: SYNs to its
	// port are answered with SYN cookies by the kernel's SYNPROXY, untracked,
	// and only a client that completes the handshake reaches the service
	// (and the conntrack table).
	SynProxy
)

// String returns "drop", "notrack" or "synproxy".
func (k Kind) String() string {
	switch k {
	case Drop:
		return "drop"
	case NoTrack:
		return "notrack"
	case SynProxy:
		return "synproxy"
	}
	return "action(" + strconv.Itoa(int(k)) + ")"
}

// Target is one address, network or service to drop, untrack or protect.
//
// A source target (Drop or NoTrack) has a valid Addr (a host as /32 or
// /128, or a network) and zero Proto and Port; IPv4-mapped IPv6 prefixes
// count as IPv4. A service target has an invalid Addr, a protocol and the
// local service's port: NoTrack takes a protocol with ports
// (model.ProtoTCP, ProtoUDP, ProtoSCTP, ProtoDCCP, ProtoUDPLite), SynProxy
// takes TCP only.
type Target struct {
	Action Kind
	Addr   netip.Prefix
	Proto  uint8
	Port   uint16
}

// Source returns a target for the address or network p.
func Source(k Kind, p netip.Prefix) Target { return Target{Action: k, Addr: p} }

// Host returns a target for the single address addr.
func Host(k Kind, addr netip.Addr) Target {
	addr = addr.Unmap().WithZone("")
	return Target{Action: k, Addr: netip.PrefixFrom(addr, addr.BitLen())}
}

// Service returns a NoTrack target for the local service proto/port.
func Service(proto uint8, port uint16) Target {
	return Target{Action: NoTrack, Proto: proto, Port: port}
}

// SynProxyService returns a SynProxy target for the local TCP service on
// port.
func SynProxyService(port uint16) Target {
	return Target{Action: SynProxy, Proto: model.ProtoTCP, Port: port}
}

// IsService reports whether t is a service target.
func (t Target) IsService() bool { return !t.Addr.IsValid() }

// String describes the target with the direction of the traffic it
// concerns, so that no one reads a source as a destination: "drop from
// 10.0.0.2" (packets from it are dropped), "notrack from and to
// 10.0.0.0/24" (untracked both ways), "notrack to tcp port 80" and
// "synproxy to tcp port 443" (a local service).
func (t Target) String() string {
	if t.IsService() {
		return t.Action.String() + " to " + model.ProtoName(t.Proto) + " port " + strconv.Itoa(int(t.Port))
	}
	dir := " from "
	if t.Action == NoTrack {
		dir = " from and to "
	}
	return t.Action.String() + dir + PrefixString(t.Addr)
}

// PrefixString formats p, leaving out the length of a single address:
// "10.0.0.2", "10.0.0.0/24".
func PrefixString(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// Normalize checks t and returns it in canonical form: IPv4-mapped prefixes
// unmapped and host bits cleared. Its errors wrap ErrInvalid.
func (t Target) Normalize() (Target, error) {
	invalid := func(why string) (Target, error) {
		return Target{}, fmt.Errorf("%w: %s: %s", ErrInvalid, t, why)
	}
	if t.Action != Drop && t.Action != NoTrack && t.Action != SynProxy {
		return invalid("unknown action")
	}
	if t.IsService() {
		switch {
		case t.Proto == 0 && t.Port == 0:
			return invalid("no address and no service")
		case t.Action == Drop:
			return invalid("only NOTRACK and SYNPROXY work on a service; drop works on source addresses")
		case t.Action == SynProxy && t.Proto != model.ProtoTCP:
			return invalid("SYNPROXY protects TCP services only")
		case !model.HasPorts(t.Proto):
			return invalid("protocol without ports")
		case t.Port == 0:
			return invalid("port 0")
		}
		return t, nil
	}
	if t.Proto != 0 || t.Port != 0 {
		return invalid("give an address or a service, not both")
	}
	if t.Action == SynProxy {
		return invalid("SYNPROXY protects a local TCP service: give tcp and its port, not an address")
	}
	p := t.Addr
	if p.Addr().Is4In6() {
		if p.Bits() < 96 {
			return invalid("IPv4-mapped network shorter than /96")
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	t.Addr = p.Masked()
	return t, nil
}

// Compare orders targets by address (IPv4 first) and prefix length, then
// by protocol and port; it ignores the action.
func Compare(x, y Target) int {
	if c := x.Addr.Addr().Compare(y.Addr.Addr()); c != 0 {
		return c
	}
	if c := x.Addr.Bits() - y.Addr.Bits(); c != 0 {
		return c
	}
	if c := int(x.Proto) - int(y.Proto); c != 0 {
		return c
	}
	return int(x.Port) - int(y.Port)
}

// Entry is one target cttop has applied, as the kernel reports it.
type Entry struct {
	Target Target
	// Timeout is the timeout the entry was added with; 0 means none.
	Timeout time.Duration
	// Expires is the time left before the kernel removes the entry; 0 when
	// it has no timeout.
	Expires time.Duration
	// Counter is what the entry matched since it was added.
	Counter Counter
}

// Counter counts the packets (and their bytes, network header included) an
// entry matched since it was added, as the kernel counts them on the set
// element: for Drop the packets dropped, for NoTrack the packets untracked
// in both directions. Known is false when the kernel keeps no count for
// the entry (its set was made by an older cttop, without counters): the
// counts are unknown then, not zero.
type Counter struct {
	Known   bool
	Packets uint64
	Bytes   uint64
}

// DeleteResult counts what a deletion of flows did: Deleted flows the
// kernel removed, Gone flows it no longer had (ENOENT).
type DeleteResult struct {
	Deleted, Gone int
}

// KernelSelector is a selection the kernel can make by itself (CTA_FILTER
// on a flush): a family, a mark under a mask, a zone, all of which must
// hold. The zero value selects every flow. filter.Filter.KernelSelector
// derives one from a filter expression.
type KernelSelector struct {
	Family         uint8 // model.IPv4, model.IPv6 or 0 for both
	Mark, MarkMask uint32
	HasMark        bool
	Zone           uint16
	HasZone        bool
}
