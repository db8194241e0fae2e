package ui

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// nsView is the namespaces view (N, --all): one row per network
// namespace of the host, fullest (or most dropping) first. Its cursor
// follows a namespace's inode, so rows that move or vanish between
// refreshes never carry it elsewhere.
type nsView struct {
	snap    model.HostSnapshot
	by      model.NamespaceSort
	all     bool // idle namespaces too
	sel     uint64
	hasSel  bool
	offset  int
	watched uint64 // inode of the table that is open (0: none known)
	rows    []model.NamespaceRow
	idle    int
}

// nsIntent is what a key in the namespaces view asks of the program.
type nsIntent struct {
	// open: show the table of the namespace Inode, named Name.
	open  bool
	inode uint64
	name  string
}

// setSnapshot shows h; the cursor stays on its namespace while it
// exists, else on the row that took its place.
func (v *nsView) setSnapshot(h model.HostSnapshot) {
	pos := v.cursor()
	v.snap = h
	v.refresh()
	if !v.hasSel || v.index(v.sel) >= 0 || len(v.rows) == 0 {
		return
	}
	v.sel = v.rows[min(pos, len(v.rows)-1)].Inode
}

func (v *nsView) refresh() { v.rows, v.idle = v.snap.View(v.by, v.all) }

// index is the position of inode ino among the rows, or -1.
func (v *nsView) index(ino uint64) int {
	for i := range v.rows {
		if v.rows[i].Inode == ino {
			return i
		}
	}
	return -1
}

// cursor is the selected row's position (the first row until the user
// moves).
func (v *nsView) cursor() int {
	if !v.hasSel {
		return 0
	}
	return max(v.index(v.sel), 0)
}

// key handles a key of the namespaces view; page is the rows on screen.
func (v *nsView) key(k string, page int) (nsIntent, bool) {
	pos := v.cursor()
	switch k {
	case "up", "k":
		pos--
	case "down", "j":
		pos++
	case "pgup":
		pos -= max(page, 1)
	case "pgdown", " ", "space":
		pos += max(page, 1)
	case "home", "g":
		pos = 0
	case "end", "G":
		pos = len(v.rows) - 1
	case "s":
		v.by = (v.by + 1) % 2
		v.refresh()
		return nsIntent{}, true
	case "a":
		v.all = !v.all
		v.refresh()
		return nsIntent{}, true
	case "enter":
		if len(v.rows) == 0 {
			return nsIntent{}, true
		}
		r := v.rows[pos]
		return nsIntent{open: true, inode: r.Inode, name: r.Name}, true
	default:
		return nsIntent{}, false
	}
	if len(v.rows) > 0 {
		pos = max(0, min(pos, len(v.rows)-1))
		v.sel, v.hasSel = v.rows[pos].Inode, true
	}
	return nsIntent{}, true
}

// nsColumn is a column of the namespaces view; columns are shown by
// priority while the name keeps nsNameMin cells.
type nsColumn struct {
	title string
	width int
	cell  func(r *model.NamespaceRow, max uint64) string
}

const nsNameMin = 16

var nsColumns = []nsColumn{
	{"ENTRIES", 9, func(r *model.NamespaceRow, _ uint64) string { return known(r, format.Commas(r.Entries)) }},
	{"%MAX", 6, func(r *model.NamespaceRow, max uint64) string {
		if !r.Known || max == 0 {
			return "?"
		}
		return strconv.FormatFloat(100*float64(r.Entries)/float64(max), 'f', 1, 64) + "%"
	}},
	{"DROPS/s", 8, func(r *model.NamespaceRow, _ uint64) string { // and its sort mark
		return knownRate(r, func() string { return format.Rate(r.DropRate + r.EarlyDropRate) })
	}},
	{"INODE", 10, func(r *model.NamespaceRow, _ uint64) string { return strconv.FormatUint(r.Inode, 10) }},
	{"CHANGE/s", 8, func(r *model.NamespaceRow, _ uint64) string {
		return knownRate(r, func() string { return signedRate(r.EntriesRate) })
	}},
	{"DROPS", 9, func(r *model.NamespaceRow, _ uint64) string { return known(r, format.Commas(r.Drops())) }},
	{"KIND", 9, func(r *model.NamespaceRow, _ uint64) string { return r.Kind }},
	{"INS_FAIL/s", 10, func(r *model.NamespaceRow, _ uint64) string {
		return knownRate(r, func() string { return format.Rate(r.InsertFailedRate) })
	}},
	{"CLASH/s", 7, func(r *model.NamespaceRow, _ uint64) string {
		return knownRate(r, func() string { return format.Rate(r.ClashResolveRate) })
	}},
	{"CHAINTOOLONG", 12, func(r *model.NamespaceRow, _ uint64) string { return known(r, format.Commas(r.ChainTooLong)) }},
	{"PROCS", 5, func(r *model.NamespaceRow, _ uint64) string { return strconv.Itoa(r.Procs) }},
	{"PID", 7, func(r *model.NamespaceRow, _ uint64) string {
		if r.PID == 0 {
			return "-"
		}
		return strconv.Itoa(r.PID)
	}},
}

func known(r *model.NamespaceRow, s string) string {
	if !r.Known {
		return "?"
	}
	return s
}

