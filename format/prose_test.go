package format

import "testing"

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
