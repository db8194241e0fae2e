package ui

import (
	"strings"
)

// fit shortens s to at most w cells with an ellipsis in the middle, which
// keeps both ends of an address readable.
func fit(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	if w <= 1 {
		return string(r[:max(w, 0)])
	}
	left := (w - 1) / 2
	right := w - 1 - left
	return string(r[:left]) + "…" + string(r[len(r)-right:])
}

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

// cellWidth counts the cells of plain text (our text is ASCII but for "…",
// "▲", "▼", "█", "░").
func cellWidth(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}
