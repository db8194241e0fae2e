package main

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
)

// tmux drives a real terminal: a detached session of a fixed size.
type tmux struct {
	t    *testing.T
	name string
}

func newTmux(t *testing.T, w, h int, command string) *tmux {
	t.Helper()
	netnstest.Require(t, "tmux")
	tm := &tmux{t: t, name: fmt.Sprintf("cttop-e2e-%d", time.Now().UnixNano())}
	out, err := exec.Command("tmux", "new-session", "-d", "-s", tm.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"sh", "-c", command).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", tm.name).Run() })
	return tm
}

func (tm *tmux) keys(keys ...string) {
	tm.t.Helper()
	args := append([]string{"send-keys", "-t", tm.name}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		tm.t.Fatalf("tmux send-keys: %v: %s", err, out)
	}
}

func (tm *tmux) screen() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", tm.name).Output()
	if err != nil {
		tm.t.Fatalf("tmux capture-pane: %v", err)
	}
	return string(out)
}

func (tm *tmux) display(format string) string {
	out, _ := exec.Command("tmux", "display-message", "-p", "-t", tm.name, format).Output()
	return strings.TrimSpace(string(out))
}

// waitFor polls the screen until cond holds, failing after timeout.
func (tm *tmux) waitFor(what string, timeout time.Duration, cond func(string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.screen()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("%s: not on screen after %v:\n%s", what, timeout, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func contains(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}

// TestTmuxDemo runs the real binary in a real terminal: start, sort, help,
// quit, and the terminal is restored.
func TestTmuxDemo(t *testing.T) {
	bin := binary(t)
	tm := newTmux(t, 80, 24, "echo BEFORE-CTTOP; "+bin+" --demo --seed 7; echo CTTOP-EXIT=$?; sleep 60")
	s := tm.waitFor("demo screen", 10*time.Second, contains("DEMO"))
	for _, want := range []string{"cttop", "SRC▲", "DPORT", "STATE", "TTL"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	if lines := strings.Split(strings.TrimRight(s, "\n"), "\n"); len(lines) != 24 {
		t.Errorf("screen has %d lines, want 24", len(lines))
	}
	if tm.display("#{alternate_on}") != "1" {
		t.Error("cttop does not use the alternate screen")
	}
	tm.keys(">")
	tm.waitFor("sorted by sport", 5*time.Second, contains("SPORT▲"))
	tm.keys("r")
	tm.waitFor("reversed", 5*time.Second, contains("SPORT▼"))
	tm.keys("?")
	tm.waitFor("help", 5*time.Second, contains("reverse sort"))
	tm.keys("Escape")
	tm.waitFor("help closed", 5*time.Second, contains("SPORT▼"))
	tm.keys("q")
	s = tm.waitFor("exit", 5*time.Second, contains("CTTOP-EXIT="))
	if !strings.Contains(s, "CTTOP-EXIT=0") {
		t.Errorf("exit status:\n%s", s)
	}
	if !strings.Contains(s, "BEFORE-CTTOP") || strings.Contains(s, "SPORT") {
		t.Errorf("terminal not restored:\n%s", s)
	}
	if tm.display("#{alternate_on}") != "0" || tm.display("#{cursor_flag}") != "1" {
		t.Errorf("alternate screen %s, cursor visible %s after exit", tm.display("#{alternate_on}"), tm.display("#{cursor_flag}"))
	}
}
