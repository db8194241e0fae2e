package ui

import (
	"fmt"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// renderDetail is the detail pane of the selected flow: both tuples, the
// NAT translation in the table's wording with what it rewrites, every
// flag, state, timeout, age, mark, zone (and its direction), counters,
// kernel ID, helper, labels and security context, all through format. It
// follows the flow live.
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
	title := "Flow"
	if id, ok := f.ID(); ok {
		title = fmt.Sprintf("Flow %d", id)
	}
	lines := []string{
		s.Title.Render(title) + "  " + model.ProtoName(f.Proto) + " (" + model.FamilyName(f.Family) + ")  " + s.Bold.Render(format.State(f)),
		"",
		label("original") + s.Glyphs.text(format.Tuple(f, f.Orig)),
		label("reply") + s.Glyphs.text(format.Tuple(f, f.Reply)),
	}
	for _, n := range format.NATLines(f) {
		lines = append(lines, label("NAT")+s.NAT.Render(s.Glyphs.text(n)))
	}
	if format.NAT(f) == "" {
		lines = append(lines, label("NAT")+"none (the reply is the original reversed)")
	}
	flags := format.FlagNames(f)
	if c := format.Flags(f); c != "" {
		flags += " (FLAGS " + c + ")"
	}
	lines = append(lines,
		label("flags")+flags,
		label("timeout")+format.Timeout(f, now),
		label("age")+format.Age(f, now, m.table.Info()),
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
