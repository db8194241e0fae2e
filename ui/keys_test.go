package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/cttop/cttop/model"
)

func quits(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// TestF1AndF10: F1 is help and F10 quits, as in htop, from every mode
// (F10 even while typing a filter).
func TestF1AndF10(t *testing.T) {
	m := screenModel(t, false)
	pressRun(m, "f1")
	if m.mode() != modeHelp {
		t.Fatalf("F1: mode %d", m.mode())
	}
	pressRun(m, "f1")
	if m.mode() != modeBrowse {
		t.Fatalf("F1 in help: mode %d", m.mode())
	}
	for _, keys := range [][]string{nil, {"?"}, {"/", "text:port"}, {"enter"}, {"b"}, {"T"}, {"d"}} {
		m := screenModel(t, false, keys...)
		if _, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyF10}); !quits(cmd) {
			t.Errorf("F10 after %v does not quit", keys)
		}
	}
	// ? is help from the dialogs and the detail pane too.
	for _, keys := range [][]string{{"enter"}, {"b"}, {"T"}, {"B"}, {"d"}} {
		m := screenModel(t, false, keys...)
		under := m.mode()
		pressRun(m, "?")
		if m.mode() != modeHelp || !strings.Contains(plain(m), "Keys") {
			t.Errorf("? after %v: mode %d", keys, m.mode())
		}
		pressRun(m, "esc")
		if m.mode() != under {
			t.Errorf("esc in the help over %v: mode %d, want %d", keys, m.mode(), under)
		}
	}
}

// TestHelpClosesAndActs: esc, ? and q only close the help; another key
// closes it and acts in the view beneath; over a question or a dialog a
// key only closes the help (y read in the help deletes nothing).
func TestHelpClosesAndActs(t *testing.T) {
	m := screenModel(t, false, "?", "4")
	if m.in(modeHelp) || m.view != viewTop || m.groups.By() != model.ByState {
		t.Fatalf("4 in the help: mode %d, view %d, by %v", m.mode(), m.view, m.groups.By())
	}
	for _, k := range []string{"esc", "?", "q"} {
		m := screenModel(t, false, "?")
		msg := keyMsg(k)
		if k == "esc" {
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		}
		_, cmd := m.Update(msg)
		if m.in(modeHelp) || quits(cmd) || m.view != viewFlows {
			t.Errorf("%s in the help: mode %d, quit %v", k, m.mode(), quits(cmd))
		}
	}
	a := &fakeActions{}
	m = actionModel(t, a, false)
	pressRun(m, "d", "?", "y")
	if m.mode() != modeConfirm || len(a.deleted) != 0 {
		t.Fatalf("y in the help over a question: mode %d, %d deleted", m.mode(), len(a.deleted))
	}
	// j/k scroll the help instead of closing it.
	m = screenModel(t, false)
	m.Update(tea.WindowSizeMsg{Width: 40, Height: 12})
	pressRun(m, "?", "j", "j")
	if m.mode() != modeHelp || m.helpScroll != 2 {
		t.Fatalf("j j in a long help: mode %d, scroll %d", m.mode(), m.helpScroll)
	}
}

// TestUnknownKey: a key that does nothing says so on the status line (or
// on a line of its own above it, when it does not fit beside the hints
// a message never pushes out), until the next key or three seconds.
func TestUnknownKey(t *testing.T) {
	for _, view := range []string{"", "tab"} {
		m := screenModel(t, false)
		if view != "" {
			pressRun(m, view)
		}
		pressRun(m, "h")
		if !strings.Contains(oneLine(plain(m)), "h: no such key here") || !strings.Contains(statusLine(m), "? help") {
			t.Fatalf("h in view %q:\n%s", view, plain(m))
		}
		pressRun(m, "j")
		if strings.Contains(plain(m), "no such key") {
			t.Errorf("the next key kept it:\n%s", plain(m))
		}
		pressRun(m, "*")
		for i := 1; i <= 4; i++ {
			m.Update(BatchMsg{&model.Batch{Time: t0.Add(time.Duration(i) * time.Second)}})
		}
		if strings.Contains(plain(m), "no such key") {
			t.Errorf("three seconds kept it:\n%s", plain(m))
		}
	}
	m := screenModel(t, false, "enter", "z")
	if m.mode() != modeDetail || !strings.Contains(oneLine(plain(m)), "z: no such key here (esc closes the detail") {
		t.Errorf("z in the detail:\n%s", plain(m))
	}
}

func statusLine(m *Model) string {
	s := plain(m)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// TestHintsByPriority: at every width the status line offers "? help"
// (from 6 cells), and narrowing it by a cell drops at most one hint: they
// go by priority, never all at once; at 80 columns the main keys show.
func TestHintsByPriority(t *testing.T) {
	for _, keys := range [][]string{nil, {"tab"}, {"enter"}, {"T"}, {"b"}, {"B"}, {"/"}, {"d"}, {"h"}} {
		m := screenModel(t, false, keys...)
		prev, prevHidden := -1, ""
		for w := 300; w >= 1; w-- {
			m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
			line := ansi.Strip(m.renderStatus(w))
			// A column that gives way adds its note: the hints make room.
			if _, _, hidden := m.flowColumns(w); strings.Join(hidden, " ") != prevHidden {
				prev, prevHidden = -1, strings.Join(hidden, " ")
			}
			help := "? help"
			if m.mode() == modePrompt {
				help = "F1 help"
			}
			if m.mode() == modeHelp {
				help = "esc close"
			}
			if w >= len(help) && !strings.Contains(line, help) {
				t.Errorf("%v at %d: no %q in %q", keys, w, help, line)
			}
			n := len(m.hints())
			shown := 0
			for _, h := range m.hints() {
				if strings.Contains(line, h.key+" "+h.desc) {
					shown++
				}
			}
			if prev >= 0 && prev-shown > 1 {
				t.Errorf("%v at %d: %d hints after %d: %q", keys, w, shown, prev, line)
			}
			if w == 80 && len(keys) == 0 {
				for _, want := range []string{"/ filter", "tab top", "> sort", "b block", "? help", "q quit"} {
					if !strings.Contains(line, want) {
						t.Errorf("at 80 columns no %q of %d hints: %q", want, n, line)
					}
				}
			}
			prev = shown
		}
	}
}
