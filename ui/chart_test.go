package ui

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var nan = math.NaN()

func label(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func TestResample(t *testing.T) {
	got := resample([]float64{1, 5, 2, nan, nan, nan, 3, 0}, 4)
	if got[0] != 5 || got[1] != 2 || !math.IsNaN(got[2]) || got[3] != 3 {
		t.Errorf("shrink: %v", got)
	}
	got = resample([]float64{1, 2}, 4)
	if got[0] != 1 || got[1] != 1 || got[2] != 2 || got[3] != 2 {
		t.Errorf("stretch: %v", got)
	}
}

func TestSparkline(t *testing.T) {
	for _, tc := range []struct {
		vals []float64
		w    int
		g    glyphs
		want string
	}{
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, 8, unicodeGlyphs, "▁▂▃▄▅▆▇█"},
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, 8, asciiGlyphs, "_.-=+*#@"},
		{[]float64{0, nan, 7}, 8, unicodeGlyphs, "▁ █"},
		{[]float64{0, 0, 0}, 3, unicodeGlyphs, "▁▁▁"},          // zero is drawn, unknown is not
		{[]float64{0, 7, 0, 0, 0, 0}, 3, unicodeGlyphs, "█▁▁"}, // the spike survives
		{nil, 5, unicodeGlyphs, ""},
	} {
		if got := sparkline(tc.vals, tc.w, tc.g); got != tc.want {
			t.Errorf("sparkline(%v, %d) = %q, want %q", tc.vals, tc.w, got, tc.want)
		}
	}
	// Against a limit: a table at a fifth of its maximum stays low.
	if got := sparklineTo([]float64{20, 20, 100}, 3, 100, unicodeGlyphs); got != "▂▂█" {
		t.Errorf("sparklineTo = %q", got)
	}
}

func TestChart(t *testing.T) {
	vals := []float64{0, 1, 2, 3, 4, nan, nan, 8}
	got := chart(vals, 8*time.Second, 12, 5, label, unicodeGlyphs)
	want := []string{
		"8│         █",
		" │         █",
		" │    ▄██  █",
		"0│  ▄████··█",
		" └-8s────now",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i, l := range got {
		if n := utf8.RuneCountInString(l); n != 12 {
			t.Errorf("line %d is %d cells: %q", i, n, l)
		}
	}
	if !strings.HasPrefix(got[0], "8│") || !strings.HasPrefix(got[3], "0│") || !strings.HasSuffix(got[4], "now") || !strings.Contains(got[4], "-8s") {
		t.Errorf("labels: %q", got)
	}
	// The highest column is full in every row; unknown columns show the
	// unknown mark on the baseline only; zero draws nothing.
	for row := 0; row < 4; row++ {
		if r := []rune(got[row]); r[len(r)-1] != '█' {
			t.Errorf("row %d: last column %q", row, string(r[len(r)-1]))
		}
	}
	base := []rune(got[3])
	if base[2] != ' ' || base[9] != '·' || base[10] != '·' || []rune(got[2])[9] != ' ' {
		t.Errorf("baseline %q", got[3])
	}
	if c := chart(vals, time.Minute, 9, 5, label, unicodeGlyphs); c != nil {
		t.Errorf("a chart too narrow to read: %q", c)
	}
	if c := chart(vals, time.Minute, 40, 1, label, unicodeGlyphs); c != nil {
		t.Errorf("a chart too low to read: %q", c)
	}
}

func TestChartASCII(t *testing.T) {
	got := chart([]float64{2, 4}, time.Minute, 12, 4, label, asciiGlyphs)
	for _, l := range got {
		for _, r := range l {
			if r > 127 {
				t.Fatalf("non-ASCII %q in %q", r, got)
			}
		}
	}
	if strings.Join(got, "/") != "4|     #####/ |:::::#####/0|##########/ +-1m----now" {
		t.Errorf("%q", got)
	}
}

func TestTimeAxis(t *testing.T) {
	for _, tc := range []struct {
		window time.Duration
		w      int
		want   string
	}{
		{15 * time.Minute, 40, "└-15m───-10m──────-5m───now"},
		{15 * time.Minute, 20, "└-15m───────now"},
		{time.Hour, 62, "-10m"},
	} {
		got := timeAxis(tc.window, 1, tc.w, unicodeGlyphs)
		if utf8.RuneCountInString(got) != tc.w+1 {
			t.Errorf("%v %d: %d cells %q", tc.window, tc.w, utf8.RuneCountInString(got), got)
		}
		for _, part := range strings.FieldsFunc(tc.want, func(r rune) bool { return r == '─' || r == '└' }) {
			if !strings.Contains(got, part) {
				t.Errorf("%v at %d: %q lacks %q", tc.window, tc.w, got, part)
			}
		}
		if !strings.HasPrefix(got, "└-") || !strings.HasSuffix(got, "now") {
			t.Errorf("%q", got)
		}
	}
	if shortDuration(90*time.Minute) != "1h30m" || shortDuration(45*time.Second) != "45s" || shortDuration(2*time.Hour) != "2h" {
		t.Error("shortDuration")
	}
}
