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
