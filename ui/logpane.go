package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

// logPane lists the kernel log lines that matter (L), oldest first, with
// their times; it follows the newest line unless scrolled back.
type logPane struct {
	back int // display rows scrolled back from the newest (0: follow)
}

// key scrolls the pane; page is its height in rows.
func (p *logPane) key(k string, page int) bool {
	switch k {
	case "up", "k":
		p.back++
	case "down", "j":
		p.back--
	case "pgup":
		p.back += max(page, 1)
	case "pgdown", " ", "space":
		p.back -= max(page, 1)
	case "home", "g":
		p.back = 1 << 30 // clamped when drawn
	case "end", "G":
		p.back = 0
	default:
		return false
	}
	p.back = max(p.back, 0)
	return true
}

// nsNamer names the namespace that has an inode now ("" when none), with
// the earliest time it is known to have existed (zero: unknown): the
// kernel gives the inode of a namespace gone to the next one made, so a
// line older than that may be another's (model.NamespaceRow.Since).
type nsNamer func(inode uint64) (name string, since time.Time)

// nsNote is what to say of a line's namespace after its inode: its name
// when it is known to have existed when the kernel logged the line; else
// that the line is not known to be that namespace's, with (long) since
// when it is known and why; "" when no namespace has the inode now.
func nsNote(l model.LogLine, names nsNamer, long bool) string {
	if l.NetNS == 0 || names == nil {
		return ""
	}
	name, since := names(l.NetNS)
	switch {
	case name == "":
		return ""
	case !since.IsZero() && !l.Time.IsZero() && !l.Time.Before(since):
		return format.Name(name)
	case !long:
		return "not known to be " + format.Name(name)
	}
	note := "not known to be " + format.Name(name)
	if !since.IsZero() {
		note += ", which is known to exist only from " + since.Format("15:04:05")
	}
	return note + ": the kernel gives the number of a namespace gone to the next one made"
}

// render draws the pane in w x h cells: a line of counts per kind (or
// why the log cannot be read), then the lines, wrapped, never cut.
func (p *logPane) render(log *model.KernelLog, readErr string, names nsNamer, w, h int, s *Styles) []string {
	lines := logCounts(log, readErr, w, s)
	var rows []string
	var first []bool // whether a row is the first of its line
	cols := logWidths(log)
	if log != nil {
		for i := 0; i < log.Len(); i++ {
			r := logRows(log.At(i), names, cols, w, s)
			rows = append(rows, r...)
			for j := range r {
				first = append(first, j == 0)
			}
		}
	}
	page := h - len(lines)
	if len(rows) == 0 && readErr != "" {
		return lines // the error says why there are none
	}
	if len(rows) == 0 {
		msg := "no kernel log line about the table since cttop started (nor in the minutes before)"
		for _, l := range wrapText(msg, w) {
			lines = append(lines, s.Dim.Render(l))
		}
		return lines
	}
	p.back = min(p.back, max(len(rows)-page, 0))
	end := len(rows) - p.back
	start := max(end-page, 0)
	// The pane starts with a line's first row: a line is never shown
	// without its time and kind. The next line's if one starts on the
	// page, else this line's (and its end then waits below).
	s0 := start
	for start < end && !first[start] {
		start++
	}
	if start == end {
		for start = s0; start > 0 && !first[start]; start-- {
		}
		end = min(start+max(page, 1), len(rows))
	}
	return append(lines, rows[start:end]...)
}

// logRowCount is how many rows the lines of log take at width w.
func logRowCount(log *model.KernelLog, names nsNamer, w int) int {
	n, cols := 0, logWidths(log)
	if log != nil {
		for i := 0; i < log.Len(); i++ {
			n += len(logRows(log.At(i), names, cols, w, &Styles{}))
		}
	}
	return n
}

// logCounts is the pane's first line: lines per kind, with the messages
// the kernel suppressed next to them; or why the log cannot be read,
// wrapped.
func logCounts(log *model.KernelLog, readErr string, w int, s *Styles) []string {
	if readErr != "" {
		var out []string
		for _, l := range wrapText(readErr, w) {
			out = append(out, s.Warn.Render(l))
		}
		return out
	}
	parts := []string{"kernel log"}
	if log != nil {
		for _, k := range model.LogKinds() {
			c := log.Count(k)
			if c.Lines == 0 {
				continue
			}
			p := format.Commas(c.Lines) + " " + k.String()
			if c.Suppressed > 0 {
				p += " (+" + format.Commas(c.Suppressed) + " suppressed)"
			}
			parts = append(parts, p)
		}
	}
	return []string{fitParts(parts, w, s)}
}

