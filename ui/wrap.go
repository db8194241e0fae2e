package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// wrapLine breaks a line wider than w cells at word boundaries (styles
// kept); a word wider than a line is broken across lines, never cut with
// an ellipsis, so a rule or a sysctl line reads whole. Continuation lines
// are indented like the first, plus two, when that leaves room.
func wrapLine(line string, w int) []string {
	plain := ansi.Strip(line)
	return wrapIndent(line, w, len(plain)-len(strings.TrimLeft(plain, " "))+2)
}

// wrapIndent is wrapLine with continuation lines indented by cont cells
// (none when that leaves less than half the width).
func wrapIndent(line string, w, cont int) []string {
	if w <= 0 || ansi.StringWidth(line) <= w {
		return []string{line}
	}
	parts := strings.Split(ansi.Wrap(line, w, ""), "\n")
	if cont > w/2 {
		cont = 0
	}
	if len(parts) == 1 || cont == 0 {
		return parts
	}
	rest := strings.Join(parts[1:], " ")
	out := parts[:1]
	for _, p := range strings.Split(ansi.Wrap(rest, w-cont, ""), "\n") {
		out = append(out, strings.Repeat(" ", cont)+p)
	}
	return out
}

// wrapLines is wrapLine over lines.
func wrapLines(lines []string, w int) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, wrapLine(l, w)...)
	}
	return out
}
