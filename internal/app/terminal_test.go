package app

import (
	"testing"

	"github.com/cttop/cttop/ui"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestASCIITerminal(t *testing.T) {
	for _, c := range []struct {
		env   map[string]string
		ascii bool
	}{
		{map[string]string{"LANG": "C.UTF-8", "TERM": "xterm-256color"}, false},
		{map[string]string{"LANG": "en_US.utf8", "TERM": "screen"}, false},
		{map[string]string{"LANG": "de_DE.UTF-8@euro", "TERM": "xterm"}, false},
		{map[string]string{"LANG": "C", "TERM": "xterm"}, true},
		{map[string]string{"TERM": "xterm"}, true}, // no locale: C
		{map[string]string{"LANG": "POSIX", "TERM": "xterm"}, true},
		{map[string]string{"LANG": "en_US.ISO-8859-1", "TERM": "xterm"}, true},
		{map[string]string{"LANG": "C.UTF-8", "LC_ALL": "C", "TERM": "xterm"}, true},      // LC_ALL wins
		{map[string]string{"LANG": "C", "LC_CTYPE": "C.UTF-8", "TERM": "xterm"}, false},   // LC_CTYPE before LANG
		{map[string]string{"LC_ALL": "C.UTF-8", "LC_CTYPE": "C", "TERM": "xterm"}, false}, // LC_ALL before LC_CTYPE
		{map[string]string{"LANG": "C.UTF-8", "TERM": "linux"}, true},
		{map[string]string{"LANG": "C.UTF-8", "TERM": "vt100"}, true},
		{map[string]string{"LANG": "C.UTF-8", "TERM": "vt220"}, true},
	} {
		if got := asciiTerminal(env(c.env)); got != c.ascii {
			t.Errorf("%v: ascii %v, want %v", c.env, got, c.ascii)
		}
	}
}

func TestSizeFallback(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want ui.SizeFallback
	}{
		{map[string]string{"COLUMNS": "132", "LINES": "43"}, ui.SizeFallback{Size: ui.Size{Width: 132, Height: 43}, From: "$COLUMNS/$LINES"}},
		{map[string]string{"COLUMNS": "132"}, ui.SizeFallback{}},
		{map[string]string{"COLUMNS": "0", "LINES": "0"}, ui.SizeFallback{}},
		{map[string]string{"COLUMNS": "x", "LINES": "24"}, ui.SizeFallback{}},
		{map[string]string{"COLUMNS": "-80", "LINES": "24"}, ui.SizeFallback{}},
		{nil, ui.SizeFallback{}},
	} {
		if got := sizeFallback(env(c.env)); got != c.want {
			t.Errorf("%v: %+v, want %+v", c.env, got, c.want)
		}
	}
}
