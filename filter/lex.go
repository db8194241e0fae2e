package filter

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The lexer of the filter language, and its errors.

// Error is a syntax error in a filter expression. Its Error method
// formats it as "filter: <Msg> at column <Column>".
type Error struct {
	// Column is where the error is, 1-based, counted in characters (runes)
	// of the expression as given to Parse.
	Column int
	// Msg says what was wrong or expected.
	Msg string
}

// Error formats the error as "filter: MSG at column N".
func (e *Error) Error() string {
	return "filter: " + e.Msg + " at column " + strconv.Itoa(e.Column)
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tWord
	tLParen
	tRParen
	tNot
	tAnd
	tOr
)

// filterToken is one lexical token; off and end are byte offsets into the source.
type filterToken struct {
	kind     tokKind
	text     string
	off, end int
}

func isFilterSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isFilterDelim(c byte) bool {
	return isFilterSpace(c) || c == '(' || c == ')' || c == '!' || c == '&' || c == '|'
}

func (p *filterParser) errAt(off int, msg string) error {
	return &Error{Column: utf8.RuneCountInString(p.src[:off]) + 1, Msg: msg}
}

// quoteWord quotes s for an error message, shortened.
func quoteWord(s string) string { return strconv.Quote(shortenWord(s)) }

// shortenWord cuts s to at most about 32 bytes for an error message.
func shortenWord(s string) string {
	const max = 32
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// lex returns the token at byte offset off.
func (p *filterParser) lex(off int) (filterToken, error) {
	s := p.src
	for off < len(s) && isFilterSpace(s[off]) {
		off++
	}
	if off == len(s) {
		return filterToken{kind: tEOF, off: off, end: off}, nil
	}
	switch c := s[off]; c {
	case '(':
		return filterToken{tLParen, "(", off, off + 1}, nil
	case ')':
		return filterToken{tRParen, ")", off, off + 1}, nil
	case '!':
		return filterToken{tNot, "!", off, off + 1}, nil
	case '&', '|':
		if off+1 < len(s) && s[off+1] == c {
			k := tAnd
			if c == '|' {
				k = tOr
			}
			return filterToken{k, s[off : off+2], off, off + 2}, nil
		}
		return filterToken{}, p.errAt(off, `expected "`+string([]byte{c, c})+`"`)
	}
	end := off
	for end < len(s) && !isFilterDelim(s[end]) {
		end++
	}
	t := filterToken{kind: tWord, text: s[off:end], off: off, end: end}
	switch {
	case strings.EqualFold(t.text, "and"):
		t.kind = tAnd
	case strings.EqualFold(t.text, "or"):
		t.kind = tOr
	case strings.EqualFold(t.text, "not"):
		t.kind = tNot
	}
	return t, nil
}

func (p *filterParser) advance() error {
	t, err := p.lex(p.tok.end)
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}
