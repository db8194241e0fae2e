package ui

import (
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/cttop/cttop/model"
)

func testLog() *model.KernelLog {
	g := model.NewKernelLog(0)
	at := time.Date(2026, 11, 30, 14, 2, 3, 0, time.UTC)
	g.Add(model.LogLine{Kind: model.LogHash, Time: at.Add(-time.Hour), Buffered: true, Text: "nf_conntrack version 0.5.0 (262144 buckets, 262144 max)"})
	g.Add(model.LogLine{Kind: model.LogTableFull, Time: at, NetNS: 4026532177, Suppressed: 45,
		Text: "nf_conntrack: nf_conntrack: table full in netns 4026532177, dropping packet"})
	g.Add(model.LogLine{Kind: model.LogSYNFlood, Time: at.Add(time.Second), Port: 80,
		Text: "TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:80. Sending cookies."})
	g.Add(model.LogLine{Kind: model.LogInvalid, Since: 12345 * time.Millisecond, Text: "nf_ct_proto_6: invalid \x1b[2J packet"})
	return g
}

// names knows web1 (inode 4026532177) from an hour before testLog's
// lines.
func names(ino uint64) (string, time.Time) {
	if ino == 4026532177 {
		return "web1", time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC)
	}
	return "", time.Time{}
}

// TestLogInodeReused: the kernel gives the inode of a namespace gone to
// the next one made. A line older than the namespace that has its inode
// now is not named after it, in the pane and in the header: the pane
// says the name is not known to apply and why; a line from after it
// was made is named.
func TestLogInodeReused(t *testing.T) {
	made := time.Date(2026, 11, 30, 9, 10, 2, 0, time.UTC)
	newcomer := func(ino uint64) (string, time.Time) {
		if ino == 4026532177 {
			return "cttop-newcomer", made
		}
		return "", time.Time{}
	}
	old := model.LogLine{Kind: model.LogTableFull, Time: made.Add(-3*time.Minute - 52*time.Second), NetNS: 4026532177, Buffered: true,
		Text: "nf_conntrack: nf_conntrack: table full in netns 4026532177, dropping packet"}
	fresh := old
	fresh.Time, fresh.Buffered = made.Add(time.Minute), false
	s := NewStyles(true)
	for _, c := range []struct {
		l            model.LogLine
		pane, header string
	}{
		{old, "table full in netns 4026532177 (not known to be cttop-newcomer, which is known to exist only from 09:10:02: the kernel gives the number of a namespace gone to the next one made), dropping packet",
			"table full in netns 4026532177 (not known to be cttop-newcomer)"},
		{fresh, "table full in netns 4026532177 (cttop-newcomer), dropping packet", "table full in netns 4026532177 (cttop-newcomer)"},
		// A line without a wall clock time is not known to be anyone's.
		{model.LogLine{Kind: model.LogTableFull, Since: time.Minute, NetNS: 4026532177, Text: old.Text},
			"(not known to be cttop-newcomer, which", "(not known to be cttop-newcomer)"},
	} {
		rows := logRows(c.l, newcomer, logWidths(nil), 400, &s)
		if pane := oneLine(ansi.Strip(strings.Join(rows, " "))); !strings.Contains(pane, c.pane) {
			t.Errorf("line at %v: pane %q, want %q", c.l.Time, pane, c.pane)
		}
		if h := latestText(c.l, newcomer); !strings.HasSuffix(h, c.header) {
			t.Errorf("line at %v: header %q, want %q", c.l.Time, h, c.header)
		}
	}
	// No namespace known by the inode: the number only.
	if h := latestText(old, func(uint64) (string, time.Time) { return "", time.Time{} }); h != "table full in netns 4026532177" {
		t.Errorf("unknown inode: %q", h)
	}
}

func TestLogPane(t *testing.T) {
	s := NewStyles(true)
	var p logPane
	for _, w := range []int{80, 160, 30} {
		lines := p.render(testLog(), "", names, w, 60, &s)
		text := ansi.Strip(strings.Join(lines, "\n"))
		for i, l := range lines {
			if lw := lipgloss.Width(l); lw > w {
				t.Errorf("%d: line %d is %d cells", w, i, lw)
			}
		}
		if strings.Contains(strings.Join(lines, ""), "\x1b[2J") {
			t.Errorf("%d: a kernel line's escape reached the screen", w)
		}
		for _, want := range []string{"14:02:03", "(web1)", "1 table full (+45 suppressed)", "+12.3s"} {
			if w >= 80 && !strings.Contains(text, want) {
				t.Errorf("%d: no %q in\n%s", w, want, text)
			}
		}
		// Nothing is cut: every word of every line is on screen.
		for _, word := range []string{"dropping", "packet", "cookies.", "(262144", "max)"} {
			if !strings.Contains(text, word) {
				t.Errorf("%d: %q cut from\n%s", w, word, text)
			}
		}
	}
	// Scrolling back shows older lines; end follows the newest again.
	lines := p.render(testLog(), "", names, 80, 3, &s)
	if !strings.Contains(ansi.Strip(lines[len(lines)-1]), "invalid") {
		t.Errorf("not following the newest: %q", lines)
	}
	p.key("home", 2)
	lines = p.render(testLog(), "", names, 80, 3, &s)
	if !strings.Contains(ansi.Strip(lines[1]), "nf_conntrack version") {
		t.Errorf("home: %q", lines)
	}
	p.key("end", 2)
	if p.back != 0 {
		t.Error("end does not follow")
	}
	if p.key("x", 2) {
		t.Error("an unknown key was taken")
	}
}

