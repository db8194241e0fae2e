package main

import (
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
)

// tmux drives a real terminal: a detached session of a fixed size, in a
// UTF-8 locale whatever the tmux server's environment (cttop draws ASCII
// in any other; a test of that sets LANG in its command).
type tmux struct {
	t    *testing.T
	name string
}

func newTmux(t *testing.T, w, h int, command string) *tmux {
	t.Helper()
	netnstest.Require(t, "tmux")
	tm := &tmux{t: t, name: fmt.Sprintf("cttop-e2e-%d", time.Now().UnixNano())}
	out, err := exec.Command("tmux", "new-session", "-d", "-s", tm.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"-e", "LANG=C.UTF-8", "-e", "LC_ALL=", "-e", "LC_CTYPE=",
		"sh", "-c", command).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", tm.name).Run() })
	return tm
}

// kill ends the session: tmux closes the pane's terminal.
func (tm *tmux) kill() {
	tm.t.Helper()
	if out, err := exec.Command("tmux", "kill-session", "-t", tm.name).CombinedOutput(); err != nil {
		tm.t.Fatalf("tmux kill-session: %v: %s", err, out)
	}
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

// screenEscapes captures the screen with its colours (SGR sequences).
func (tm *tmux) screenEscapes() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-e", "-t", tm.name).Output()
	if err != nil {
		tm.t.Fatalf("tmux capture-pane -e: %v", err)
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

// serveHTTP runs a tiny TCP service on addr inside ns until the test ends.
func serveHTTP(t *testing.T, ns *netnstest.NS, addr string) {
	t.Helper()
	var l net.Listener
	ns.Do(t, func() {
		var err error
		if l, err = net.Listen("tcp", addr); err != nil {
			t.Fatalf("listen %s: %v", addr, err)
		}
	})
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.0 200 OK\r\n\r\nok"))
			c.Close()
		}
	}()
}

// dialFrom connects from local (an address of ns) to remote and reports
// whether it succeeded within the timeout.
func dialFrom(t *testing.T, ns *netnstest.NS, local, remote string, timeout time.Duration) bool {
	t.Helper()
	ok := false
	ns.Do(t, func() {
		d := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
		c, err := d.Dial("tcp", remote)
		if err == nil {
			io.ReadAll(c)
			c.Close()
			ok = true
		}
	})
	return ok
}

// TestTmuxBlock drives the real binary against a server namespace with
// clients in another: filter, tag, b, apply. The attacker's flows leave
// the kernel's table, its new connections fail, the other client's work.
func TestTmuxBlock(t *testing.T) {
	netnstest.Require(t, "conntrack", "tmux")
	bin := binary(t)
	srv, cli := netnstest.New(t), netnstest.New(t)
	netnstest.Veth(t, srv, "10.99.0.1/24", cli, "10.99.0.2/24", "10.99.0.3/24")
	serveHTTP(t, srv, "10.99.0.1:80")
	// The server answers once its goroutine runs: on a loaded machine the
	// first connection may take longer than a second. Wait for it from the
	// other client, whose flows the test does not count alone.
	for deadline := time.Now().Add(10 * time.Second); !dialFrom(t, cli, "10.99.0.3", "10.99.0.1:80", time.Second); {
		if time.Now().After(deadline) {
			t.Fatal("the service does not answer the other client")
		}
	}
	for i := 0; i < 12; i++ {
		if !dialFrom(t, cli, "10.99.0.2", "10.99.0.1:80", time.Second) {
			t.Fatal("attacker cannot connect before the block")
		}
	}
	dialFrom(t, cli, "10.99.0.3", "10.99.0.1:80", time.Second)
	countFrom := func(src string) int {
		out, err := srv.Command("conntrack", "-L", "-s", src).Output()
		if err != nil {
			t.Fatalf("conntrack -L: %v", err)
		}
		return strings.Count(string(out), "src="+src+" ")
	}
	// Twelve connections; a reused ephemeral port may recycle an entry.
	n := countFrom("10.99.0.2")
	if n < 10 || n > 12 {
		t.Fatalf("kernel has %d flows from the attacker, want 10 to 12", n)
	}
	all := n + countFrom("10.99.0.3")

	tm := newTmux(t, 120, 40, bin+" --netns "+srv.Name+"; echo CTTOP-EXIT=$?; sleep 60")
	tm.waitFor("start", 10*time.Second, contains("netns "+srv.Name))
	tm.keys("/")
	tm.keys("-l", "src host 10.99.0.2")
	tm.waitFor("live count", 5*time.Second, contains(fmt.Sprintf("→ %d of %d match", n, all)))
	tm.keys("Enter", "Tab")
	tm.waitFor("top view", 5*time.Second, contains("SOURCE"))
	tm.keys("Space")
	tm.waitFor("tagged", 5*time.Second, contains("1 tagged"))
	tm.keys("b")
	// The title comes at once, the rule text once prepared (off Update).
	s := tm.waitFor("dialog", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "Apply 1 rule for 1h00m?") && strings.Contains(s, "add rule inet cttop prerouting")
	})
	if !strings.Contains(s, "drop from 10.99.0.2") || !strings.Contains(s, "add rule inet cttop prerouting ip saddr @blocked4 drop") {
		t.Fatalf("dialog:\n%s", s)
	}
	tm.keys("a")
	tm.waitFor("applied", 10*time.Second, contains(fmt.Sprintf("deleted %d flows", n)))
	if n := countFrom("10.99.0.2"); n != 0 {
		t.Errorf("kernel still has %d flows from the attacker", n)
	}
	out := srv.Run(t, "nft", "list", "set", "inet", "cttop", "blocked4")
	if !strings.Contains(out, "10.99.0.2") {
		t.Errorf("address not in cttop's set:\n%s", out)
	}
	if dialFrom(t, cli, "10.99.0.2", "10.99.0.1:80", 500*time.Millisecond) {
		t.Error("the blocked attacker still connects")
	}
	if !dialFrom(t, cli, "10.99.0.3", "10.99.0.1:80", time.Second) {
		t.Error("the other client cannot connect")
	}
	tm.keys("q")
	tm.waitFor("exit", 5*time.Second, contains("CTTOP-EXIT=0"))
}
