package format

import "testing"

func TestName(t *testing.T) {
	for in, want := range map[string]string{
		"web1":                  "web1",
		"conntrack dump.txt":    "conntrack dump.txt",
		"wörk/ünïcode":          "wörk/ünïcode",
		"x\x1b[31mRED\a":        `"x\x1b[31mRED\a"`,
		"two\nlines":            `"two\nlines"`,
		"rtl\u202eexe.txt":      `"rtl\u202eexe.txt"`,
		"bad\xffutf8":           `"bad\xffutf8"`,
		"c1\u009bcsi":           `"c1\u009bcsi"`,
		"tab\there":             `"tab\there"`,
		"":                      "",
		"quote\"inside is fine": "quote\"inside is fine",
	} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"replay: open /tmp/x: no such file":        "replay: open /tmp/x: no such file",
		"replay: open /tmp/x\x1b[2J: no such file": `replay: open /tmp/x\x1b[2J: no such file`,
		"a\nforged line":                           `a\nforged line`,
		"bad\xff\xfe":                              `bad\xff\xfe`,
		"rtl\u202e":                                `rtl\u202e`,
		"ünïcode stays, \x07 goes":                 `ünïcode stays, \a goes`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %s, want %s", in, got, want)
		}
	}
}
