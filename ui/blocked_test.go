package ui

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/action"
)

// TestBlockedDurations: the B list at 80x24 shows every time left and
// every rule length whole, whatever its width (59m20s was cut to 59m2),
// each column as wide as its widest cell.
func TestBlockedDurations(t *testing.T) {
	durs := []time.Duration{9 * time.Second, 59 * time.Second, 9*time.Minute + 59*time.Second,
		59*time.Minute + 20*time.Second, time.Hour, 23*time.Hour + 59*time.Minute}
	want := []string{"9s", "59s", "9m59s", "59m20s", "1h00m", "23h59m"}
	a := &fakeActions{}
	for i, d := range durs {
		a.entries = append(a.entries, action.Entry{
			Target:  action.Host(action.Drop, netip.AddrFrom4([4]byte{203, 0, 113, byte(i + 1)})),
			Timeout: 24 * time.Hour, Expires: d,
			Counter: action.Counter{Known: true, Packets: 1234567890123},
		})
	}
	a.entries = append(a.entries, action.Entry{Target: action.SynProxyService(443)})
	m := actionModel(t, a, false)
	m.Update(tea80x24())
	pressRun(m, "B")
	screen := plain(m)
	lines := strings.Split(screen, "\n")
	for i, w := range want {
		addr := "drop from 203.0.113." + string(rune('1'+i))
		found := false
		for _, l := range lines {
			if f := strings.Fields(l); len(f) == 6 && strings.Join(f[:3], " ") == addr {
				found = true
				if f[3] != w || f[4] != "1d00h" || f[5] != "1,234,567,890,123" {
					t.Errorf("row of %s: %q, want %s 1d00h 1,234,567,890,123", addr, l, w)
				}
			}
		}
		if !found {
			t.Errorf("no whole row for %s:\n%s", addr, screen)
		}
	}
	for _, l := range lines {
		if len([]rune(l)) > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
	}
	golden.RequireEqual(t, []byte(screen))
}

// TestDurText: the dialog's and the list's durations are whole and read
// back by the duration prompt.
func TestDurText(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{59*time.Minute + 20*time.Second, "59m20s"}, {59*time.Minute + 10*time.Second, "59m10s"},
		{time.Hour + 30*time.Minute, "1h30m"}, {time.Hour + 20*time.Minute, "1h20m"},
		{time.Hour, "1h00m"}, {10 * time.Second, "10s"}, {50 * time.Hour, "2d02h"}, {0, "no time limit"},
	} {
		if got := durText(c.d); got != c.want {
			t.Errorf("durText(%v) = %q, want %q", c.d, got, c.want)
		}
		if c.d == 0 {
			continue
		}
		if back, err := parseDuration(durText(c.d)); err != nil || back != c.d {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", durText(c.d), back, err, c.d)
		}
	}
	for _, bad := range []string{"xyz", "d", "1d-1h", "-5m", "500ms", "1dx"} {
		if d, err := parseDuration(bad); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", bad, d)
		}
	}
}

// TestTopWideCells: a group count wider than FLOWS's usual nine cells
// widens the column, whole, and the line still fits 80 columns.
func TestTopWideCells(t *testing.T) {
	m := actionModel(t, &fakeActions{}, false)
	m.Update(tea80x24())
	pressRun(m, "tab")
	if len(m.top.rows) == 0 {
		t.Fatal("no top rows")
	}
	m.top.rows[0].Flows = 123_456_789
	lines := m.renderTop(80)
	head := ansi.Strip(lines[0])
	end := strings.Index(head, "FLOWS") + len("FLOWS")
	if i := strings.Index(head, "FLOWS"+m.styles.Glyphs.sortDn); i >= 0 {
		end = i + len("FLOWS"+m.styles.Glyphs.sortDn)
		end -= len(m.styles.Glyphs.sortDn) - 1 // one cell
	}
	var found bool
	for _, l := range lines {
		l = ansi.Strip(l)
		if len([]rune(l)) > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
		if i := strings.Index(l, " 123,456,789 "); i >= 0 {
			found = true
			if got := len([]rune(l[:i+len(" 123,456,789")])); got != end {
				t.Errorf("the count ends at cell %d, its header FLOWS at %d:\n%s\n%s", got, end, head, l)
			}
		}
	}
	if !found {
		t.Errorf("123,456,789 not whole:\n%s", strings.Join(lines, "\n"))
	}
}

// TestBlockedKeyWhileLoading: a u that arrives with the B that opened the
// list, before the list came, removes nothing and says why; once listed,
// u asks; on an empty list u says there is nothing to remove, and the
// status line offers u only where it can act.
func TestBlockedKeyWhileLoading(t *testing.T) {
	r := action.Host(action.Drop, netip.MustParseAddr("203.0.113.7"))
	a := &fakeActions{entries: []action.Entry{{Target: r, Timeout: time.Hour, Expires: time.Minute}}}
	m := actionModel(t, a, true)
	m.Update(tea80x24())
	_, list := m.Update(keyMsg("B")) // the list is read in the background
	if strings.Contains(plain(m), "u remove") {
		t.Errorf("u offered before the list came:\n%s", plain(m))
	}
	pressRun(m, "u")
	if len(a.removed) != 0 || !strings.Contains(m.status, "reading the rules") {
		t.Fatalf("u before the list: removed %v, status %q", a.removed, m.status)
	}
	run(m, list)
	if !strings.Contains(plain(m), "u remove") {
		t.Errorf("u not offered on a list with a rule:\n%s", plain(m))
	}
	pressRun(m, "u")
	if len(a.removed) != 1 || a.removed[0] != r {
		t.Fatalf("u on the listed rule removed %v (status %q)", a.removed, m.status)
	}
	// Empty: nothing to remove, and u is not offered.
	a.entries = nil
	pressRun(m, "esc", "B")
	if strings.Contains(plain(m), "u remove") {
		t.Errorf("u offered on an empty list:\n%s", plain(m))
	}
	pressRun(m, "u")
	if len(a.removed) != 1 || !strings.Contains(m.status, "nothing to remove") {
		t.Errorf("u on an empty list: removed %v, status %q", a.removed, m.status)
	}
	// delete and backspace are not advertised: they remove nothing.
	a.entries = []action.Entry{{Target: r}}
	pressRun(m, "esc", "B", "delete", "backspace")
	if len(a.removed) != 1 {
		t.Errorf("an unadvertised key removed: %v", a.removed)
	}
}
