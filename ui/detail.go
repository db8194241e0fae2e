package ui

import (
	"fmt"
	"time"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// detailState is the flow the detail pane shows: its key, fixed when the
// pane opens (the flows view's selection moves to another flow when its
// own ends, the pane never does), and its values when last seen in the
// table, shown marked as gone once the table no longer holds it.
type detailState struct {
	key      model.Key
	flow     model.Flow
	counters model.Counters
	ext      model.Ext
	hasExt   bool
	seen     uint32 // table time when last seen
	gone     bool
}

// openDetail opens the detail pane on the selected flow.
func (m *Model) openDetail() {
	m.detail = &detailState{key: m.sel}
	m.followDetail()
	m.enter(modeDetail)
}

// followDetail takes the pane's flow's values from the table while it
// holds the flow, and marks it gone when it does not.
func (m *Model) followDetail() {
	d := m.detail
	if d == nil || d.gone {
		return
	}
	slot := m.table.Find(d.key)
	if slot < 0 {
		d.gone = true
		return
	}
	d.flow = *m.table.At(slot)
	d.counters, _ = m.table.CountersAt(slot)
	d.ext, d.hasExt = model.Ext{}, false
	if x := m.table.ExtAt(slot); x != nil {
		d.ext, d.hasExt = *x, true
	}
	d.seen = m.table.Now()
}

// renderDetail is the detail pane of the flow it opened on: both tuples,
// the NAT translation in the table's wording with what it rewrites, every
// flag, state, timeout, age, mark, zone (and its direction), counters,
// kernel ID, helper, labels and security context, all through format. It
// follows the flow live; once the flow has ended it keeps its last known
// values under a warning that says so, never another flow's.
func (m *Model) renderDetail(w int) []string {
	s := &m.styles
	d := m.detail
	if d == nil {
		return nil
	}
	f, now := &d.flow, m.table.Now()
	label := func(l string) string { return s.Dim.Render(pad(l, 11)) }
	title := "Flow"
	if id, ok := f.ID(); ok {
		title = fmt.Sprintf("Flow %d", id)
	}
	var lines []string
	if d.gone {
		// The values are as last seen: the timeout and age then.
		now = d.seen
		gone := "GONE: the table no longer holds this flow (it ended or was deleted); its last known values"
		if ago := m.table.Now() - d.seen; ago > 0 {
			gone += ", seen " + format.Elapsed(time.Duration(ago)*time.Second) + " ago"
		}
		lines = append(lines, s.Warn.Render(gone+":"), "")
	}
	lines = append(lines,
		s.Title.Render(title)+"  "+model.ProtoName(f.Proto)+" ("+model.FamilyName(f.Family)+")  "+s.Bold.Render(format.State(f)),
		"",
		label("original")+s.Glyphs.text(format.Tuple(f, f.Orig)),
		label("reply")+s.Glyphs.text(format.Tuple(f, f.Reply)),
	)
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
		label("counters")+format.Counters(f, d.counters, m.table.Info()),
		label("kernel id")+format.ID(f),
	)
	var x *model.Ext
	if d.hasExt {
		x = &d.ext
	}
	for _, l := range format.ExtLines(f, x) {
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
