package format

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cttop/cttop/model"
)

// Proto names a flow's protocol in the narrow PROTO column: as conntrack
// -L does (model.ProtoName), but icmp6 for ICMPv6.
func Proto(p uint8) string {
	if p == model.ProtoICMPv6 {
		return "icmp6"
	}
	return model.ProtoName(p)
}

// State writes what the STATE column shows: the flow's state in the one
// state model (model.State: the protocol's for TCP, SCTP and DCCP, else
// UNREPLIED or REPLIED; ASSURED is a flag), "-" when unknown (offloaded
// flows).
func State(f *model.Flow) string {
	if s, ok := f.State(); ok {
		return s.String()
	}
	return "-"
}

// FlowTTL writes the flow's TTL at Unix time now (TTL), "-" when its
// timeout is unknown (offloaded flows).
func FlowTTL(f *model.Flow, now uint32) string {
	if t, ok := f.TTL(now); ok {
		return Duration(int64(t))
	}
	return "-"
}

// Mark writes the flow's mark in decimal, "-" when unknown.
func Mark(f *model.Flow) string {
	if v, ok := f.Mark(); ok {
		return strconv.FormatUint(uint64(v), 10)
	}
	return "-"
}

// Zone writes the flow's zone for a ZONE column: "7", or "7 orig" and
// "9 reply" for a zone of one direction (the other is in zone 0); "-"
// when unknown.
func Zone(f *model.Flow) string {
	z, ok := f.Zone()
	switch {
	case !ok:
		return "-"
	case z.ID != 0 && z.Dir != model.ZoneBoth:
		return strconv.Itoa(int(z.ID)) + " " + z.Dir.String()
	}
	return strconv.Itoa(int(z.ID))
}

// ZoneLong writes the flow's zone for the detail pane, saying which
// direction a zone of one direction applies to; "unknown" when unknown.
func ZoneLong(f *model.Flow) string {
	z, ok := f.Zone()
	switch {
	case !ok:
		return "unknown"
	case z.ID != 0 && z.Dir == model.ZoneOrig:
		return strconv.Itoa(int(z.ID)) + " in the original direction only (zone-orig), 0 in the reply"
	case z.ID != 0 && z.Dir == model.ZoneReply:
		return strconv.Itoa(int(z.ID)) + " in the reply direction only (zone-reply), 0 in the original"
	}
	return strconv.Itoa(int(z.ID))
}

// MarkLong writes the mark in decimal and hexadecimal, "unknown" when
// unknown.
func MarkLong(f *model.Flow) string {
	if v, ok := f.Mark(); ok {
		return fmt.Sprintf("%d (0x%x)", v, v)
	}
	return "unknown"
}

// ID writes the kernel's conntrack ID, "unknown" when unknown.
func ID(f *model.Flow) string {
	if id, ok := f.ID(); ok {
		return strconv.FormatUint(uint64(id), 10)
	}
	return "unknown"
}

// ExtLines are the detail pane's lines of a flow's helper, labels and
// security context, each as a label and a value: "none" when the source
// said there is none, "unknown" when it did not say. x is the flow's Ext.
func ExtLines(f *model.Flow, x *model.Ext) [][2]string {
	val := func(v string, ok bool) string {
		switch {
		case !ok:
			return "unknown"
		case v == "":
			return "none"
		}
		return Printable(v)
	}
	h, hok := f.Helper(x)
	sc, sok := f.Secctx(x)
	return [][2]string{{"helper", val(h, hok)}, {"labels", val(Labels(f, x))}, {"secctx", val(sc, sok)}}
}

// Labels writes a flow's conntrack labels: their names as conntrack -L -o
// labels prints them, and the bits set ("bits 0 5"); "" for none, and
// ok false when unknown.
func Labels(f *model.Flow, x *model.Ext) (string, bool) {
	l, names, ok := f.Labels(x)
	if !ok {
		return "", false
	}
	var parts []string
	if names != "" {
		parts = append(parts, names)
	}
	if b := l.Bits(); len(b) > 0 {
		parts = append(parts, "bits "+strings.Trim(fmt.Sprint(b), "[]"))
	}
	return strings.Join(parts, "; "), true
}

// Timeout writes the flow's timeout at Unix time now, for the detail pane:
// "4m59s left when last reported"; "unknown", and why for an offloaded
// flow.
func Timeout(f *model.Flow, now uint32) string {
	t, ok := f.TTL(now)
	switch {
	case ok:
		return Duration(int64(t)) + " left when last reported"
	case f.Status&(model.StatusOffload|model.StatusHWOffload) != 0:
		return "unknown: offloaded to a flowtable, the kernel reports no timeout"
	}
	return "unknown"
}

// Age writes how long the flow has existed at Unix time now, from its
// start timestamp (the kernel's or the file's), for the detail pane; when
// that is unknown, "unknown" and, live, how long cttop has seen the flow,
// which is not its age (info says where the flows come from).
func Age(f *model.Flow, now uint32, info model.SourceInfo) string {
	if a, ok := f.Age(now); ok {
		return Duration(int64(a)) + " (start timestamp)"
	}
	if info.Kind == "replay" {
		return "unknown (the saved table gives no start)"
	}
	seen := ""
	if fs, ok := f.FirstSeen(); ok && fs <= now {
		seen = "; cttop has seen it for " + Duration(int64(now-fs))
	}
	return "unknown (nf_conntrack_timestamp=1 gives the start" + seen + ")"
}

// Counters writes a flow's counters per direction for the detail pane, or
// why there are none (info says whether the kernel counts at all, and
// whether the flows come from a saved table).
func Counters(f *model.Flow, c model.Counters, info model.SourceInfo) string {
	if f.Attrs&model.HasCounters == 0 {
		switch {
		case info.Kind == "replay" && !info.AcctKnown:
			return "unknown (the saved table's format has no counters)"
		case info.Kind == "replay" && info.Acct:
			return "not in the saved table (its host did not count this flow)"
		case info.Kind == "replay":
			return "not in the saved table (its host counted none: net.netfilter.nf_conntrack_acct=0)"
		case info.AcctKnown && !info.Acct:
			return "not counted (net.netfilter.nf_conntrack_acct=0)"
		}
		return "not known yet (counters come with dumps)"
	}
	return fmt.Sprintf("original %s packets, %s bytes; reply %s packets, %s bytes",
		Commas(c.OrigPackets), Commas(c.OrigBytes), Commas(c.ReplyPackets), Commas(c.ReplyBytes))
}

// CountOrDash writes a flow's byte or packet count n (Count), or "-" when
// the flow has no counters.
func CountOrDash(f *model.Flow, n uint64) string {
	if f.Attrs&model.HasCounters == 0 {
		return "-"
	}
	return Count(n)
}
