package app

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// writeText prints the snapshot as a plain table, like conntrack -L but
// aligned and sorted: the table's columns with the same cells for a flow
// as the terminal table (format.Columns), each column as wide as its widest
// cell, the optional ones (NAT, MARK, ZONE, BYTES, PKTS) when a flow
// written has a value for them, and a legend of the FLAGS letters used.
func writeText(w *bufio.Writer, snap *snapshot, l *model.List, n int) {
	st := snap.stats
	if st.Max > 0 {
		fmt.Fprintf(w, "table %d / %d (%.1f%%)  drops %d  early_drop %d  insert_failed %d  invalid %d (%s)\n",
			st.Count, st.Max, 100*float64(st.Count)/float64(st.Max), st.Drop, st.EarlyDrop, st.InsertFailed, st.Invalid, countersSince(snap.info))
	}
	fmt.Fprintf(w, "matched %d\n", l.Len())
	now := snap.now
	row := func(i int) format.Row {
		slot := l.Slot(i)
		c, _ := snap.table.CountersAt(slot)
		return format.Row{Flow: snap.table.At(slot), Counters: c, Now: now}
	}
	all := format.Columns()
	show := textColumns(n, row)
	width := make([]int, len(all))
	var flags strings.Builder // the FLAGS letters used, for the legend
	var seen [256]bool
	for _, id := range show {
		width[id] = len(all[id].Title)
	}
	for i := 0; i < n; i++ {
		r := row(i)
		for _, id := range show {
			width[id] = max(width[id], cellWidth(all[id].Cell(&r)))
		}
		for _, c := range []byte(format.Flags(r.Flow)) {
			if !seen[c] {
				seen[c] = true
				flags.WriteByte(c)
			}
		}
	}
	writeRow := func(cell func(c *format.Column) string) {
		var b strings.Builder
		for k, id := range show {
			c := &all[id]
			v := cell(c)
			if k > 0 {
				b.WriteByte(' ')
			}
			pad := strings.Repeat(" ", max(width[id]-cellWidth(v), 0))
			switch {
			case c.Right:
				b.WriteString(pad + v)
			case k == len(show)-1:
				b.WriteString(v) // no blanks at the end of a line
			default:
				b.WriteString(v + pad)
			}
		}
		w.WriteString(strings.TrimRight(b.String(), " "))
		w.WriteByte('\n')
	}
	writeRow(func(c *format.Column) string { return c.Title })
	for i := 0; i < n; i++ {
		r := row(i)
		writeRow(func(c *format.Column) string { return c.Cell(&r) })
	}
	if legend := format.FlagLegend(flags.String()); legend != "" {
		w.WriteString("FLAGS: " + legend + "\n")
	}
}

// textColumns chooses the columns of cttop --once text, in the order of
// format.Columns (the terminal table's): every fixed one, and the optional
// ones a written flow has a value for.
func textColumns(n int, row func(int) format.Row) []format.ColumnID {
	cols := []format.ColumnID{format.ColProto, format.ColSrc, format.ColSport, format.ColDst,
		format.ColDport, format.ColState, format.ColTTL, format.ColFlags}
	var mark, zone, counted, nat bool
	for i := 0; i < n; i++ {
		r := row(i)
		f := r.Flow
		if v, ok := f.Mark(); ok && v != 0 {
			mark = true
		}
		if z, ok := f.Zone(); ok && z.ID != 0 {
			zone = true
		}
		counted = counted || f.Attrs&model.HasCounters != 0
		nat = nat || format.NAT(f) != ""
	}
	if nat {
		cols = append(cols, format.ColNAT)
	}
	if mark {
		cols = append(cols, format.ColMark)
	}
	if zone {
		cols = append(cols, format.ColZone)
	}
	if counted {
		cols = append(cols, format.ColBytes, format.ColPkts)
	}
	return cols
}

// cellWidth counts the cells of a cell's text (our cells are ASCII but for
// the NAT arrow).
func cellWidth(s string) int { return len([]rune(s)) }

// countersSince says what the kernel's cumulative counters count from:
// boot for the host's table, the namespace's creation for another's, the
// recorded host's for a replay.
func countersSince(info model.SourceInfo) string {
	switch {
	case info.Kind == "replay":
		return "as recorded"
	case info.Kind == "demo":
		return "synthetic"
	case info.Name != "":
		return "since namespace " + format.Name(info.Name) + " was made"
	}
	return "since boot"
}