func knownRate(r *model.NamespaceRow, f func() string) string {
	if !r.Known || !r.RatesValid {
		return "?"
	}
	return f()
}

// signedRate writes a net change per second: +12, -1.2k, 0.
func signedRate(r float64) string {
	switch {
	case math.Abs(r) < 0.05:
		return "0"
	case r < 0:
		return "-" + format.Rate(-r)
	}
	return "+" + format.Rate(r)
}

// nsLayout picks the columns that fit width and the name's width: the
// columns go, last first, before a name of up to need cells is shortened
// (in its middle: the last resort); the first two stay.
func nsLayout(width, need int, all []nsColumn) (cols []nsColumn, nameW int) {
	used := 2 // the watched mark and a space
	for i, c := range all {
		if width-used-c.width-1 < max(nsNameMin, min(need, width/2)) && i >= 2 || width-used-c.width-1 < nsNameMin {
			break
		}
		cols = append(cols, c)
		used += c.width + 1
	}
	return cols, max(width-used, 1)
}

// nsWidths are the columns, each as wide as its widest cell when that is
// wider than its usual width (eleven million drops), so none is cut.
func nsWidths(rows []model.NamespaceRow, tableMax uint64) []nsColumn {
	cols := slices.Clone(nsColumns)
	for i := range cols {
		for r := range rows {
			cols[i].width = max(cols[i].width, cellWidth(cols[i].cell(&rows[r], tableMax)))
		}
	}
	return cols
}

// render draws the view in w x h cells: a title line, the column
// headings, the rows. It scrolls to keep the cursor visible.
func (v *nsView) render(w, h int, s *Styles) []string {
	lines := []string{v.title(w, s)}
	need := 0
	for i := range v.rows {
		need = max(need, cellWidth(format.Name(v.rows[i].Name)))
	}
	cols, nameW := nsLayout(w, need, nsWidths(v.rows, v.snap.Max))
	var head strings.Builder
	head.WriteString("  " + pad("NAMESPACE", nameW))
	for _, c := range cols {
		title := c.title
		if (c.title == "ENTRIES" && v.by == model.SortByEntries) || (c.title == "DROPS/s" && v.by == model.SortByDrops) {
			title += s.Glyphs.sortDn
		}
		head.WriteString(" " + padLeft(title, c.width))
	}
	lines = append(lines, s.ColHeader.Render(head.String()))
	page := h - len(lines)
	if len(v.rows) == 0 {
		msg := "no namespace with conntrack activity"
		if v.idle > 0 {
			msg += " (" + format.Commas(uint64(v.idle)) + " idle: a shows them)"
		}
		return append(lines, textLines(s.Dim, msg, w, "")...)
	}
	cur := v.cursor()
	v.offset = max(0, min(v.offset, cur, len(v.rows)-page))
	if cur >= v.offset+page {
		v.offset = cur - page + 1
	}
	for i := v.offset; i < len(v.rows) && len(lines) < h; i++ {
		lines = append(lines, v.renderRow(&v.rows[i], cols, nameW, i == cur, s))
	}
	return lines
}

func (v *nsView) renderRow(r *model.NamespaceRow, cols []nsColumn, nameW int, selected bool, s *Styles) string {
	var b strings.Builder
	mark := "  "
	if v.watched != 0 && r.Inode == v.watched {
		mark = "* "
	}
	b.WriteString(mark + pad(s.Glyphs.fit(format.Name(r.Name), nameW), nameW))
	for _, c := range cols {
		b.WriteString(" " + padLeft(c.cell(r, v.snap.Max), c.width))
	}
	line := b.String()
	switch {
	case selected:
		return s.Cursor.Render(line)
	case r.Known && r.RatesValid && r.DropRate+r.EarlyDropRate > 0:
		return s.Alarm.Render(line)
	case !r.Known:
		return s.Dim.Render(line)
	}
	return line
}

// title is the view's first line: how many namespaces, all of their
// entries against the hash they share and its memory, the limit each
// table has, then hints; parts that do not fit go, hints first.
func (v *nsView) title(w int, s *Styles) string {
	h := &v.snap
	count := format.Commas(uint64(len(h.Rows))) + " namespaces"
	if v.idle > 0 {
		count += ", " + format.Commas(uint64(v.idle)) + " idle"
	}
	parts := []string{count, format.Commas(h.Entries()) + " entries"}
	if h.Buckets > 0 {
		parts[1] += " / " + format.Commas(h.Buckets) + " buckets"
	}
	if mem, ok := h.Memory(); ok {
		parts = append(parts, "~"+format.Bytes(mem))
	}
	if h.Max > 0 {
		parts = append(parts, "max "+format.Commas(h.Max)+" each")
	}
	if v.idle > 0 {
		parts = append(parts, "a: show idle")
	}
	parts = append(parts, "s: sort by "+[]string{"drops", "entries"}[v.by])
	return fitParts(parts, w, s)
}

// fitParts joins parts with " · " while they fit in w cells, dropping
// whole parts from the end (never cutting one).
func fitParts(parts []string, w int, s *Styles) string {
	out := ""
	for _, p := range parts {
		next := p
		if out != "" {
			next = out + " " + s.Glyphs.dot + " " + p
		}
		if cellWidth(next) > w {
			break
		}
		out = next
	}
	return s.Bold.Render(out)
}
