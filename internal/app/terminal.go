package app

import (
	"os"
	"strconv"
	"strings"

	"github.com/cttop/cttop/ui"
)

// asciiTerminal reports whether the terminal should be drawn with ASCII
// only: its locale's character set is not UTF-8 (LC_ALL, else LC_CTYPE,
// else LANG, as setlocale(3) reads them; none set is the C locale), or
// TERM names a console that shows no Unicode (the Linux console's own
// font, a VT100 or VT220 or a serial line emulating one).
func asciiTerminal(getenv func(string) string) bool {
	switch term := getenv("TERM"); {
	case term == "linux", term == "dumb", strings.HasPrefix(term, "vt"):
		return true
	}
	locale := ""
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if locale = getenv(v); locale != "" {
			break
		}
	}
	cs := strings.ToLower(locale)
	if i := strings.IndexByte(cs, '@'); i >= 0 {
		cs = cs[:i] // a modifier: de_DE.UTF-8@euro
	}
	return !strings.HasSuffix(cs, ".utf-8") && !strings.HasSuffix(cs, ".utf8")
}

// sizeFallback is the size to assume when the terminal reports none:
// $COLUMNS and $LINES when both are set to positive numbers (a shell
// exports them after asking the terminal, or the user sets them on a
// serial console), else the UI's default.
func sizeFallback(getenv func(string) string) ui.SizeFallback {
	w, errW := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS")))
	h, errH := strconv.Atoi(strings.TrimSpace(getenv("LINES")))
	if errW != nil || errH != nil || w <= 0 || h <= 0 || w > 10000 || h > 10000 {
		return ui.SizeFallback{}
	}
	return ui.SizeFallback{Size: ui.Size{Width: w, Height: h}, From: "$COLUMNS/$LINES"}
}

// terminalConfig fills in what the UI needs to know of the terminal.
func terminalConfig(uc *ui.Config) {
	uc.ASCII = asciiTerminal(os.Getenv)
	uc.SizeFallback = sizeFallback(os.Getenv)
}
