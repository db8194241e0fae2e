package ui

import (
	"strings"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// column is one column of the flows table.
type column struct {
	title string
	sort  model.Column
	width int
	right bool
	cell  func(r *row) string
}

// row is what a cell needs of one flow.
type row struct {
	f   *model.Flow
	c   model.Counters
	now uint32
}

const noSort = model.Column(255)

// layout chooses the columns for a table width: the fixed ones, address
// columns as wide as the visible addresses need (shortened in the middle
// when the screen is narrow), then optional columns while they fit.
func layout(width int, rows []row, extras [4]int, sorted model.Column, g *glyphs) []column {
	cols := []column{
		{title: "PROTO", sort: model.ColProto, width: 5, cell: func(r *row) string { return format.Proto(r.f.Proto) }},
		{title: "SRC", sort: model.ColSrc},
		{title: "SPORT", sort: model.ColSport, width: 5, right: true, cell: func(r *row) string { return format.SrcPort(r.f) }},
		{title: "DST", sort: model.ColDst},
		{title: "DPORT", sort: model.ColDport, width: 5, right: true, cell: func(r *row) string { return format.DstPort(r.f) }},
		{title: "STATE", sort: model.ColState, width: 11, cell: func(r *row) string { return format.State(r.f) }},
		{title: "TTL", sort: model.ColTTL, width: 6, right: true, cell: func(r *row) string { return format.FlowTTL(r.f, r.now) }},
	}
	used := len(cols) - 1 // separators
	for i := range cols {
		cols[i].width = max(cols[i].width, sortedWidth(cols[i], sorted))
		used += cols[i].width
	}
	// Addresses: at least 7 cells, at most what the rows need.
	need := 3
	for i := range rows {
		need = max(need, len(rows[i].f.Orig.Src.String()), len(rows[i].f.Orig.Dst.String()))
	}
	addrW := min(need, max(7, (width-used-2)/2))
	addrW = max(addrW, sortedWidth(cols[1], sorted), sortedWidth(cols[3], sorted))
	cols[1].width, cols[3].width = addrW, addrW
	cols[1].cell = func(r *row) string { return g.fit(r.f.Orig.Src.String(), addrW) }
	cols[3].cell = func(r *row) string { return g.fit(r.f.Orig.Dst.String(), addrW) }
	used += 2*addrW + 2

	nat, marked, zoned, counted := extras[0], extras[1], extras[2], extras[3]
	var optional []column
	if nat > 0 {
		natW := 10
		for i := range rows {
			if rows[i].f.NATed() {
				natW = max(natW, cellWidth(g.text(format.NAT(rows[i].f))))
			}
		}
		optional = append(optional, column{title: "NAT", sort: noSort, width: natW, cell: func(r *row) string { return g.text(format.NAT(r.f)) }})
	}
	if counted > 0 {
		optional = append(optional,
			column{title: "BYTES", sort: model.ColBytes, width: 6, right: true, cell: func(r *row) string { return format.CountOrDash(r.f, r.c.Bytes()) }},
			column{title: "PKTS", sort: model.ColPkts, width: 6, right: true, cell: func(r *row) string { return format.CountOrDash(r.f, r.c.Packets()) }})
	}
	if marked > 0 {
		optional = append(optional, column{title: "MARK", sort: model.ColMark, width: 8, right: true, cell: func(r *row) string { return format.Mark(r.f) }})
	}
	if zoned > 0 {
		optional = append(optional, column{title: "ZONE", sort: model.ColZone, width: 5, right: true, cell: func(r *row) string { return format.Zone(r.f) }})
	}
	for _, c := range optional {
		c.width = max(c.width, sortedWidth(c, sorted))
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
			if _, ok := m.tags[rows[i].f.Key()]; ok {
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
