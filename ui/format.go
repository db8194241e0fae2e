package ui

import (
	"strings"
)

// pad left-aligns s in w cells (s must be at most w cells wide).
func pad(s string, w int) string {
	n := cellWidth(s)
	if n >= w {
		return s
	}
	return s + strings.Repeat(" ", w-n)
}

// padLeft right-aligns s in w cells.
func padLeft(s string, w int) string {
	n := cellWidth(s)
	if n >= w {
		return s
	}
	return strings.Repeat(" ", w-n) + s
}

// cellWidth counts the cells of plain text (our text is ASCII but for the
// marks of the glyph table, one cell each).
func cellWidth(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}

// columnWidths is the width of each column of rows: its widest cell, so a
// table never cuts a number to fit a header or a shorter value.
func columnWidths(rows [][]string) []int {
	var w []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(w) {
				w = append(w, 0)
			}
			w[i] = max(w[i], cellWidth(c))
		}
	}
	return w
}
