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

// layout chooses the columns for a table width: the fixed ones, address
// columns as wide as the visible addresses need (shortened in the middle
// when the screen is narrow), then optional columns while they fit. Every
// cell is format's (format.Columns), the one rendering of a flow that
// cttop --once text shows too (in ASCII where the glyphs say so); a column
// is as wide as its widest cell in view.
func layout(width int, rows []row, extras [4]int, sorted model.Column, g *glyphs) []column {
	all := format.Columns()
	mk := func(id format.ColumnID) column {
		fc := all[id]
		c := column{title: fc.Title, sort: sortOf[id], right: fc.Right, width: minWidth[id]}
		// The glyphs' text: the NAT arrow in ASCII on a console without
		// UTF-8.
		cell := func(r *row) string { return g.text(fc.Cell(r)) }
		c.cell = cell
		if id != format.ColSrc && id != format.ColDst {
			for i := range rows {
				c.width = max(c.width, cellWidth(cell(&rows[i])))
			}
		}
		c.width = max(c.width, len(c.title), sortedWidth(c, sorted))
		return c
	}
	cols := []column{mk(format.ColProto), mk(format.ColSrc), mk(format.ColSport), mk(format.ColDst),
		mk(format.ColDport), mk(format.ColState), mk(format.ColTTL)}
	used := len(cols) - 1 // separators
	for i := range cols {
		if i != 1 && i != 3 {
			used += cols[i].width
		}
	}
	// Addresses: at least 7 cells, at most what the rows need.
	need := 3
	for i := range rows {
		need = max(need, len(format.Addr(rows[i].Flow.Orig.Src)), len(format.Addr(rows[i].Flow.Orig.Dst)))
	}
	addrW := min(need, max(7, (width-used)/2))
	addrW = max(addrW, sortedWidth(cols[1], sorted), sortedWidth(cols[3], sorted))
	cols[1].width, cols[3].width = addrW, addrW
	src, dst := cols[1].cell, cols[3].cell
	cols[1].cell = func(r *row) string { return g.fit(src(r), addrW) }
	cols[3].cell = func(r *row) string { return g.fit(dst(r), addrW) }
	used += 2 * addrW

	nat, marked, zoned, counted := extras[0], extras[1], extras[2], extras[3]
	optional := []column{mk(format.ColFlags)}
	if nat > 0 {
		optional = append(optional, mk(format.ColNAT))
	}
	if marked > 0 {
		optional = append(optional, mk(format.ColMark))
	}
	if zoned > 0 {
		optional = append(optional, mk(format.ColZone))
	}
	if counted > 0 {
		optional = append(optional, mk(format.ColBytes), mk(format.ColPkts))
	}
	for _, c := range optional {
		w := c.width
		if c.title == "NAT" {
			// The NAT column may be shortened to what is left, not below 16.
			w = min(c.width, width-used-1)
			if w < 16 {
				continue
			}
			c.width = w
			full := c.cell
			c.cell = func(r *row) string { return g.fit(full(r), w) }
		}
		if used+1+w > width {
			continue
		}
		cols = append(cols, c)
		used += 1 + w
	}
	return cols
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
