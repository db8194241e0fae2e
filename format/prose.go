package format

import "strings"

// Doc is text laid out as paragraphs and lines, wrapped to a width only
// when it is rendered: the tuning report is one.
type Doc []Block

// Block is one paragraph or one line of a Doc.
type Block struct {
	// Text is a paragraph, or one line as it is when Line is set.
	Text string
	Line bool
	// First and Rest start the paragraph's first and following lines
	// (an indent, or "  1. " and its width in blanks).
	First, Rest string
}

// Line appends a line, written as it is.
func (d *Doc) Line(text string) { *d = append(*d, Block{Text: text, Line: true}) }

// Para appends a paragraph whose every line starts with indent.
func (d *Doc) Para(indent, text string) {
	*d = append(*d, Block{Text: text, First: indent, Rest: indent})
}

// Item appends a paragraph whose first line starts with first and the
// others with rest.
func (d *Doc) Item(first, rest, text string) {
	*d = append(*d, Block{Text: text, First: first, Rest: rest})
}

// Text renders d with its paragraphs wrapped at width columns (at least
// 40, so a paragraph keeps a few words a line), each line ending in a
// newline.
func (d Doc) Text(width int) string {
	width = max(width, 40)
	var b strings.Builder
	for _, bl := range d {
		if bl.Line {
			b.WriteString(bl.Text)
			b.WriteByte('\n')
			continue
		}
		b.WriteString(Wrap(bl.Text, width, bl.First, bl.Rest))
	}
	return b.String()
}

// Wrap fills text into lines of at most width columns, the first starting
// with first and the others with rest, each ending in a newline. A first
// word that does not fit after first but fits after rest starts the second
// line (first then ends the first one alone); words longer than a line stay
// whole; "" gives "".
func Wrap(text string, width int, first, rest string) string {
	var b strings.Builder
	prefix := first
	cur := 0
	for _, w := range strings.Fields(text) {
		switch {
		case cur == 0 && prefix == first && len(first)+len(w) > width && len(rest)+len(w) <= width && len(rest) < len(first):
			b.WriteString(strings.TrimRight(first, " "))
			b.WriteString("\n")
			prefix = rest
			b.WriteString(prefix)
			b.WriteString(w)
			cur = len(prefix) + len(w)
		case cur == 0:
			b.WriteString(prefix)
			b.WriteString(w)
			cur = len(prefix) + len(w)
		case cur+1+len(w) > width:
			b.WriteString("\n")
			prefix = rest
			b.WriteString(prefix)
			b.WriteString(w)
			cur = len(prefix) + len(w)
		default:
			b.WriteString(" ")
			b.WriteString(w)
			cur += 1 + len(w)
		}
	}
	if cur > 0 {
		b.WriteString("\n")
	}
	return b.String()
}
