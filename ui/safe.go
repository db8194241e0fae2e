package ui

import (
	"strings"
	"unicode"
)

// safeText makes text from outside cttop (namespace and container names,
// kernel log lines) safe to draw: control characters and other
// unprintable runes become '?', so no byte sequence reaches the terminal
// as an escape.
func safeText(s string) string {
	clean := true
	for _, r := range s {
		if !unicode.IsPrint(r) || r == unicode.ReplacementChar {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !unicode.IsPrint(r) || r == unicode.ReplacementChar {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}