// logCols are the widths of the pane's time and kind columns: their
// widest cells (a time since boot of six digits, "expectation table
// full"), so the kernel's texts line up and nothing is cut.
type logCols struct{ when, kind int }

func logWidths(log *model.KernelLog) logCols {
	c := logCols{kind: 10}
	for i := 0; log != nil && i < log.Len(); i++ {
		l := log.At(i)
		c.when = max(c.when, cellWidth(logWhen(l)))
		c.kind = max(c.kind, cellWidth(l.Kind.String()))
	}
	return c
}

// logWhen is a line's time: the clock's, or the time since boot.
func logWhen(l model.LogLine) string {
	if !l.Time.IsZero() {
		return l.Time.Format("15:04:05")
	}
	return "+" + strconv.FormatFloat(l.Since.Seconds(), 'f', 1, 64) + "s"
}

// logRows draws one line: its time, its kind, the kernel's text with the
// namespace named, wrapped under the text.
func logRows(l model.LogLine, names nsNamer, c logCols, w int, s *Styles) []string {
	prefix := pad(logWhen(l), c.when) + " " + pad(l.Kind.String(), c.kind) + " "
	text := annotate(l, names)
	rows := wrapText(text, w-cellWidth(prefix))
	style := s.Alarm
	switch {
	case l.Buffered:
		style = s.Dim // before cttop started
	case l.Kind != model.LogTableFull && l.Kind != model.LogExpectFull:
		style = s.Warn
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		p := prefix
		if i > 0 {
			p = strings.Repeat(" ", cellWidth(prefix))
		}
		out[i] = style.Render(p + r)
	}
	return out
}

// annotate is the line's text made safe, with the namespace's name after
// its inode and the suppression count after it.
func annotate(l model.LogLine, names nsNamer) string {
	text := format.Printable(l.Text)
	if note := nsNote(l, names, true); note != "" {
		ino := strconv.FormatUint(l.NetNS, 10)
		text = strings.Replace(text, "netns "+ino, "netns "+ino+" ("+note+")", 1)
	}
	if l.Suppressed > 0 {
		text += " [+" + format.Commas(l.Suppressed) + " suppressed just before]"
	}
	return text
}

// wrapText breaks text into lines of at most w cells at spaces; a word
// longer than a line (a path) is split across lines after a '/', '-',
// ',', ':' or '=' when one is far enough in, else at the line's end: never
// dropped, never cut with an ellipsis.
func wrapText(text string, w int) []string {
	w = max(w, 1)
	var out []string
	line := ""
	for _, word := range strings.Fields(text) {
		for cellWidth(word) > w {
			if line != "" {
				// The line's room takes the word's head when it ends
				// at a separator: "saved to /tmp/dir/" then "file".
				if head, rest, soft := splitWord(word, w-cellWidth(line)-1); soft {
					out = append(out, line+" "+head)
					line, word = "", rest
					continue
				}
				out = append(out, line)
				line = ""
			}
			head, rest, _ := splitWord(word, w)
			out = append(out, head)
			word = rest
		}
		switch {
		case line == "":
			line = word
		case cellWidth(line)+1+cellWidth(word) <= w:
			line += " " + word
		default:
			out = append(out, line)
			line = word
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}

// splitWord splits a word wider than w cells into a head of at most w
// cells and the rest: after the last '/' that leaves the head at least a
// third of w, else after the last '-', ',', ':' or '=' that does, else
// (soft false) after w cells, at least one rune so the caller's loop ends.
func splitWord(word string, w int) (head, rest string, soft bool) {
	r := []rune(word)
	cells, hard, slash, other := 0, 0, 0, 0
	for i, c := range r {
		cells += cellWidth(string(c))
		if cells > w {
			break
		}
		hard = i + 1
		if 3*cells >= w && i+1 < len(r) {
			switch {
			case c == '/':
				slash = i + 1
			case strings.ContainsRune("-,:=", c):
				other = i + 1
			}
		}
	}
	switch {
	case slash > 0:
		return string(r[:slash]), string(r[slash:]), true
	case other > 0:
		return string(r[:other]), string(r[other:]), true
	}
	cut := max(hard, 1)
	return string(r[:cut]), string(r[cut:]), false
}

// logAge writes how long ago t was, for the header: 4s, 3m, 2h.
func logAge(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "?"
	case d < time.Minute:
		return strconv.Itoa(max(int(d/time.Second), 0)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return strconv.Itoa(int(d/time.Hour)) + "h"
}
