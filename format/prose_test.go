package format

import (
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	got := Wrap("aaa bbb ccc ddd", 9, "> ", "  ")
	if want := "> aaa bbb\n  ccc ddd\n"; got != want {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
	if got := Wrap(" ", 9, "> ", "  "); got != "" {
		t.Errorf("Wrap of nothing = %q", got)
	}
}

func TestDocText(t *testing.T) {
	var d Doc
	d.Line("Title  with  spaces")
	d.Para("  ", "one two three four five six seven eight nine ten eleven twelve")
	d.Item("  1. ", "     ", "alpha beta gamma delta epsilon zeta eta theta iota kappa")
	want := "Title  with  spaces\n" +
		"  one two three four five six seven\n  eight nine ten eleven twelve\n" +
		"  1. alpha beta gamma delta epsilon zeta\n     eta theta iota kappa\n"
	if got := d.Text(10); got != want { // 10 counts as 40
		t.Errorf("Text =\n%s\nwant\n%s", got, want)
	}
}

// TestWrapKeepsNumbers: at every width, a count stays on the line of what
// it counts ("invalid 6,036", "TIME_WAIT 42,475", "= 120") and a size or
// time with its unit ("128 KiB"): no line ends in a name whose number
// starts the next.
func TestWrapKeepsNumbers(t *testing.T) {
	text := "drop 2,186 early_drop 85,565 insert_failed 54 invalid 6,036 (since boot); TIME_WAIT 42,475 flows; " +
		"nf_conntrack_tcp_timeout_time_wait = 120 and 128 KiB of buckets, 98 MiB at most"
	for w := 20; w <= 100; w++ {
		lines := strings.Split(strings.TrimSuffix(Wrap(text, w, "  ", "  "), "\n"), "\n")
		for i := 0; i+1 < len(lines); i++ {
			f, g := strings.Fields(lines[i]), strings.Fields(lines[i+1])
			last, next := f[len(f)-1], g[0]
			if (labels(last) && startsNumber(next)) || (startsNumber(last) && units[strings.TrimRight(next, ",.")]) {
				t.Errorf("at %d: %q / %q", w, lines[i], lines[i+1])
			}
		}
		if got := strings.Join(strings.Fields(Wrap(text, w, "", "")), " "); got != text {
			t.Errorf("at %d: the words changed: %q", w, got)
		}
	}
}
