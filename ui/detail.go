package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cttop/cttop/model"
)

// renderDetail is the detail pane of the selected flow: both tuples with
// the NAT translation spelled out, flags, state, timeout, age, mark, zone,
// counters, kernel ID. It follows the flow live.
func (m *Model) renderDetail(w int) []string {
	s := &m.styles
	slot := m.table.Find(m.sel)
	if slot < 0 {
		return []string{"", s.Warn.Render("  This flow has ended."), s.Dim.Render("  esc closes")}
	}
	f := m.table.At(slot)
	c := m.table.CountersAt(slot)
	now := m.table.Now()
	label := func(l string) string { return s.Dim.Render(pad(l, 11)) }
	ep := func(a model.Addr, p uint16) string { return endpoint(a, p, f.Proto) }
	state := f.StateName()
	if state == "" {
		state = "-"
	}
	lines := []string{
		s.Title.Render(fmt.Sprintf("Flow %d", f.ID)) + "  " + model.ProtoName(f.Proto) + " (" + model.FamilyName(f.Family) + ")  " + s.Bold.Render(state),
		"",
		label("original") + ep(f.Orig.Src, f.Orig.SrcPort) + "  →  " + ep(f.Orig.Dst, f.Orig.DstPort),
		label("reply") + ep(f.Reply.Src, f.Reply.SrcPort) + "  →  " + ep(f.Reply.Dst, f.Reply.DstPort),
	}
	for _, n := range natLines(f) {
		lines = append(lines, label("NAT")+s.NAT.Render(n))
	}
	if !f.NATed() {
		lines = append(lines, label("NAT")+"none (the reply is the original reversed)")
	}
	if model.IsICMP(f.Proto) {
		lines = append(lines, label("ICMP")+fmt.Sprintf("type %d code %d id %d", f.Orig.ICMPType(), f.Orig.ICMPCode(), f.Orig.SrcPort))
	}
	lines = append(lines,
		label("status")+strings.Join(f.Status.Names(), " "),
		label("timeout")+timeoutText(f, now),
		label("age")+ageText(f, now),
		label("mark")+fmt.Sprintf("%d (0x%x)", f.Mark, f.Mark),
		label("zone")+strconv.Itoa(int(f.Zone)),
		label("counters")+countersText(f, c, m.table.Info()),
		label("kernel id")+strconv.FormatUint(uint64(f.ID), 10),
		"",
		s.Dim.Render("esc closes"),
	)
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	return append([]string{""}, lines...)
}

// natLines spells out what the kernel rewrites, in words.
func natLines(f *model.Flow) []string {
	var out []string
	dst, src := translated(f)
	if dst {
		out = append(out, fmt.Sprintf("destination %s is translated to %s (DNAT)",
			endpoint(f.Orig.Dst, f.Orig.DstPort, f.Proto), endpoint(f.Reply.Src, f.Reply.SrcPort, f.Proto)))
	}
	if src {
		out = append(out, fmt.Sprintf("source %s is translated to %s (SNAT)",
			endpoint(f.Orig.Src, f.Orig.SrcPort, f.Proto), endpoint(f.Reply.Dst, f.Reply.DstPort, f.Proto)))
	}
	if model.IsICMP(f.Proto) && f.Reply.SrcPort != f.Orig.SrcPort {
		out = append(out, fmt.Sprintf("ICMP id %d is translated to %d", f.Orig.SrcPort, f.Reply.SrcPort))
	}
	return out
}

func timeoutText(f *model.Flow, now uint32) string {
	if f.Attrs&model.HasTimeout == 0 {
		return "unknown"
	}
	return ttl(f.TTL(now)) + " left (as last reported by the kernel)"
}

func ageText(f *model.Flow, now uint32) string {
	if f.FirstSeen == 0 || f.FirstSeen > now {
		return "unknown"
	}
	if f.Attrs&model.HasStart != 0 {
		return ttl(now-f.FirstSeen) + " (kernel timestamp)"
	}
	return ttl(now-f.FirstSeen) + " (since cttop first saw it; nf_conntrack_timestamp=1 gives the real start)"
}

func countersText(f *model.Flow, c model.Counters, info model.SourceInfo) string {
	if f.Attrs&model.HasCounters == 0 {
		if info.AcctKnown && !info.Acct {
			return "not counted (net.netfilter.nf_conntrack_acct=0)"
		}
		return "not known yet (counters come with dumps)"
	}
	return fmt.Sprintf("original %s packets, %s bytes; reply %s packets, %s bytes",
		commas(c.OrigPackets), commas(c.OrigBytes), commas(c.ReplyPackets), commas(c.ReplyBytes))
}
