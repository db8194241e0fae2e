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
// whole; a number stays on the line of the name before it ("invalid
// 6,036", "TIME_WAIT 42,475", "= 120"); "" gives "".
func Wrap(text string, width int, first, rest string) string {
	var b strings.Builder
	prefix := first
	cur := 0
	for _, w := range wrapTokens(strings.Fields(text), width-len(rest)) {
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

// wrapTokens are the words of a text as Wrap breaks it: a number joined
// to the name or "=" before it, when the two fit in room columns, so that
// a count is never read apart from what it counts.
func wrapTokens(words []string, room int) []string {
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); i++ {
		w := words[i]
		if i+1 < len(words) && labels(w) && startsNumber(words[i+1]) && len(w)+1+len(words[i+1]) <= room {
			w += " " + words[i+1]
			i++
		}
		if i+1 < len(words) && startsNumber(words[i]) && units[strings.TrimRight(words[i+1], ".,;:)")] && len(w)+1+len(words[i+1]) <= room {
			w += " " + words[i+1] // "4 GiB"
			i++
		}
		out = append(out, w)
	}
	return out
}

// labels reports whether a word names the number after it: it ends in a
// letter or an underscore, or is "=".
func labels(w string) bool {
	c := w[len(w)-1]
	return w == "=" || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// units are the words of a size or a time that stay with their number.
var units = map[string]bool{"B": true, "KiB": true, "MiB": true, "GiB": true, "TiB": true, "bytes": true, "s": true, "ms": true}

func startsNumber(w string) bool { return w[0] >= '0' && w[0] <= '9' }
