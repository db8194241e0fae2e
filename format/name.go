package format

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Name returns a name someone else may have chosen (a file, a network
// namespace, a container) for the terminal: as it is when every rune is
// printable (unicode.IsPrint, the space included), else Go-quoted
// (strconv.Quote), so it can neither move the cursor, clear the screen,
// nor forge a line of its own.
func Name(s string) string {
	if printable(s) {
		return s
	}
	return strconv.Quote(s)
}

// Printable returns a line of text that holds such names somewhere inside
// (an error message with a path) with every rune that is not printable,
// and every byte that is not UTF-8, replaced by its Go escape ("\x1b",
// "\n", "\u202e").
func Printable(s string) string {
	if printable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unicode.IsPrint(r):
			b.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRune(r) // "'\x1b'"
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

func printable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
