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

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/model"
)

// ErrTooWide is wrapped (with action.ErrInvalid) by the error of a plan with a
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

// setOf returns the name of the set that holds the target.
func setOf(t action.Target) string {
	switch {
	case t.Action == action.SynProxy:
		return SetSynProxy
	case t.IsService():
		return SetNoTrackSvc
	case t.Action == action.Drop && t.Addr.Addr().Is4():
		return SetBlocked4
	case t.Action == action.Drop:
		return SetBlocked6
	case t.Addr.Addr().Is4():
		return SetNoTrack4
	}
	return SetNoTrack6
}

// Plan is a set of targets to drop, untrack or put under SYNPROXY, all
// with one timeout. Duration 0 means no timeout: the entries stay until
// removed or until the host reboots.
type Plan struct {
	Targets  []action.Target
	Duration time.Duration
	// SynProxy is the TCP options SYNPROXY offers, for a plan with a
	// SynProxy target (SynProxyFacts.Params reads them from the host).
	// They apply to every port under SYNPROXY.
	SynProxy SynProxyParams
}

// Validate reports whether the plan can be applied. Its errors wrap
// action.ErrInvalid or ErrOverlap.
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
		return Plan{}, fmt.Errorf("%w: empty plan", action.ErrInvalid)
	case p.Duration < 0:
		return Plan{}, fmt.Errorf("%w: negative duration %v", action.ErrInvalid, p.Duration)
	case p.Duration%time.Millisecond != 0:
		return Plan{}, fmt.Errorf("%w: duration %v is not whole milliseconds", action.ErrInvalid, p.Duration)
	}
	out := Plan{Duration: p.Duration, SynProxy: p.SynProxy, Targets: make([]action.Target, 0, len(p.Targets))}
	seen := make(map[action.Target]bool, len(p.Targets))
	for _, t := range p.Targets {
		n, err := t.Normalize()
		if err != nil {
			return Plan{}, err
		}
		if !n.IsService() && n.Addr.Bits() < widest(n.Addr.Addr()) {
			return Plan{}, fmt.Errorf("%w: %w: %s is wider than /%d; cttop refuses networks wider than /%d (IPv4) "+
				"or /%d (IPv6), 0.0.0.0/0 and ::/0 included", action.ErrInvalid, ErrTooWide, n, widest(n.Addr.Addr()), WidestIPv4, WidestIPv6)
		}
		if !seen[n] {
			seen[n] = true
			out.Targets = append(out.Targets, n)
		}
	}
	if err := overlaps(out.Targets); err != nil {
		return Plan{}, err
	}
	if err := tcpClash(out.Targets, "in one plan"); err != nil {
		return Plan{}, err
	}
	if out.has(action.SynProxy) {
		if err := out.SynProxy.validate(); err != nil {
			return Plan{}, err
		}
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
func overlaps(targets []action.Target) error {
	sorted := slices.Clone(targets)
	slices.SortFunc(sorted, func(x, y action.Target) int {
		return cmp.Or(cmp.Compare(setOf(x), setOf(y)), action.Compare(x, y))
	})
	// Sorted by address and then length, a network overlaps a later one
	// only if it contains its address; the widest so far is enough to check.
	var wide action.Target
	for _, t := range sorted {
		if t.IsService() {
			continue
		}
		if wide.Addr.IsValid() && setOf(wide) == setOf(t) && wide.Addr.Contains(t.Addr.Addr()) {
			return fmt.Errorf("%w: %s and %s in one plan", ErrOverlap, t, wide)
		}
		wide = t
	}
	return nil
}

// tcpClash returns an error wrapping ErrOverlap if a TCP port is both
// untracked (NoTrack) and under SYNPROXY among targets: SYNPROXY takes
// every untracked packet to its ports for a handshake, so the service's
// established traffic would be cut. What names where the other is
// ("in one plan", "already applied").
func tcpClash(targets []action.Target, what string) error {
	kinds := map[uint16]action.Kind{}
	for _, t := range targets {
		if !t.IsService() || t.Proto != model.ProtoTCP {
			continue
		}
		if k, ok := kinds[t.Port]; ok && k != t.Action {
			return fmt.Errorf("%w: tcp port %d cannot be both untracked and under SYNPROXY (%s): "+
				"SYNPROXY would take its untracked traffic for handshakes", ErrOverlap, t.Port, what)
		}
		kinds[t.Port] = t.Action
	}
	return nil
}

// has reports whether the plan has a target with action a.
func (p Plan) has(a action.Kind) bool {
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
