package ui

import (
	"strings"
	"testing"
	"time"
)

// TestRulesEnterDoesNotApply: in the rule dialog of each kind only the
// advertised a applies; enter and every other key outside its hints apply
// nothing, and enter says which key does.
func TestRulesEnterDoesNotApply(t *testing.T) {
	for _, open := range [][]string{{"tab", "b"}, {"tab", "n"}, {"tab", "3", "P"}} {
		a := &fakeActions{}
		m := actionModel(t, a, true)
		m.Update(tea80x24())
		pressRun(m, open...)
		if m.rules == nil {
			t.Fatalf("%s did not open the dialog: %q", open, m.status)
		}
		for _, k := range []string{"enter", "y", "Y", "space", "ctrl+m", "A", "x", "d", "!"} {
			pressRun(m, k)
			if len(a.applied) != 0 {
				t.Fatalf("%s then %q applied %+v", open, k, a.applied)
			}
		}
		pressRun(m, "enter")
		if !strings.Contains(m.status, "a does") || !strings.Contains(plain(m), "a apply") {
			t.Errorf("%s: enter says %q; screen:\n%s", open, m.status, plain(m))
		}
		pressRun(m, "a")
		if len(a.applied) != 1 {
			t.Errorf("%s: a did not apply", open)
		}
	}
}

// TestRulesBadDuration: an invalid duration keeps the prompt open with the
// error and the text to correct; a valid one then sets it.
func TestRulesBadDuration(t *testing.T) {
	a := &fakeActions{}
	m := actionModel(t, a, true)
	m.Update(tea80x24())
	pressRun(m, "tab", "b", "t")
	for range 10 {
		pressRun(m, "backspace")
	}
	typeText(m, "xyz")
	pressRun(m, "enter")
	if m.rules.editing != "duration" || m.rules.input.Value() != "xyz" {
		t.Fatalf("the prompt closed or lost the text: editing %q, value %q", m.rules.editing, m.rules.input.Value())
	}
	screen := plain(m)
	if !strings.Contains(screen, `duration "xyz"`) || !strings.Contains(screen, "enter set") {
		t.Errorf("the error or the prompt's keys are not shown:\n%s", screen)
	}
	if len(a.applied) != 0 {
		t.Fatal("applied")
	}
	for range 3 {
		pressRun(m, "backspace")
	}
	typeText(m, "30m")
	pressRun(m, "enter")
	if m.rules.editing != "" || m.rules.dur != 30*time.Minute || len(a.applied) != 0 {
		t.Fatalf("30m: editing %q, dur %v, applied %d", m.rules.editing, m.rules.dur, len(a.applied))
	}
	if !strings.Contains(plain(m), "Apply 1 rule for 30m00s?") {
		t.Errorf("the dialog does not say 30m:\n%s", plain(m))
	}
	pressRun(m, "a")
	if len(a.applied) != 1 || a.dur != 30*time.Minute {
		t.Errorf("applied %d for %v", len(a.applied), a.dur)
	}
	// An empty file name keeps the save prompt too.
	pressRun(m, "tab", "b", "s")
	for range 40 {
		pressRun(m, "backspace")
	}
	pressRun(m, "enter")
	if m.rules.editing != "path" || !strings.Contains(m.status, "no file name") {
		t.Errorf("empty path: editing %q, status %q", m.rules.editing, m.status)
	}
}
