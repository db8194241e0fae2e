package ui

import (
	"fmt"
	"strconv"
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
	c := m.table.CountersAt(slot)
	now := m.table.Now()
	label := func(l string) string { return s.Dim.Render(pad(l, 11)) }
	ep := func(a model.Addr, p uint16) string { return format.Endpoint(a, p, f.Proto) }
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
	for _, n := range format.NATLines(f) {
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
		label("timeout")+format.Timeout(f, now),
		label("age")+format.Age(f, now),
		label("mark")+fmt.Sprintf("%d (0x%x)", f.Mark, f.Mark),
		label("zone")+strconv.Itoa(int(f.Zone)),
		label("counters")+format.Counters(f, c, m.table.Info()),
		label("kernel id")+strconv.FormatUint(uint64(f.ID), 10),
		"",
		s.Dim.Render("esc closes"),
	)
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	return append([]string{""}, lines...)
}
