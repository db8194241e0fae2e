package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// linePart is a part of a header line: its forms, longest first (a
// shorter one says the same in fewer words, or less of it), and its
// priority (lower stays longer). Parts of one priority are listed most
// important first.
type linePart struct {
	forms []string
	prio  int
}

// fitLine joins the parts with two spaces in at most width cells and
// never cuts one: the parts of the least important priority give way
// first, the last of them first, each through its shorter forms; when all
// of them are at their shortest and the line is still too long, they go
// together, but for those of priority 0, which go one by one, the last
// first, those left taking their longest forms again before they
// shorten. A part that fits in no form goes; an empty one is left out.
func fitLine(parts []linePart, width int) string {
	alive := make([]linePart, 0, len(parts))
	for _, p := range parts {
		if len(p.forms) > 0 && lipgloss.Width(p.forms[0]) > 0 {
			alive = append(alive, p)
		}
	}
	form := make([]int, len(alive))
	total := func() int {
		n := 0
		for i, p := range alive {
			n += lipgloss.Width(p.forms[form[i]]) + 2
		}
		return n - 2
	}
	for len(alive) > 0 && total() > width {
		level := 0
		for _, p := range alive {
			level = max(level, p.prio)
		}
		// Shorten the level's parts, the last first.
		for i := len(alive) - 1; i >= 0 && total() > width; i-- {
			for alive[i].prio == level && form[i] < len(alive[i].forms)-1 && total() > width {
				form[i]++
			}
		}
		if total() <= width {
			break
		}
		// Still too long: the level goes, all of it, but for level 0,
		// whose last part goes; the others of the level start again from
		// their longest forms.
		for i := len(alive) - 1; i >= 0; i-- {
			if alive[i].prio == level {
				alive = append(alive[:i], alive[i+1:]...)
				form = append(form[:i], form[i+1:]...)
				if level == 0 {
					break
				}
			}
		}
		for i := range alive {
			if alive[i].prio == level {
				form[i] = 0
			}
		}
	}
	texts := make([]string, len(alive))
	for i, p := range alive {
		texts[i] = p.forms[form[i]]
	}
	return strings.Join(texts, "  ")
}
