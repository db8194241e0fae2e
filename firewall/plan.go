package firewall

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cttop/cttop/model"
)

// ErrInvalid is wrapped by the errors of targets and plans that cannot be
// applied.
var ErrInvalid = errors.New("invalid target")

// ErrTooWide is wrapped (with ErrInvalid) by the error of a plan with a
// network wider than WidestIPv4 or WidestIPv6 bits: 0.0.0.0/0, ::/0 and
// anything close to them are refused outright.
var ErrTooWide = errors.New("network too wide")

// The widest networks a plan may hold, as prefix lengths: an IPv4 network
// needs at least /8, an IPv6 network at least /16. Apply never merges
// networks into a wider one either.
const (
	WidestIPv4 = 8
	WidestIPv6 = 16
)

// ErrOverlap is wrapped by the errors of a network that overlaps another
// entry of the same kind (in the plan, or already applied).
var ErrOverlap = errors.New("overlapping entries")

// Action says what happens to the packets a Target matches.
type Action int

const (
	// Drop discards packets from the target's source address before
	// connection tracking sees them, for this host and for traffic it
	// forwards.
	Drop Action = iota
	// NoTrack exempts the target's packets from connection tracking: those
	// from and to an address, or those to and from a local service.
	NoTrack
)

// String returns "drop" or "notrack".
func (a Action) String() string {
	switch a {
	case Drop:
		return "drop"
	case NoTrack:
		return "notrack"
	}
	return "action(" + strconv.Itoa(int(a)) + ")"
}

// Target is one address, network or service to drop or untrack.
//
// A source target has a valid Addr (a host as /32 or /128, or a network)
// and zero Proto and Port; IPv4-mapped IPv6 prefixes count as IPv4. A
// service target (NoTrack only) has an invalid Addr, a protocol with ports
// (model.ProtoTCP, ProtoUDP, ProtoSCTP, ProtoDCCP, ProtoUDPLite) and the
// local service's port.
type Target struct {
	Action Action
	Addr   netip.Prefix
	Proto  uint8
	Port   uint16
}

// Source returns a target for the address or network p.
func Source(a Action, p netip.Prefix) Target { return Target{Action: a, Addr: p} }

// Host returns a target for the single address addr.
func Host(a Action, addr netip.Addr) Target {
	addr = addr.Unmap().WithZone("")
	return Target{Action: a, Addr: netip.PrefixFrom(addr, addr.BitLen())}
}

// Service returns a NoTrack target for the local service proto/port.
func Service(proto uint8, port uint16) Target {
	return Target{Action: NoTrack, Proto: proto, Port: port}
}

// IsService reports whether t is a service target.
func (t Target) IsService() bool { return !t.Addr.IsValid() }

// String describes the target as "drop 10.0.0.2", "notrack 10.0.0.0/24" or
// "notrack tcp port 80".
func (t Target) String() string {
	if t.IsService() {
		return t.Action.String() + " " + model.ProtoName(t.Proto) + " port " + strconv.Itoa(int(t.Port))
	}
	return t.Action.String() + " " + prefixString(t.Addr)
}

