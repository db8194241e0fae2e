package ui

import (
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
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

// wrapCode breaks a line of nft or shell text wider than w cells at
// spaces so that what is on screen is still valid text to paste: a
// statement's lines end in " \\" (the line continuation of nft -f and of
// sh) and go on indented; a comment's go on as comments. A word wider than
// a line stays whole (the terminal's clip then shows its start): a rule
// is never cut inside a word or split without its continuation.
func wrapCode(line string, w int) []string {
	if w <= 0 || len(line) <= w {
		return []string{line}
	}
	cont, next, tail := " \\", "    ", 2
	if strings.HasPrefix(strings.TrimLeft(line, " "), "#") {
		cont, next, tail = "", "#   ", 0
	}
	var out []string
	cur := ""
	for _, word := range strings.Fields(line) {
		prefix := next
		if len(out) == 0 {
			prefix = line[:len(line)-len(strings.TrimLeft(line, " "))]
		}
		switch {
		case cur == "":
			cur = prefix + word
		case len(cur)+1+len(word)+tail > w:
			out = append(out, cur+cont)
			cur = next + word
		default:
			cur += " " + word
		}
	}
	return append(out, cur)
}

// joinComments joins the lines of a comment's sentence that the rule text
// broke for 80 columns back into one line, for wrapCode to break again at
// the width shown: otherwise a narrower dialog leaves a word or two alone
// on a line ("#   services") before the sentence goes on. A comment line
// joins the next when it is long (broken for width, not a title) and ends
// inside a sentence, and the next goes on with text, not an indented
// command.
func joinComments(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if n := len(out); n > 0 {
			prev := out[n-1]
			pt, pok := commentText(prev)
			nt, nok := commentText(l)
			if pok && nok && len(pt) >= 60 && nt != "" && nt[0] != ' ' && !strings.ContainsAny(pt[len(pt)-1:], ".:;!?") &&
				!isCommand(pt) && !isCommand(nt) {
				out[n-1] = prev + " " + nt
				continue
			}
		}
		out = append(out, l)
	}
	return out
}

// commentText is the text of a comment line after "# " (ok false for a
// line that is not a comment).
func commentText(l string) (string, bool) {
	t := strings.TrimLeft(l, " ")
	if !strings.HasPrefix(t, "#") {
		return "", false
	}
	t = strings.TrimPrefix(t, "#")
	return strings.TrimPrefix(t, " "), true
}

// isCommand reports whether a comment's text is a command to copy (the
// -D lines that remove iptables rules), which stays a line of its own.
func isCommand(t string) bool {
	f := strings.Fields(t)
	if len(f) < 2 {
		return false
	}
	switch f[0] {
	case "iptables", "ip6tables", "nft", "sysctl", "conntrack":
		// "iptables has no timeouts" is a sentence.
		return strings.HasPrefix(f[1], "-") || slices.Contains([]string{"add", "insert", "delete", "list", "flush", "replace"}, f[1])
	}
	return false
}

// textLines is text (a message, an error, an empty view's explanation)
// in style st, wrapped at word boundaries into lines of at most w cells,
// each starting with indent: prose on a screen wraps whole, never cut to
// the terminal's width.
func textLines(st lipgloss.Style, text string, w int, indent string) []string {
	var out []string
	for _, l := range wrapText(text, max(w-len(indent), 1)) {
		out = append(out, st.Render(indent+l))
	}
	return out
}
