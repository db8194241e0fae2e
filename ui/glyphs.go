package ui

import (
	"strings"
	"unicode/utf8"
)

// glyphs is the one table of the characters cttop draws beyond plain
// ASCII letters: Unicode on a terminal whose locale is UTF-8, ASCII on
// one that is not (a serial console with LANG=C, TERM=linux or vt100),
// where Unicode comes out as garbage. Every view draws its bars, arrows,
// marks and ellipses from the Model's table (Styles.Glyphs), never from a
// literal; render passes whatever text it did not draw itself (a name, a
// format string) through asciiOnly as a last guard.
type glyphs struct {
	ascii bool

	ellipsis       string // a text shortened: "…" or "..."
	arrow          string // a direction or a translation: "→" or "->"
	swap           string // one view or the other: "⇄" or "<->"
	sortUp, sortDn string // the sort column's title: "▲" "▼" or "^" "v"
	keyUp, keyDn   string // the arrow keys in the help: "↑" "↓" or "up" "down"
	bar, barEmpty  string // a gauge's cells: "█" "░" or "#" "-"
	bullet         string // between parts of a line: "•" or "|"
	dot            string // between parts of a narrow line: "·" or "|"
	warn           string // a warning's mark: "⚠" or "!"
	rule           string // a horizontal rule: "─" or "-"

	// The charts (chart.go).
	levels      []rune // sparkline levels, lowest first
	eighths     []rune // partial cells of a column, 1/8 to 7/8
	full        rune
	unknown     rune // a column or point with no value
	vaxis, zero rune // the y axis, and its corner at the x axis
	haxis       rune
}

var (
	unicodeGlyphs = glyphs{
		ellipsis: "…", arrow: "→", swap: "⇄", sortUp: "▲", sortDn: "▼", keyUp: "↑", keyDn: "↓",
		bar: "█", barEmpty: "░", bullet: "•", dot: "·", warn: "⚠", rule: "─",
		levels: []rune("▁▂▃▄▅▆▇█"), eighths: []rune("▁▂▃▄▅▆▇"), full: '█',
		unknown: '·', vaxis: '│', zero: '└', haxis: '─',
	}
	asciiGlyphs = glyphs{
		ascii:    true,
		ellipsis: "...", arrow: "->", swap: "<->", sortUp: "^", sortDn: "v", keyUp: "up", keyDn: "down",
		bar: "#", barEmpty: "-", bullet: "|", dot: "|", warn: "!", rule: "-",
		levels: []rune("_.-=+*#@"), eighths: []rune("...::::"), full: '#',
		unknown: '?', vaxis: '|', zero: '+', haxis: '-',
	}
)

// glyphsFor returns the table for a terminal that can (false) or cannot
// (true) show Unicode.
func glyphsFor(ascii bool) glyphs {
	if ascii {
		return asciiGlyphs
	}
	return unicodeGlyphs
}

// toASCII rewrites the Unicode that packages below ui write into their
// text (format's "dst→", an ellipsis) in its ASCII form.
var toASCII = strings.NewReplacer("→", "->", "…", "...", "⇄", "<->", "•", "|", "·", "|", "─", "-", "⚠", "!",
	"▲", "^", "▼", "v", "█", "#", "░", "-", "↑", "up", "↓", "down")

// text returns s as this terminal can show it: s itself with Unicode, or
// with the known Unicode marks in their ASCII forms. Call it on text from
// other packages before measuring its width.
func (g *glyphs) text(s string) string {
	if !g.ascii || isASCII(s) {
		return s
	}
	return toASCII.Replace(s)
}

// fit shortens s to at most w cells with an ellipsis in the middle, which
// keeps both ends of an address readable. Only addresses and names are
// cut like this, and only when nothing else can give way: prose wraps.
func (g *glyphs) fit(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	el := []rune(g.ellipsis)
	if w <= len(el) {
		return string(r[:max(w, 0)])
	}
	left := (w - len(el)) / 2
	right := w - len(el) - left
	return string(r[:left]) + g.ellipsis + string(r[len(r)-right:])
}

// fit is the fit of the Model's glyphs.
func (m *Model) fit(s string, w int) string { return m.styles.Glyphs.fit(s, w) }

// bars draws a gauge of w cells, full of them filled.
func (g *glyphs) bars(full, w int) (filled, empty string) {
	full = min(max(full, 0), max(w, 0))
	return strings.Repeat(g.bar, full), strings.Repeat(g.barEmpty, max(w, 0)-full)
}

// asciiOnly replaces every rune outside ASCII with '?': the last guard of
// an ASCII terminal against bytes it would show as garbage (a name with
// Unicode in it, a mark some view drew without the table).
func asciiOnly(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
