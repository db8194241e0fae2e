package ui

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/action"
)

// TestModeStack: one mode has the keys and decides the screen; a question
// over the blocked list leaves the list on screen, takes the keys, and
// gives them back to the list when answered.
func TestModeStack(t *testing.T) {
	r := action.Host(action.Drop, netip.MustParseAddr("203.0.113.7"))
	a := &fakeActions{entries: []action.Entry{{Target: r, Timeout: time.Hour, Expires: time.Minute}}}
	m := actionModel(t, a, false)
	if m.mode() != modeBrowse || m.bodyMode() != modeBrowse {
		t.Fatalf("starts in mode %d", m.mode())
	}
	pressRun(m, "B")
	if m.mode() != modeBlocked || !strings.Contains(plain(m), "Blocked, untracked and protected by cttop") {
		t.Fatalf("B: mode %d\n%s", m.mode(), plain(m))
	}
	pressRun(m, "u")
	screen := plain(m)
	if m.mode() != modeConfirm || m.bodyMode() != modeBlocked ||
		!strings.Contains(screen, "Blocked, untracked and protected by cttop") || !strings.Contains(screen, "Remove drop from 203.0.113.7? [y/N]") {
		t.Fatalf("u: mode %d over %d\n%s", m.mode(), m.bodyMode(), screen)
	}
	pressRun(m, "j") // an answer: no
	if m.mode() != modeBlocked || m.confirm != nil || len(a.removed) != 0 {
		t.Fatalf("no: mode %d, removed %v", m.mode(), a.removed)
	}
	pressRun(m, "esc", "?")
	if m.mode() != modeHelp || m.blocked != nil {
		t.Fatalf("esc, ?: mode %d", m.mode())
	}
	pressRun(m, "x") // closes the help and acts: asks to delete
	if m.mode() != modeConfirm || len(m.modes) != 1 {
		t.Fatalf("a key after help: modes %v", m.modes)
	}
	pressRun(m, "n")
	if m.mode() != modeBrowse || len(m.modes) != 0 || len(a.deleted) != 0 {
		t.Fatalf("no: modes %v, deleted %d", m.modes, len(a.deleted))
	}
}

// TestViewIsPure: drawing changes nothing; the scroll position is kept
// within the text by Update, so k moves up at once after scrolling past
// the end.
func TestViewIsPure(t *testing.T) {
	a := &fakeActions{}
	m := actionModel(t, a, false)
	pressRun(m, "tab", " ", "b")
	if m.rules == nil {
		t.Fatal("b did not open the dialog")
	}
	m.rules.preview.Explain = strings.Repeat("line\n", 100)
	for range 200 {
		pressRun(m, "j")
	}
	end := m.rules.scroll
	if end == 0 || end >= 101 {
		t.Fatalf("scrolled to %d", end)
	}
	before := *m.rules
	m.View()
	m.View()
	if m.rules.scroll != before.scroll {
		t.Fatalf("View moved the scroll from %d to %d", before.scroll, m.rules.scroll)
	}
	pressRun(m, "k")
	if m.rules.scroll != end-1 {
		t.Errorf("k after the end: scroll %d, want %d", m.rules.scroll, end-1)
	}
}
