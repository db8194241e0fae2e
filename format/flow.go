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

// State writes what the STATE column shows: the protocol state, else
// UNREPLIED, ASSURED or REPLIED for protocols without states.
func State(f *model.Flow) string {
	if s := f.StateName(); s != "" {
		return s
	}
	switch {
	case f.Status&model.StatusSeenReply == 0:
		return "UNREPLIED"
	case f.Status&model.StatusAssured != 0:
		return "ASSURED"
	}
	return "REPLIED"
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
	if f.Attrs&model.HasTimeout == 0 {
		return "unknown"
	}
	return TTL(f.TTL(now)) + " left (as last reported by the kernel)"
}

// Age writes how long the flow has existed at Unix time now and where that
// comes from, for the detail pane; "unknown" if nothing says.
func Age(f *model.Flow, now uint32) string {
	if f.FirstSeen == 0 || f.FirstSeen > now {
		return "unknown"
	}
	if f.Attrs&model.HasStart != 0 {
		return TTL(now-f.FirstSeen) + " (kernel timestamp)"
	}
	return TTL(now-f.FirstSeen) + " (since cttop first saw it; nf_conntrack_timestamp=1 gives the real start)"
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