func TestLogPaneNoPermission(t *testing.T) {
	s := NewStyles(true)
	var p logPane
	lines := p.render(nil, "cannot read the kernel log (/dev/kmsg: operation not permitted; it needs root or CAP_SYSLOG)", nil, 80, 5, &s)
	if got := oneLine(ansi.Strip(strings.Join(lines, "\n"))); got != "cannot read the kernel log (/dev/kmsg: operation not permitted; it needs root or CAP_SYSLOG)" {
		t.Errorf("%q", lines)
	}
}

func TestWrapText(t *testing.T) {
	got := wrapText("a bb ccc dddddddddd e", 4)
	want := []string{"a bb", "ccc", "dddd", "dddd", "dd e"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%q", got)
	}
	if got := wrapText("", 5); len(got) != 1 || got[0] != "" {
		t.Errorf("empty: %q", got)
	}
}

func TestLogAge(t *testing.T) {
	now := time.Unix(1000, 0)
	for d, want := range map[time.Duration]string{4 * time.Second: "4s", 3 * time.Minute: "3m", 2 * time.Hour: "2h", -time.Second: "0s"} {
		if got := logAge(now, now.Add(-d)); got != want {
			t.Errorf("%v: %q", d, got)
		}
	}
	if logAge(now, time.Time{}) != "?" {
		t.Error("zero time")
	}
}

// TestLogPaneWhole: what the pane says is never cut: the empty pane's
// message and a read error wrap whole at any width, and a pane scrolled
// or too short for a line's rows starts with a line's first row (its time
// and kind), never in the middle of a line.
func TestLogPaneWhole(t *testing.T) {
	s := NewStyles(true)
	var p logPane
	for _, w := range []int{80, 40, 20} {
		empty := oneLine(ansi.Strip(strings.Join(p.render(model.NewKernelLog(0), "", names, w, 10, &s), "\n")))
		if !strings.Contains(empty, "since cttop started (nor in the minutes before)") {
			t.Errorf("%d: the empty pane says %q", w, empty)
		}
		why := "cannot read the kernel log (/dev/kmsg: operation not permitted; it needs root or CAP_SYSLOG)"
		if got := oneLine(ansi.Strip(strings.Join(p.render(nil, why, nil, w, 10, &s), "\n"))); !strings.Contains(got, why) {
			t.Errorf("%d: the error reads %q", w, got)
		}
	}
	// At 40 columns every line takes two rows or more: whatever the
	// height and the scroll, the first row shown has a time.
	for h := 2; h <= 8; h++ {
		for back := 0; back < 8; back++ {
			p.back = back
			lines := p.render(testLog(), "", names, 40, h, &s)
			if len(lines) < 2 {
				t.Fatalf("h %d: %q", h, lines)
			}
			if first := ansi.Strip(lines[1]); strings.HasPrefix(first, " ") {
				t.Errorf("h %d back %d: the pane starts inside a line: %q", h, back, lines)
			}
		}
	}
}

// TestLogPaneColumns: the time and kind columns are as wide as their
// widest cells (a time since boot of six digits, "expectation table
// full"), so every line's text starts in the same column at 80 and 160.
func TestLogPaneColumns(t *testing.T) {
	g := model.NewKernelLog(0)
	g.Add(model.LogLine{Kind: model.LogInvalid, Since: 5100 * time.Millisecond, Text: "TEXT-A nf_ct_proto_6: invalid packet"})
	g.Add(model.LogLine{Kind: model.LogExpectFull, Since: 123456700 * time.Millisecond, Text: "TEXT-B nf_conntrack: expectation table full"})
	g.Add(model.LogLine{Kind: model.LogTableFull, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Text: "TEXT-C nf_conntrack: table full, dropping packet"})
	s := NewStyles(true)
	for _, w := range []int{80, 160} {
		var p logPane
		screen := ansi.Strip(strings.Join(p.render(g, "", names, w, 12, &s), "\n"))
		col := -1
		for _, l := range strings.Split(screen, "\n") {
			i := strings.Index(l, "TEXT-")
			if i < 0 {
				continue
			}
			if col >= 0 && len([]rune(l[:i])) != col {
				t.Errorf("%d: texts start at %d and %d:\n%s", w, col, len([]rune(l[:i])), screen)
			}
			col = len([]rune(l[:i]))
		}
		for _, want := range []string{"+123456.7s", "expectation table full", "+5.1s", "03:04:05"} {
			if !strings.Contains(screen, want) {
				t.Errorf("%d: %q not whole:\n%s", w, want, screen)
			}
		}
	}
}
