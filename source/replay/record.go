package replay

import (
	"math"

	"github.com/cttop/cttop/model"
)

// recordExtras are the parts of a record that are not model.Flow fields
// but decide some of them.
type recordExtras struct {
	unreplied bool
	timeout   uint32
	hasTO     bool
	delta     uint64 // seconds since the flow started (delta-time)
	hasDelta  bool
	cttopAge  bool   // delta is cttop's "age", maybe not from a kernel timestamp
	startNs   uint64 // absolute start, Unix nanoseconds (XML timestamp)
	statusSet bool   // Flow.Status came from the file (JSON): trust it
	// ext holds the helper, labels and security context the record gave;
	// hasLabels says it gave labels (the file then says every flow's).
	ext       model.Ext
	hasLabels bool
	zoned     bool // a zone was read: a second must complete it
	// offloadIfNoTimeout: the format gives every flow's timeout but an
	// offloaded one's (the kernel sends none for those), so a record
	// without one is offloaded even where the format has no flag for it.
	offloadIfNoTimeout bool
	// names keeps the strings of helpers, contexts and labels read, so a
	// million flows of one helper make one string (the parser's own, kept
	// across records).
	names *names
}

// names interns short strings read from a file.
type names map[string]string

// name returns b as a string, allocating only the first time.
func (n *names) name(b []byte) string {
	if s, ok := (*n)[string(b)]; ok {
		return s
	}
	s := string(b)
	if *n == nil {
		*n = make(names)
	}
	if len(*n) < 4096 {
		(*n)[s] = s
	}
	return s
}

// addZone sets a zone the record gave: the kernel keeps one zone per flow,
// for both directions (zone=) or one (zone-orig=, zone-reply=); both
// directions given the same ID are the zone of both. A second zone of
// another ID is no flow the kernel can hold.
func (x *recordExtras) addZone(f *model.Flow, z model.Zone) bool {
	if !x.zoned {
		x.zoned = true
		f.SetZone(z)
		return true
	}
	old, _ := f.Zone()
	switch {
	case old == z || z.ID == 0 && z.Dir != model.ZoneBoth:
		return true // zone-reply=0 says the other direction is in the default zone
	case old.ID == 0 && old.Dir == model.ZoneBoth:
		f.SetZone(z)
		return true
	case old.ID == z.ID && old.Dir != z.Dir && old.Dir != model.ZoneBoth && z.Dir != model.ZoneBoth:
		f.SetZone(model.Zone{ID: z.ID})
		return true
	}
	return false
}

// finishFlow derives what the formats leave implicit: the status bits, the
// expiry from the timeout and the start time from the age (delta-time, which
// conntrack and /proc print from the kernel's start timestamp). The load
// time stands for the capture time, so a flow shows the TTL and age it had
// when it was saved.
func finishFlow(f *model.Flow, x *recordExtras, now uint32) {
	if !x.statusSet && !x.unreplied {
		f.Status |= model.StatusSeenReply
	}
	f.Status |= model.StatusConfirmed
	f.Status |= natStatus(f)
	if x.hasTO {
		f.SetExpires(addSat(now, uint64(x.timeout)))
	} else if x.offloadIfNoTimeout {
		f.Status |= model.StatusOffload
	}
	switch {
	case x.cttopAge:
		// An age cttop wrote may be its own observation, not a start.
	case x.hasDelta:
		if x.delta < uint64(now) {
			f.SetStart(now - uint32(x.delta))
		}
	case x.startNs != 0:
		if s := x.startNs / 1e9; s <= math.MaxUint32 {
			f.SetStart(uint32(s))
		}
	}
}

func addSat(a uint32, b uint64) uint32 {
	if s := uint64(a) + b; s < math.MaxUint32 {
		return uint32(s)
	}
	return math.MaxUint32
}

// natStatus returns the NAT bits the tuples imply: the reply comes from
// somewhere else than the original went (DNAT), or goes to somewhere else
// than the original came from (SNAT). For ICMP the reply's type differs by
// design, so only addresses and the id count; protocols without ports
// compare addresses only.
func natStatus(f *model.Flow) model.Status {
	o, r := &f.Orig, &f.Reply
	var s model.Status
	switch {
	case model.HasPorts(f.Proto):
		if r.Src != o.Dst || r.SrcPort != o.DstPort {
			s |= model.StatusDstNAT
		}
		if r.Dst != o.Src || r.DstPort != o.SrcPort {
			s |= model.StatusSrcNAT
		}
	case model.IsICMP(f.Proto):
		if r.Src != o.Dst {
			s |= model.StatusDstNAT
		}
		if r.Dst != o.Src || r.SrcPort != o.SrcPort {
			s |= model.StatusSrcNAT
		}
	default:
		if r.Src != o.Dst {
			s |= model.StatusDstNAT
		}
		if r.Dst != o.Src {
			s |= model.StatusSrcNAT
		}
	}
	return s
}