// prefixString formats p, leaving out the length of a single address.
func prefixString(p netip.Prefix) string {
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
	if t.Action != Drop && t.Action != NoTrack {
		return invalid("unknown action")
	}
	if t.IsService() {
		switch {
		case t.Proto == 0 && t.Port == 0:
			return invalid("no address and no service")
		case t.Action != NoTrack:
			return invalid("only NOTRACK works on a service; drop works on source addresses")
		case !serviceProto(t.Proto):
			return invalid("protocol without ports")
		case t.Port == 0:
			return invalid("port 0")
		}
		return t, nil
	}
	if t.Proto != 0 || t.Port != 0 {
		return invalid("give an address or a service, not both")
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

// serviceProto reports whether NOTRACK by service supports proto.
func serviceProto(proto uint8) bool {
	switch proto {
	case model.ProtoTCP, model.ProtoUDP, model.ProtoSCTP, model.ProtoDCCP, model.ProtoUDPLite:
		return true
	}
	return false
}

// set returns the name of the set that holds the target.
func (t Target) set() string {
	switch {
	case t.IsService():
		return SetNoTrackSvc
	case t.Action == Drop && t.Addr.Addr().Is4():
		return SetBlocked4
	case t.Action == Drop:
		return SetBlocked6
	case t.Addr.Addr().Is4():
		return SetNoTrack4
	}
	return SetNoTrack6
}

// Plan is a set of targets to drop or untrack, all with one timeout.
// Duration 0 means no timeout: the entries stay until removed or until the
// host reboots.
type Plan struct {
	Targets  []Target
	Duration time.Duration
}

// Validate reports whether the plan can be applied. Its errors wrap
// ErrInvalid or ErrOverlap.
func (p Plan) Validate() error {
	_, err := p.normalize()
	return err
}

// normalize returns the plan with each target normalized, duplicates
// removed (keeping the first occurrence's position), checked for networks
// that overlap within a set.
func (p Plan) normalize() (Plan, error) {
	switch {
	case len(p.Targets) == 0:
		return Plan{}, fmt.Errorf("%w: empty plan", ErrInvalid)
	case p.Duration < 0:
		return Plan{}, fmt.Errorf("%w: negative duration %v", ErrInvalid, p.Duration)
	case p.Duration%time.Millisecond != 0:
		return Plan{}, fmt.Errorf("%w: duration %v is not whole milliseconds", ErrInvalid, p.Duration)
	}
	out := Plan{Duration: p.Duration, Targets: make([]Target, 0, len(p.Targets))}
	seen := make(map[Target]bool, len(p.Targets))
	for _, t := range p.Targets {
		n, err := t.Normalize()
		if err != nil {
			return Plan{}, err
		}
		if !n.IsService() && n.Addr.Bits() < widest(n.Addr.Addr()) {
			return Plan{}, fmt.Errorf("%w: %w: %s is wider than /%d; cttop refuses networks wider than /%d (IPv4) "+
				"or /%d (IPv6), 0.0.0.0/0 and ::/0 included", ErrInvalid, ErrTooWide, n, widest(n.Addr.Addr()), WidestIPv4, WidestIPv6)
		}
		if !seen[n] {
			seen[n] = true
			out.Targets = append(out.Targets, n)
		}
	}
	if err := overlaps(out.Targets); err != nil {
		return Plan{}, err
	}
	return out, nil
}

// widest returns the shortest prefix length a network of a's family may
// have.
func widest(a netip.Addr) int {
	if a.Is4() {
		return WidestIPv4
	}
	return WidestIPv6
}

// overlaps returns an error wrapping ErrOverlap if two of the distinct,
// normalized targets are networks of one set that overlap.
func overlaps(targets []Target) error {
	sorted := slices.Clone(targets)
	slices.SortFunc(sorted, func(x, y Target) int {
		return cmp.Or(cmp.Compare(x.set(), y.set()), compareTargets(x, y))
	})
	// Sorted by address and then length, a network overlaps a later one
	// only if it contains its address; the widest so far is enough to check.
	var wide Target
	for _, t := range sorted {
		if t.IsService() {
			continue
		}
		if wide.Addr.IsValid() && wide.set() == t.set() && wide.Addr.Contains(t.Addr.Addr()) {
			return fmt.Errorf("%w: %s and %s in one plan", ErrOverlap, t, wide)
		}
		wide = t
	}
	return nil
}

// has reports whether the plan has a target with action a.
func (p Plan) has(a Action) bool {
	for _, t := range p.Targets {
		if t.Action == a {
			return true
		}
	}
	return false
}

// nftDuration formats d as nft writes durations ("1h30m", "45s", "1d").
func nftDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	var b strings.Builder
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}}
	for _, u := range units {
		if n := d / u.d; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10) + u.name)
			d -= n * u.d
		}
	}
	return b.String()
}

// compareTargets orders targets by address (IPv4 first) and length, or by
// protocol and port.
func compareTargets(x, y Target) int {
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
