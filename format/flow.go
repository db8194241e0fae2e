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

// Endpoint writes an address and port unambiguously: 192.0.2.1:80,
// [2001:db8::1]:80; without a port for protocols that have none.
func Endpoint(a model.Addr, port uint16, proto uint8) string {
	s := a.String()
	if !model.HasPorts(proto) {
		return s
	}
	if !a.Is4() {
		s = "[" + s + "]"
	}
	return s + ":" + strconv.Itoa(int(port))
}

// Port writes a port of a protocol with ports, else "-".
func Port(p uint16, proto uint8) string {
	if model.HasPorts(proto) {
		return strconv.Itoa(int(p))
	}
	return "-"
}

// SrcPort writes the original source port (SPORT): "-" for protocols
// without ports.
func SrcPort(f *model.Flow) string { return Port(f.Orig.SrcPort, f.Proto) }

// DstPort writes the original destination port (DPORT), or an ICMP
// flow's type/code ("8/0") where other protocols have a port.
func DstPort(f *model.Flow) string {
	if model.IsICMP(f.Proto) {
		return strconv.Itoa(int(f.Orig.ICMPType())) + "/" + strconv.Itoa(int(f.Orig.ICMPCode()))
	}
	return Port(f.Orig.DstPort, f.Proto)
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
		return TTL(t)
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
// security context, each as a label and a value: when the flow has one,
// or when it is unknown (the source did not say). x is the flow's Ext.
func ExtLines(f *model.Flow, x *model.Ext) [][2]string {
	var out [][2]string
	if h, ok := f.Helper(x); !ok {
		out = append(out, [2]string{"helper", "unknown"})
	} else if h != "" {
		out = append(out, [2]string{"helper", h})
	}
	if l, names, ok := f.Labels(x); !ok {
		out = append(out, [2]string{"labels", "unknown"})
	} else if !l.IsZero() || names != "" {
		var parts []string
		if names != "" {
			parts = append(parts, names)
		}
		if b := l.Bits(); len(b) > 0 {
			parts = append(parts, "bits "+strings.Trim(fmt.Sprint(b), "[]"))
		}
		out = append(out, [2]string{"labels", strings.Join(parts, "; ")})
	}
	if sc, ok := f.Secctx(x); !ok {
		out = append(out, [2]string{"secctx", "unknown"})
	} else if sc != "" {
		out = append(out, [2]string{"secctx", sc})
	}
	return out
}

// Translated says which ends of f the kernel rewrites: the destination
// (DNAT: the reply comes from elsewhere) and the source (SNAT: the reply
// goes elsewhere), ports included where the protocol has them.
func Translated(f *model.Flow) (dst, src bool) {
	ports := model.HasPorts(f.Proto)
	dst = f.Reply.Src != f.Orig.Dst || (ports && f.Reply.SrcPort != f.Orig.DstPort)
	src = f.Reply.Dst != f.Orig.Src || (ports && f.Reply.DstPort != f.Orig.SrcPort)
	return dst, src
}

// NAT writes a NATed flow's translation in one cell, the address the
// kernel rewrote and what it became: "dst→192.0.2.10:8080 src→…"; "" if
// the flow is not NATed.
func NAT(f *model.Flow) string {
	if !f.NATed() {
		return ""
	}
	var parts []string
	dst, src := Translated(f)
	if dst {
		parts = append(parts, "dst→"+Endpoint(f.Reply.Src, f.Reply.SrcPort, f.Proto))
	}
	if src {
		parts = append(parts, "src→"+Endpoint(f.Reply.Dst, f.Reply.DstPort, f.Proto))
	}
	return strings.Join(parts, " ")
}

// NATLines spells out what the kernel rewrites, in words, a line a
// rewrite: "destination A is translated to B (DNAT)".
func NATLines(f *model.Flow) []string {
	var out []string
	dst, src := Translated(f)
	if dst {
		out = append(out, fmt.Sprintf("destination %s is translated to %s (DNAT)",
			Endpoint(f.Orig.Dst, f.Orig.DstPort, f.Proto), Endpoint(f.Reply.Src, f.Reply.SrcPort, f.Proto)))
	}
	if src {
		out = append(out, fmt.Sprintf("source %s is translated to %s (SNAT)",
			Endpoint(f.Orig.Src, f.Orig.SrcPort, f.Proto), Endpoint(f.Reply.Dst, f.Reply.DstPort, f.Proto)))
	}
	if model.IsICMP(f.Proto) && f.Reply.SrcPort != f.Orig.SrcPort {
		out = append(out, fmt.Sprintf("ICMP id %d is translated to %d", f.Orig.SrcPort, f.Reply.SrcPort))
	}
	return out
}

// Timeout writes the flow's timeout at Unix time now, for the detail pane:
// "4m59s left (as last reported by the kernel)", or "unknown".
func Timeout(f *model.Flow, now uint32) string {
	t, ok := f.TTL(now)
	if !ok {
		return "unknown"
	}
	return TTL(t) + " left (as last reported by the kernel)"
}

// Age writes how long the flow has existed at Unix time now, from its
// start timestamp (the kernel's or the file's), for the detail pane; when
// that is unknown, "unknown" and how long cttop has seen the flow, which is
// not its age.
func Age(f *model.Flow, now uint32) string {
	if a, ok := f.Age(now); ok {
		return TTL(a) + " (start timestamp)"
	}
	seen := ""
	if fs, ok := f.FirstSeen(); ok && fs <= now {
		seen = "; cttop has seen it for " + TTL(now-fs)
	}
	return "unknown (nf_conntrack_timestamp=1 gives the start" + seen + ")"
}

// Counters writes a flow's counters per direction for the detail pane, or
// why there are none (info says whether the kernel counts at all).
func Counters(f *model.Flow, c model.Counters, info model.SourceInfo) string {
	if f.Attrs&model.HasCounters == 0 {
		if info.AcctKnown && !info.Acct {
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
