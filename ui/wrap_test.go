package ui

import (
	"os"
	"path/filepath"
	"slices"
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

// TestCommentsReflow: the rule texts' comments, broken for 80 columns,
// read as sentences in the dialog at any width: no word is left alone on
// a continuation line before its sentence goes on on the next comment
// line, and every word stays, in order.
func TestCommentsReflow(t *testing.T) {
	files, _ := filepath.Glob("../firewall/testdata/Test*/*.golden")
	joined := 0
	for _, f := range files {
		if strings.Contains(f, "TestExplain") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := strings.Split(string(b), "\n")
		j := joinComments(src)
		if len(j) < len(src) {
			joined++
		}
		for _, l := range j {
			// A command in a comment stays a line of its own.
			if text, ok := commentText(l); ok && strings.Count(text, "tables -") > 1 {
				t.Errorf("%s: commands joined: %q", f, l)
			}
		}
		for _, w := range []int{60, 76, 80, 100} {
			var out []string
			var prose []bool // whether out[i] wraps a sentence of a comment
			for _, l := range j {
				text, ok := commentText(l)
				isProse := ok && text != "" && text[0] != ' ' && !isCommand(text)
				for _, o := range wrapCode(l, w) {
					out = append(out, o)
					prose = append(prose, isProse)
				}
			}
			words := func(s string) string {
				return strings.Join(strings.Fields(strings.NewReplacer("#", "", " \\\n", " ").Replace(s)), " ")
			}
			if got, want := words(strings.Join(out, "\n")), words(string(b)); got != want {
				t.Errorf("%s at %d: the words changed:\n%s\n%s", f, w, got, want)
			}
			for i := 0; i+1 < len(out); i++ {
				// A sentence's continuation of a word or two, then
				// another comment line of prose: the sentence's next
				// words, which belonged on the line before.
				orphan := prose[i] && strings.HasPrefix(out[i], "#   ") && !slices.Contains(src, out[i]) &&
					len(strings.Fields(out[i])) <= 3 && !strings.ContainsAny(out[i][len(out[i])-1:], ".:;!?)")
				if orphan && prose[i+1] && !strings.HasPrefix(out[i+1], "#   ") {
					t.Errorf("%s at %d: a sentence breaks after a continuation line:\n%s\n%s", f, w, out[i], out[i+1])
				}
			}
		}
	}
	if joined == 0 {
		t.Fatal("no comment was joined: the test proves nothing")
	}
}

// TestWrapTextSplitsPaths: a word wider than the line (a path) goes on at
// the next line after a '/' (else a '-') when one is far enough in, else
// at the line's end; its head fills the line before it when it ends at a
// separator; nothing is lost and no line is wider than asked.
func TestWrapTextSplitsPaths(t *testing.T) {
	for _, c := range []struct {
		text string
		w    int
		want []string
	}{
		{"saved to /tmp/incident-2026/evidence.json: 30 flows", 20,
			[]string{"saved to /tmp/", "incident-2026/", "evidence.json: 30", "flows"}},
		{"saved to /tmp/qa-mw/incident-2026-11-30-table-full/evidence-before-the-block-on-web1.json: 0 flows", 80,
			[]string{"saved to /tmp/qa-mw/incident-2026-11-30-table-full/", "evidence-before-the-block-on-web1.json: 0 flows"}},
		{"a-b /tmp/abcdefgh-ijklmnop", 12, []string{"a-b /tmp/", "abcdefgh-", "ijklmnop"}},
		{"abcdefghijklmnopqrstuvwxyz", 10, []string{"abcdefghij", "klmnopqrst", "uvwxyz"}},
		{"a/bcdefghijklmnop", 9, []string{"a/bcdefgh", "ijklmnop"}}, // '/' too early
		{"x", 0, []string{"x"}},
	} {
		got := wrapText(c.text, c.w)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrapText(%q, %d) = %q, want %q", c.text, c.w, got, c.want)
		}
	}
}
