package ui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// feedbackKeys are keys a user may press anywhere: those of the key map
// that answer with a message, and one that means nothing (quitting keys
// aside; moving keys answer by moving).
var feedbackKeys = []string{
	"a", "b", "c", "d", "i", "n", "p", "s", "t", "u", "w", "x", "B", "D", "N", "P", "U",
	"6", "[", "]", "+", "-", "!", "*", "%", " ", "enter",
}

// hostKeys are the keys of the host views, and one that means nothing.
var hostKeys = []string{"N", "a", "%"}

// oneLine is s with its lines and runs of spaces joined by one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestMessagesWhole: after any key on any screen, the message the status
// line has to say is on screen whole at 80x24, 100x24 and 40x24 (wrapped above
// the status line when it is too long to share it), and the status line
// still offers help.
func TestMessagesWhole(t *testing.T) {
	seen := 0
	for _, c := range allScreens() {
		keys := feedbackKeys
		if strings.HasPrefix(c.name, "host") || strings.HasPrefix(c.name, "namespaces") || c.name == "log" || strings.HasPrefix(c.name, "history") {
			keys = hostKeys // a host model takes long to make
		}
		switch c.name {
		case "prompt", "prompt_error", "rules_editing", "tune_saving", "detail_dnat", "history_save":
			keys = nil // typed text (each setup waits for the cursor's blink): TestHintsAct
		}
		for _, k := range keys {
			m := c.setup(t, false)
			pressRun(m, k)
			if m.status == "" || m.mode() == modePrompt || m.mode() == modeConfirm || m.mode() == modeSave || m.editing() {
				continue // no message, or one the mode's own line replaces
			}
			seen++
			for _, w := range []int{80, 100, 40} {
				m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
				lines := m.frame()
				screen := ansi.Strip(strings.Join(lines, "\n"))
				if !strings.Contains(oneLine(screen), oneLine(m.status)) {
					t.Errorf("%s, %q at %d columns: the message %q is not whole on screen:\n%s", c.name, k, w, m.status, screen)
				}
				last := ansi.Strip(lines[len(lines)-1])
				if !strings.Contains(last, "? help") && !strings.Contains(last, "esc close") {
					t.Errorf("%s, %q at %d columns: no help on the status line %q", c.name, k, w, last)
				}
				// Nor does a message push out the way to the other
				// view, the sort or quitting (from 80 columns).
				if _, _, host := m.hostStatus(); m.mode() == modeBrowse && w >= 80 && !host {
					for _, h := range []string{"tab ", "> sort", "q quit"} {
						if !strings.Contains(last, h) {
							t.Errorf("%s, %q at %d columns: %q pushed out %q: %q", c.name, k, w, m.status, h, last)
						}
					}
				}
				if len(lines) != 24 {
					t.Errorf("%s, %q at %d columns: %d lines", c.name, k, w, len(lines))
				}
			}
		}
	}
	if seen < 50 {
		t.Fatalf("only %d keys left a message: the test proves little", seen)
	}
}

// TestLongMessageWraps: a message too long for the status line goes on
// lines of its own above it, whole (the table gives up its rows), and the
// status line keeps its hints; only a terminal too short for all its lines
// (one row for the header, one for the status line) shortens the last
// after a word.
func TestLongMessageWraps(t *testing.T) {
	m := screenModel(t, false)
	m.status = "SYNPROXY protects a TCP service: press it on a tcp row of the top view by destination port (3), or on a flow to it"
	screen := plain(m)
	if !strings.Contains(oneLine(screen), m.status) {
		t.Fatalf("the message is cut:\n%s", screen)
	}
	last := statusLine(m)
	if !strings.Contains(last, "/ filter") || !strings.Contains(last, "? help") || strings.Contains(last, "SYNPROXY") {
		t.Errorf("status line %q", last)
	}
	// 6 rows: the table gives up its rows, the message stays whole.
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 6})
	lines := m.frame()
	if len(lines) != 6 {
		t.Fatalf("%d lines at 80x6", len(lines))
	}
	if screen := ansi.Strip(strings.Join(lines, "\n")); !strings.Contains(oneLine(screen), m.status) {
		t.Errorf("80x6: the message is cut:\n%s", screen)
	}
	// 3 rows: one line of the message at most, shortened after a word.
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 3})
	lines = m.frame()
	if len(lines) != 3 {
		t.Fatalf("%d lines at 80x3", len(lines))
	}
	if got := ansi.Strip(lines[1]); !strings.HasPrefix(got, "SYNPROXY protects") {
		t.Errorf("80x3: the message's line is %q", got)
	}
	if got := ansi.Strip(lines[len(lines)-2]); !strings.HasSuffix(got, "…") || wordCut(got) != "" {
		t.Errorf("shortened message line %q", got)
	}
}

