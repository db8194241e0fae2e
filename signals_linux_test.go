package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/source/sourcetest"
	"golang.org/x/sys/unix"
)

// The proof of issue 11, items 1 and 2: a signal from outside ends the UI
// within a second with the terminal restored, whatever the mode, every
// time; and so does a terminal that disappears without a SIGHUP.

// signalModes are the sources the UI runs on: a live namespace, a replay,
// the demo.
func signalModes(t *testing.T) map[string]string {
	ns := netnstest.New(t)
	return map[string]string{
		"live":   "--netns " + ns.Name,
		"replay": "--replay " + filepath.Join("source", "replay", "testdata", "conntrack-L.txt"),
		"demo":   "--demo",
	}
}

// exited reports whether process pid has ended (a zombie counts: it has
// exited, only its parent has not reaped it yet).
func exited(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] == 'Z' || s[i+2] == 'X'
}

// waitFile waits for a file and returns its content.
func waitFile(t *testing.T, path string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v", filepath.Base(path), timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSignals sends SIGTERM, SIGINT and SIGHUP to the real binary in tmux,
// ten times each in the live, replay and demo modes, nine panes at once.
// Each time cttop must be gone within a second, exit with 128+signal, and
// leave the pane's terminal in canonical mode with echo, off the
// alternate screen, cursor shown.
func TestSignals(t *testing.T) {
	bin := binary(t)
	const trials = 10
	modes := signalModes(t)
	sigs := []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP}
	for name, args := range modes {
		for _, sig := range sigs {
			t.Run(name+"/"+sig.String(), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				// Each trial waits for the test's go file, runs cttop (whose
				// pid the inner shell writes before it execs), then records
				// the exit status and the terminal's modes.
				script := fmt.Sprintf(`for i in $(seq %d); do
  while [ ! -e %[2]s/go.$i ]; do sleep 0.02; done
  sh -c 'echo $$ > %[2]s/pid.'$i'; exec %[3]s %[4]s'
  code=$?
  echo "$code $(stty -a | tr ' ;' '\n\n' | grep -xE -- '-?(icanon|echo)' | tr '\n' ' ')" > %[2]s/result.$i
done; sleep 600`, trials, dir, bin, args)
				tm := newTmux(t, 80, 24, script)
				var worst time.Duration
				for i := 1; i <= trials; i++ {
					if err := os.WriteFile(filepath.Join(dir, "go."+strconv.Itoa(i)), nil, 0o600); err != nil {
						t.Fatal(err)
					}
					pid, err := strconv.Atoi(waitFile(t, filepath.Join(dir, "pid."+strconv.Itoa(i)), 10*time.Second))
					if err != nil {
						t.Fatal(err)
					}
					// Running: its screen is up.
					deadline := time.Now().Add(10 * time.Second)
					for tm.display("#{alternate_on}") != "1" {
						if time.Now().After(deadline) {
							t.Fatalf("trial %d: no screen after 10s:\n%s", i, tm.screen())
						}
						time.Sleep(20 * time.Millisecond)
					}
					start := time.Now()
					if err := syscall.Kill(pid, sig); err != nil {
						t.Fatalf("trial %d: kill: %v", i, err)
					}
					for !exited(pid) {
						if time.Since(start) > time.Second {
							syscall.Kill(pid, syscall.SIGKILL)
							t.Fatalf("trial %d: still running 1s after %v:\n%s", i, sig, tm.screen())
						}
						time.Sleep(5 * time.Millisecond)
					}
					worst = max(worst, time.Since(start))
					res := waitFile(t, filepath.Join(dir, "result."+strconv.Itoa(i)), 5*time.Second)
					if want := strconv.Itoa(128+int(sig)) + " icanon echo"; res != want {
						t.Errorf("trial %d: exit status and terminal %q, want %q", i, res, want)
					}
					if alt, cur := tm.display("#{alternate_on}"), tm.display("#{cursor_flag}"); alt != "0" || cur != "1" {
						t.Errorf("trial %d: alternate screen %s, cursor shown %s after exit", i, alt, cur)
					}
				}
				t.Logf("%d trials, slowest exit %v after the signal", trials, worst.Round(time.Millisecond))
			})
		}
	}
}

// TestTerminalGone kills the terminal under a running cttop that is in a
// session of its own (setsid), so no SIGHUP reaches it: reading the
// terminal fails, and cttop must end within a second.
func TestTerminalGone(t *testing.T) {
	bin := binary(t)
	for name, args := range signalModes(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tm := newTmux(t, 80, 24, fmt.Sprintf(`setsid sh -c 'echo $$ > %s/pid; exec %s %s'; sleep 600`, dir, bin, args))
			pid, err := strconv.Atoi(waitFile(t, filepath.Join(dir, "pid"), 10*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for tm.display("#{alternate_on}") != "1" {
				if time.Now().After(deadline) {
					t.Fatalf("no screen after 10s:\n%s", tm.screen())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if sid, _ := unix.Getsid(pid); sid != pid {
				t.Fatalf("cttop (pid %d) is in session %d, not its own", pid, sid)
			}
			start := time.Now()
			tm.kill()
			for !exited(pid) {
				if time.Since(start) > time.Second {
					syscall.Kill(pid, syscall.SIGKILL)
					t.Fatal("still running 1s after its terminal went away")
				}
				time.Sleep(5 * time.Millisecond)
			}
			t.Logf("gone %v after the terminal", time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestQuitDuringDelete quits (q) and signals (SIGTERM) cttop while it
// deletes a large table: it must stop and say, once the terminal is back,
// how many flows it deleted of how many.
func TestQuitDuringDelete(t *testing.T) {
	bin := binary(t)
	for _, how := range []string{"q", "SIGTERM"} {
		t.Run(how, func(t *testing.T) {
			ns := netnstest.New(t)
			const n = 150_000
			if err := sourcetest.Fill(sourcetest.Dial(t, ns.Path), 0, n, "192.0.2.80", 80); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			tm := newTmux(t, 100, 24, fmt.Sprintf(`sh -c 'echo $$ > %s/pid; exec %s --netns %s'; echo CTTOP-EXIT=$?; sleep 600`, dir, bin, ns.Name))
			tm.waitFor("the full table", 20*time.Second, contains("/150,000"))
			tm.keys("D")
			tm.waitFor("the question", 5*time.Second, contains("Delete EVERY flow"))
			tm.keys("y")
			tm.waitFor("the deletion", 5*time.Second, contains("deleting 150,000 flows"))
			switch how {
			case "q":
				tm.keys("q")
			default:
				pid, _ := strconv.Atoi(waitFile(t, filepath.Join(dir, "pid"), time.Second))
				syscall.Kill(pid, syscall.SIGTERM)
			}
			s := tm.waitFor("exit", 5*time.Second, contains("CTTOP-EXIT="))
			code := map[string]string{"q": "CTTOP-EXIT=0", "SIGTERM": "CTTOP-EXIT=143"}[how]
			if !strings.Contains(s, "cttop: deleting flows was interrupted: ") || !strings.Contains(s, "of 150,000 flows deleted") ||
				!strings.Contains(s, code) {
				t.Errorf("screen after %s during a deletion:\n%s", how, s)
			}
			for _, l := range strings.Split(s, "\n") {
				if strings.Contains(l, "interrupted") || strings.Contains(l, "CTTOP-EXIT") {
					t.Log(strings.TrimSpace(l))
				}
			}
		})
	}
}
