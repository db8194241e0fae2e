package main

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

func init() {
	// golden, when some test of this package imports it, defines -update
	// already; this test shares it.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files and cttop.1")
	}
}

func updating() bool {
	g, ok := flag.Lookup("update").Value.(flag.Getter)
	return ok && g.Get() == true
}

// TestManPage fails when cttop.1 no longer matches the flags: regenerate it
// with go generate (go test -run TestManPage -update .).
func TestManPage(t *testing.T) {
	fs, _ := newFlagSet(new(Config))
	var b bytes.Buffer
	writeManPage(&b, fs)
	if updating() {
		if err := os.WriteFile("cttop.1", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("cttop.1")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		got, wantLines := strings.Split(b.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(got), len(wantLines)); i++ {
			var g, w string
			if i < len(got) {
				g = got[i]
			}
			if i < len(wantLines) {
				w = wantLines[i]
			}
			if g != w {
				t.Fatalf("cttop.1 is out of date with the flags (first difference at line %d:\n  cttop.1:   %q\n  generated: %q)\nregenerate it: go generate, or go test -run TestManPage -update .",
					i+1, w, g)
			}
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(b.String(), `\-\-`+roffEscape(f.Name)) {
			t.Errorf("flag --%s is not in the man page", f.Name)
		}
	})
}

func TestRoffEscape(t *testing.T) {
	if got := roffLine(`.starts with a dot, a \ and --metrics-public`); got != `\&.starts with a dot, a \e and \-\-metrics\-public` {
		t.Errorf("roffLine = %q", got)
	}
	if got := roffEscape("metrics-public"); got != `metrics\-public` {
		t.Errorf("roffEscape = %q", got)
	}
}