// TestEveryKeyAnswers: a key that means nothing on a screen says so on
// every screen (or, while text is typed, is typed; a question takes it
// for no).
func TestEveryKeyAnswers(t *testing.T) {
	for _, c := range allScreens() {
		m := c.setup(t, false)
		before := m.mode()
		pressRun(m, "%")
		switch {
		case before == modePrompt || before == modeSave || m.editing():
			continue // typed
		case before == modeConfirm:
			if m.mode() == modeConfirm || m.status != "cancelled" {
				t.Errorf("%s: %% in a question: mode %d, status %q", c.name, m.mode(), m.status)
			}
		case before == modeHelp:
			if m.in(modeHelp) {
				t.Errorf("%s: %% kept the help open", c.name)
			}
		default:
			if !strings.Contains(plain(m), "%: no such key here") {
				t.Errorf("%s: %% says nothing:\n%s", c.name, plain(m))
			}
		}
	}
}

// TestHintsAct: every key the status line offers, on every screen, does
// something: the screen changes, or a message says what happened.
func TestHintsAct(t *testing.T) {
	keyOf := map[string]string{"j/k": "j", "F1": "f1", "space": " "}
	for _, c := range allScreens() {
		m := c.setup(t, false)
		typed := m.mode() == modePrompt || m.mode() == modeSave || m.editing()
		for _, h := range m.hints() {
			if h.key == "q" || typed && h.key != "F1" {
				continue // quits; applies what the test typed, saves a file, or cancels
			}
			k := h.key
			if mk, ok := keyOf[k]; ok {
				k = mk
			}
			m := c.setup(t, false)
			before, status, md := plain(m), m.status, m.mode()
			pressRun(m, k)
			if plain(m) == before && m.status == status && m.mode() == md {
				t.Errorf("%s: %s (%s) does nothing:\n%s", c.name, h.key, h.desc, before)
			}
		}
	}
}

// TestRulesUnready: a dialog whose rules could not be prepared offers
// only what works (no a apply, s save, c copy), and a, s and c say why
// they do nothing; nothing is applied.
func TestRulesUnready(t *testing.T) {
	a := &fakeActions{previewErr: errors.New("SYNPROXY: no interface is up besides loopback: cannot tell SYNPROXY's MSS")}
	m := actionModel(t, a, false)
	pressRun(m, "b")
	if m.mode() != modeRules || m.rules.unready() == "" {
		t.Fatalf("b: mode %d", m.mode())
	}
	screen := plain(m)
	if strings.Contains(screen, "a apply") || strings.Contains(screen, "s save") || !strings.Contains(screen, "esc cancel") {
		t.Errorf("the dialog offers what it cannot do:\n%s", screen)
	}
	for k, want := range map[string]string{"a": "nothing applied: SYNPROXY: no interface", "s": "no rule text: SYNPROXY", "c": "no rule text: SYNPROXY", "%": "%: no such key here (esc cancels"} {
		pressRun(m, k)
		if !strings.Contains(m.status, want) || !strings.Contains(oneLine(plain(m)), oneLine(m.status)) {
			t.Errorf("%s: status %q, want %q", k, m.status, want)
		}
	}
	if len(a.applied) != 0 || m.mode() != modeRules {
		t.Errorf("applied %d, mode %d", len(a.applied), m.mode())
	}
}

// TestPaneErrorsWhole: an error or a note in a pane's body wraps whole at
// any width: the B list's error, the empty namespaces view's note.
func TestPaneErrorsWhole(t *testing.T) {
	why := "listing the rules: netlink receive: operation not permitted (cttop needs CAP_NET_ADMIN in the watched namespace)"
	a := &fakeActions{listErr: errors.New(why)}
	m := actionModel(t, a, false)
	pressRun(m, "B")
	for _, w := range []int{80, 40} {
		m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		for i, l := range m.frame() {
			if lw := ansi.StringWidth(l); lw > w && w >= 80 { // (narrower, titles are clipped)
				t.Errorf("B at %d: line %d is %d wide", w, i, lw)
			}
		}
		if got := oneLine(plain(m)); !strings.Contains(got, why) {
			t.Errorf("B at %d: the error is not whole:\n%s", w, plain(m))
		}
	}
	s := NewStyles(true)
	v := &nsView{idle: 12}
	for _, w := range []int{80, 30} {
		got := oneLine(ansi.Strip(strings.Join(v.render(w, 10, &s), "\n")))
		if !strings.Contains(got, "no namespace with conntrack activity (12 idle: a shows them)") {
			t.Errorf("namespaces at %d: %q", w, got)
		}
	}
}
