package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// topState is the top view's cursor: it follows a group key once moved.
type topState struct {
	cursor, offset int
	sel            model.GroupKey
	hasSel, moved  bool
	rows           []model.Group
}

// topKey handles the keys of the top view; it reports whether msg was one
// of them.
func (m *Model) topKey(msg tea.KeyPressMsg) bool {
	k := &m.keys
	home := func() { m.top.moved = false; m.refresh() }
	if m.navigate(msg, m.topMove, home, m.groups.Len()) {
		return true
	}
	switch {
	case key.Matches(msg, k.Enter):
		if m.top.hasSel {
			m.view = viewFlows
			m.narrow(filter.Key(m.top.sel))
		}
	case key.Matches(msg, k.Tag):
		m.tagGroup()
	case key.Matches(msg, k.TagAll):
		m.tagAll()
	case key.Matches(msg, k.ClearTags):
		m.clearTags()
	case key.Matches(msg, k.Back):
		m.popFilter()
	default:
		return false
	}
	return true
}

func (m *Model) topMove(d int) {
	n := m.groups.Len()
	if n == 0 {
		return
	}
	m.top.cursor = min(max(m.top.cursor+d, 0), n-1)
	m.top.moved = true
	m.top.hasSel = false // take the group now at the cursor
	m.refresh()
}

// refreshTop ranks the groups only as deep as the screen needs and keeps
// the cursor on its group.
func (m *Model) refreshTop() {
	t := &m.top
	if counting, _ := m.groups.Counting(); counting {
		t.rows = t.rows[:0] // renderTop says so; the cursor waits
		return
	}
	n := m.groups.Len()
	h := m.tableHeight()
	switch {
	case n == 0:
		t.cursor, t.offset, t.hasSel = 0, 0, false
	case !t.moved:
		t.cursor = 0
	case t.hasSel:
		if r := m.groups.Rank(t.sel, t.offset+2*h); r >= 0 {
			t.cursor = r
		}
	}
	t.cursor = min(t.cursor, max(n-1, 0))
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = max(0, min(t.offset, n-h))
	t.rows = m.groups.Top(t.offset, h, t.rows[:0])
	if i := t.cursor - t.offset; i >= 0 && i < len(t.rows) {
		t.sel, t.hasSel = t.rows[i].Key, true
	}
}

var groupTitles = [...]string{"SOURCE", "DESTINATION", "DPORT", "STATE", "PROTO"}

// renderTop draws the top view: KEY, FLOWS, SHARE with a bar, the state
// mix, and bytes/packets when the kernel counts them.
func (m *Model) renderTop(w int) []string {
	s := &m.styles
	t := &m.top
	if counting, n := m.groups.Counting(); counting {
		return []string{s.ColHeader.Render(pad(groupTitles[m.groups.By()], w)),
			s.Notice.Render(fmt.Sprintf("counting %s by %s%s", format.Plural(n, "flow"), m.groups.Grouping(), s.Glyphs.ellipsis))}
	}
	total := max(m.groups.Matched(), 1)
	_, _, _, counted := m.table.Extras()
	keyW := 8
	for _, g := range t.rows {
		keyW = max(keyW, len(g.Key.String()))
	}
	keyW = min(keyW, 39)
	gutter := 0
	if len(m.groupTags) > 0 {
		gutter = 2
	}
	barW := 10
	if w >= 120 {
		barW = 20
	}
	fixed := gutter + keyW + 1 + 9 + 1 + 7 + barW + 1
	if counted > 0 {
		fixed += 14
	}
	mixW := max(0, w-fixed)
	title := groupTitles[m.groups.By()]
	head := pad(title, keyW) + " " + padLeft("FLOWS"+s.Glyphs.sortDn, 9) + " " + pad("SHARE", 7+barW)
	if counted > 0 {
		head += " " + padLeft("BYTES", 6) + " " + padLeft("PKTS", 6)
	}
	head += " " + pad("STATES", mixW)
	lines := []string{strings.Repeat(" ", gutter) + s.ColHeader.Render(head)}
	for i, g := range t.rows {
		share := float64(g.Flows) / float64(total)
		full := int(share*float64(barW) + 0.5)
		filled, empty := s.Glyphs.bars(full, barW)
		bar := filled + empty
		line := pad(m.fit(g.Key.String(), keyW), keyW) + " " + padLeft(format.Commas(uint64(g.Flows)), 9) + " " +
			padLeft(fmt.Sprintf("%.1f%%", 100*share), 6) + " " + bar
		if counted > 0 {
			b, p := "-", "-"
			if g.Counted > 0 {
				b, p = format.Count(g.Bytes), format.Count(g.Packets)
			}
			line += " " + padLeft(b, 6) + " " + padLeft(p, 6)
		}
		line += " " + m.fit(mixText(&g), mixW)
		if gutter > 0 {
			mark := "  "
			if _, ok := m.groupTags[g.Key]; ok {
				mark = "* "
			}
			line = mark + line
		}
		line = pad(line, w)
		if t.offset+i == t.cursor {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	if len(t.rows) == 0 {
		lines = append(lines, s.Dim.Render("no flows match"))
	}
	return lines
}

// mixText is a group's state mix: "SYN_RECV 80% SYN_SENT 20%".
func mixText(g *model.Group) string {
	var parts []string
	for _, sc := range g.States() {
		parts = append(parts, fmt.Sprintf("%s %d%%", sc.State, (100*sc.Flows+g.Flows/2)/max(g.Flows, 1)))
	}
	return strings.Join(parts, " ")
}
