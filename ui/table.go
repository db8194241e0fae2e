package ui

import (
	"strings"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// column is one column of the flows table: a column of format's (title,
// cell) with the room it gets and the sort key its title stands for.
type column struct {
	title string
	sort  model.Column
	width int
	right bool
	cell  func(r *row) string
}

// row is what a cell needs of one flow.
type row = format.Row

const noSort = model.Column(255)

// sortOf maps format's columns to the sort keys of the same values.
var sortOf = [format.NumColumns]model.Column{
	format.ColProto: model.ColProto, format.ColSrc: model.ColSrc, format.ColSport: model.ColSport,
	format.ColDst: model.ColDst, format.ColDport: model.ColDport, format.ColState: model.ColState,
	format.ColTTL: model.ColTTL, format.ColFlags: noSort, format.ColNAT: noSort,
	format.ColMark: model.ColMark, format.ColZone: model.ColZone, format.ColBytes: model.ColBytes,
	format.ColPkts: model.ColPkts,
}

// minWidth is the least room a column gets, so that columns do not jump
// while the rows in view change (the cells may need more).
var minWidth = [format.NumColumns]int{
	format.ColProto: 5, format.ColSport: 5, format.ColDport: 5, format.ColState: 11, format.ColTTL: 6,
	format.ColFlags: 5, format.ColNAT: 10, format.ColMark: 8, format.ColZone: 5, format.ColBytes: 6, format.ColPkts: 6,
}

// Forms of a column as it gives way (giveWay).
const (
	giveDrop  = iota // the column goes
	giveShort        // NAT without ports (format.NATShort)
	giveKind         // NAT as its kind only (format.NATKind)
)

// giveWay is the order in which the flows table's columns give way when
// the terminal is too narrow for all of them, first first: the counters
// and flags, then SPORT and TTL; NAT shortens (its addresses without
// ports, then its kind) before PROTO, STATE and DPORT go, and goes last.
// SRC and DST never go: only when nothing else can give way are they
// shortened, in their middle. The sort column never goes.
var giveWay = []struct {
	id   format.ColumnID
	form int
}{
	{format.ColPkts, giveDrop}, {format.ColFlags, giveDrop}, {format.ColBytes, giveDrop},
	{format.ColMark, giveDrop}, {format.ColZone, giveDrop}, {format.ColSport, giveDrop},
	{format.ColTTL, giveDrop}, {format.ColNAT, giveShort}, {format.ColProto, giveDrop},
	{format.ColNAT, giveKind}, {format.ColState, giveDrop}, {format.ColDport, giveDrop},
	{format.ColNAT, giveDrop},
}

// natForms are the NAT column's cells by form.
var natForms = [...]func(*model.Flow) string{giveDrop: format.NAT, giveShort: format.NATShort, giveKind: format.NATKind}

// layout chooses the columns for a table width: every column the table
// has (the optional ones when some flow has a value: NAT, MARK, ZONE,
// counters), each as wide as its widest cell in view (and not narrower
// than minWidth, so columns do not jump as rows change), in format's
// order; when they do not fit, columns give way in giveWay's order, and
// hidden names those that went. Every cell is format's (format.Columns),
// the one rendering of a flow that cttop --once text shows too (in ASCII
// where the glyphs say so).
func layout(width int, rows []row, extras [4]int, sorted model.Column, g *glyphs) (cols []column, hidden []string) {
	all := format.Columns()
	mk := func(id format.ColumnID, cell func(r *row) string, least int) column {
		fc := all[id]
		c := column{title: fc.Title, sort: sortOf[id], right: fc.Right, width: least, cell: cell}
		for i := range rows {
			c.width = max(c.width, cellWidth(cell(&rows[i])))
		}
		c.width = max(c.width, len(c.title), sortedWidth(c, sorted))
		return c
	}
	text := func(f func(r *row) string) func(r *row) string {
		// The glyphs' text: the NAT arrow in ASCII on a console
		// without UTF-8.
		return func(r *row) string { return g.text(f(r)) }
	}
	on := make([]bool, format.NumColumns)
	byID := make([]column, format.NumColumns)
	for id := range format.NumColumns {
		if !hasColumn(id, extras) {
			continue
		}
		on[id], byID[id] = true, mk(id, text(all[id].Cell), minWidth[id])
	}
	total := func() int {
		n := -1
		for id, c := range byID {
			if on[id] {
				n += c.width + 1
			}
		}
		return n
	}
	setNAT := func(f int) { // a shorter form of NAT, as wide as its cells
		form := natForms[f]
		byID[format.ColNAT] = mk(format.ColNAT, text(func(r *row) string { return form(r.Flow) }), 0)
	}
	var dropped []format.ColumnID
	for _, st := range giveWay {
		if total() <= width {
			break
		}
		if !on[st.id] || st.form == giveDrop && sortOf[st.id] == sorted {
			continue
		}
		if st.form == giveDrop {
			on[st.id] = false
			dropped = append(dropped, st.id)
		} else {
			setNAT(st.form)
		}
	}
	// A late step (NAT shortened) may have made more room than needed:
	// the columns that went come back, the most useful first, while they
	// fit. NAT's form only ever shortens as the terminal narrows.
	for i := len(dropped) - 1; i >= 0; i-- {
		if id := dropped[i]; id != format.ColNAT {
			if on[id] = true; total() > width {
				on[id] = false
			}
		}
	}
	if total() > width {
		// Nothing else can give way: the addresses are shortened in
		// their middle, the longer first, to at least 7 cells each.
		src, dst := &byID[format.ColSrc], &byID[format.ColDst]
		avail := width - (total() - src.width - dst.width)
		sw, dw := src.width, dst.width
		switch {
		case sw <= avail/2:
			dw = avail - sw
		case dw <= avail/2:
			sw = avail - dw
		default:
			sw, dw = avail/2, avail-avail/2
		}
		for _, c := range []struct {
			col *column
			w   int
		}{{src, max(7, sw)}, {dst, max(7, dw)}} {
			full, w := c.col.cell, min(c.col.width, c.w)
			c.col.width = w
			c.col.cell = func(r *row) string { return g.fit(full(r), w) }
		}
	}
	for id, c := range byID {
		switch {
		case on[id]:
			cols = append(cols, c)
		case c.title != "":
			hidden = append(hidden, c.title) // in the table's order
		}
	}
	return cols, hidden
}

// hasColumn reports whether the table has column id, given the number of
// flows with NAT, a mark, a zone and counters (Table.Extras): the optional
// columns only when some flow has a value.
func hasColumn(id format.ColumnID, extras [4]int) bool {
	switch id {
	case format.ColNAT:
		return extras[0] > 0
	case format.ColMark:
		return extras[1] > 0
	case format.ColZone:
		return extras[2] > 0
	case format.ColBytes, format.ColPkts:
		return extras[3] > 0
	}
	return true
}

// sortShown reports whether the table shows the column sort key c orders
// by, and so its arrow (the sort column never gives way to a narrow
// terminal): AGE has no column, MARK, ZONE, BYTES and PKTS none while no
// flow has a value.
func sortShown(c model.Column, extras [4]int) bool {
	for id, sc := range sortOf {
		if sc == c {
			return hasColumn(format.ColumnID(id), extras)
		}
	}
	return false
}

// sortedWidth is the room the title of the sort column needs for its arrow.
func sortedWidth(c column, sorted model.Column) int {
	if c.sort == sorted {
		return len(c.title) + 1
	}
	return 0
}

// renderHeaderRow writes the column titles, marking the sort column.
func (m *Model) renderHeaderRow(cols []column) string {
	sortCol, desc := m.list.Sort()
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		title := c.title
		st := m.styles.ColHeader
		if c.sort == sortCol {
			if desc {
				title += m.styles.Glyphs.sortDn
			} else {
				title += m.styles.Glyphs.sortUp
			}
			st = m.styles.ColSorted
		}
		if c.right {
			title = padLeft(title, c.width)
		} else {
			title = pad(title, c.width)
		}
		b.WriteString(st.Render(title))
	}
	return b.String()
}

// renderRows formats the visible rows, and only those; tagged adds a
// gutter that marks tagged flows.
func (m *Model) renderRows(cols []column, rows []row, width int, tagged bool) []string {
	lines := make([]string, 0, len(rows))
	var b strings.Builder
	for i := range rows {
		b.Reset()
		for j, c := range cols {
			if j > 0 {
				b.WriteByte(' ')
			}
			v := c.cell(&rows[i])
			if c.right {
				b.WriteString(padLeft(v, c.width))
			} else {
				b.WriteString(pad(v, c.width))
			}
		}
		text := b.String()
		if tagged {
			mark := "  "
			if _, ok := m.tags[rows[i].Flow.Key()]; ok {
				mark = "* "
			}
			text = mark + text
		}
		line := pad(text, width)
		if m.offset+i == m.cursor && m.list.Len() > 0 {
			line = m.styles.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	return lines
}
