package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWrapCodeKeepsRules: the nft and iptables texts the rules dialog
// shows (the firewall package's goldens) wrap at 80 and 100 columns into
// lines that fit and that still read as the same statements: a
// continuation ends in " \" and a comment goes on as a comment, so
// joining them gives back every rule whole, never split or cut.
func TestWrapCodeKeepsRules(t *testing.T) {
	files, _ := filepath.Glob("../firewall/testdata/Test*/*.golden")
	if len(files) < 10 {
		t.Fatalf("only %d firewall goldens", len(files))
	}
	wrapped := 0
	for _, f := range files {
		if strings.Contains(f, "TestExplain") {
			continue // prose: wrapLine's
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{80, 100} {
			for _, line := range strings.Split(string(b), "\n") {
				out := wrapCode(line, w)
				if len(out) > 1 {
					wrapped++
				}
				for _, o := range out {
					if len(o) > w {
						t.Errorf("%s at %d: %q is %d wide", f, w, o, len(o))
					}
				}
				if got, want := unwrapCode(out), strings.Join(strings.Fields(line), " "); got != want {
					t.Errorf("%s at %d: %q wrapped into %q, which reads %q", f, w, line, out, got)
				}
			}
		}
	}
	if wrapped == 0 {
		t.Fatal("no rule needed wrapping: the test proves nothing")
	}
}

// unwrapCode joins wrapCode's lines back into one statement.
func unwrapCode(lines []string) string {
	var words []string
	for i, l := range lines {
		l = strings.TrimSuffix(l, " \\")
		if i > 0 && strings.HasPrefix(strings.TrimLeft(l, " "), "#   ") {
			l = strings.TrimPrefix(strings.TrimLeft(l, " "), "#")
		}
		words = append(words, strings.Fields(l)...)
	}
	return strings.Join(words, " ")
}
