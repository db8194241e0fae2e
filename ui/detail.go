package ui

import (
	"fmt"
	"strings"

	"github.com/cttop/cttop/format"
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
	c, _ := m.table.CountersAt(slot)
	now := m.table.Now()
	label := func(l string) string { return s.Dim.Render(pad(l, 11)) }
	ep := func(a model.Addr, p uint16) string { return format.Endpoint(a, p, f.Proto) }
	state := format.State(f)
	title := "Flow"
	if id, ok := f.ID(); ok {
		title = fmt.Sprintf("Flow %d", id)
	}
	lines := []string{
		s.Title.Render(title) + "  " + model.ProtoName(f.Proto) + " (" + model.FamilyName(f.Family) + ")  " + s.Bold.Render(state),
		"",
		label("original") + ep(f.Orig.Src, f.Orig.SrcPort) + "  " + s.Glyphs.arrow + "  " + ep(f.Orig.Dst, f.Orig.DstPort),
		label("reply") + ep(f.Reply.Src, f.Reply.SrcPort) + "  " + s.Glyphs.arrow + "  " + ep(f.Reply.Dst, f.Reply.DstPort),
	}
	for _, n := range format.NATLines(f) {
		lines = append(lines, label("NAT")+s.NAT.Render(s.Glyphs.text(n)))
	}
	if !f.NATed() {
		lines = append(lines, label("NAT")+"none (the reply is the original reversed)")
	}
	if model.IsICMP(f.Proto) {
		lines = append(lines, label("ICMP")+fmt.Sprintf("type %d code %d id %d", f.Orig.ICMPType(), f.Orig.ICMPCode(), f.Orig.SrcPort))
	}
	lines = append(lines,
		label("status")+strings.Join(f.Status.Names(), " "),
		label("timeout")+format.Timeout(f, now),
		label("age")+format.Age(f, now),
		label("mark")+format.MarkLong(f),
		label("zone")+format.ZoneLong(f),
		label("counters")+format.Counters(f, c, m.table.Info()),
		label("kernel id")+format.ID(f),
	)
	for _, l := range format.ExtLines(f, m.table.ExtAt(slot)) {
		lines = append(lines, label(l[0])+l[1])
	}
	lines = append(lines,
		"",
		s.Dim.Render("esc closes"),
	)
	out := []string{""}
	for _, l := range lines {
		// Values wrap under themselves, at word boundaries: an address
		// is always whole.
		out = append(out, wrapIndent("  "+l, w, 13)...)
	}
	return out
}
