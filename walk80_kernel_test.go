package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/cttop/cttop/internal/netnstest"
)

// TestWalk80 walks a flood from launch to blocked at exactly 80x24, the
// default SSH terminal, as a user who never read the README would: 40
// attacking addresses fill the server's table; cttop lands on the top
// view without a key, 1 groups by source, * tags every attacker, b
// previews the rules, a applies them. Every screen is captured at 80 and
// at 100 columns and must have no word cut by an ellipsis, no rule split
// without its continuation, and the help key on the status line.
func TestWalk80(t *testing.T) {
	netnstest.Require(t, "conntrack", "tmux")
	bin := binary(t)
	const max, nAtk = 1200, 40
	var atk []string
	for i := range nAtk {
		atk = append(atk, fmt.Sprintf("10.99.0.%d", 11+i))
	}
	in := &incident{t: t, attackers: atk, stop: make(chan struct{}), screens: map[string]string{}}
	in.srv = netnstest.New(t)
	in.atk, in.client = netnstest.NewBare(t), netnstest.NewBare(t)
	cidrs := make([]string, len(atk))
	for i, a := range atk {
		cidrs[i] = a + "/24"
	}
	netnstest.Veth(t, in.srv, "10.99.0.1/24", in.atk, cidrs...)
	netnstest.Veth(t, in.srv, "10.98.0.1/24", in.client, "10.98.0.2/24")
	in.client.Run(t, "ip", "route", "add", "10.99.0.0/24", "via", "10.98.0.1")
	serveHold(t, in.srv, "0.0.0.0:80")
	netnstest.SetConntrackMax(t, max)
	floodEvenly(in, max)
	t.Cleanup(in.close)
	time.Sleep(300 * time.Millisecond)
	held := 0
	for _, n := range in.kernelBySource() {
		held += n
	}
	if held < max*9/10 {
		t.Fatalf("the flood made only %d flows (max %d)", held, max)
	}

	// The same walk in two terminals: 80x24, which applies the block, and
	// 100x24, which is closed before (resizing one terminal races with
	// its redraw).
	tm80 := newTmux(t, 80, 24, bin+" --netns "+in.srv.Name+"; echo CTTOP-EXIT=$?; sleep 120")
	tm100 := newTmux(t, 100, 24, bin+" --netns "+in.srv.Name+"; echo CTTOP-EXIT=$?; sleep 120")
	both := func(keys ...string) {
		tm80.keys(keys...)
		tm100.keys(keys...)
	}
	// step waits for what both terminals must show and checks the screens.
	step := func(what string, timeout time.Duration, cond func(string) bool) string {
		t.Helper()
		s := tm80.waitFor(what+" at 80", timeout, func(s string) bool { return cond(s) && drawnAt(80)(s) })
		checkScreen(t, what+" at 80", s, 80)
		checkScreen(t, what+" at 100", tm100.waitFor(what+" at 100", timeout, func(s string) bool { return cond(s) && drawnAt(100)(s) }), 100)
		return s
	}

	// 1. Launch: the top view, an attacker first, without a key.
	s := step("the first screen lands on the sources", 15*time.Second, contains("SOURCE"))
	if rows := topRows(s); len(rows) == 0 || !strings.HasPrefix(rows[0].key, "10.99.0.") {
		t.Fatalf("the first screen does not show an attacker first:\n%s", s)
	}

	// 2. By source (1), every attacker tagged (*).
	both("1")
	step("by source", 5*time.Second, func(s string) bool {
		r := topRows(s)
		return strings.Contains(s, "src groups") && len(r) > 0 && !strings.Contains(r[0].key, "/")
	})
	both("*")
	step("all tagged", 5*time.Second, contains(fmt.Sprintf("%d tagged", nAtk)))

	// 3. b: the dialog with the rules, whole, scrolled through.
	both("b")
	step("the dialog", 5*time.Second, contains(fmt.Sprintf("Apply %d rules", nAtk)))
	for range 3 {
		both("PageDown")
	}
	step("the rules scrolled", 5*time.Second, contains("add rule inet cttop prerouting"))

	// 4. a at 80 columns: applied, the attackers' flows gone, the gauge
	// down; the other terminal closes its dialog and sees it too.
	tm80.keys("a")
	tm100.keys("Escape")
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := 0
		for _, a := range atk {
			left += in.kernelBySource()[a]
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d attacker flows still in the kernel's table 5 s after apply", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s = step("the gauge falls", 10*time.Second, func(s string) bool { return gaugePercent(t, s) < 10 })
	if !strings.Contains(s, "deleted") {
		t.Errorf("the status line does not report the deletion:\n%s", s)
	}
	if c, err := dial(in.client, "10.98.0.2", 2*time.Second); err != nil {
		t.Errorf("the legitimate client cannot connect after the block: %v", err)
	} else {
		c.Close()
	}
	both("q")
	tm80.waitFor("exit", 5*time.Second, contains("CTTOP-EXIT=0"))
}

// floodEvenly opens connections from every attacker in turn until the
// server's table is full, then keeps trying in the background.
func floodEvenly(in *incident, max int) {
	fails := 0
	for i := 0; fails < 40 && i < 2*max; i++ {
		c, err := dial(in.atk, in.attackers[i%len(in.attackers)], 150*time.Millisecond)
		if err != nil {
			fails++
			continue
		}
		in.mu.Lock()
		in.held = append(in.held, c)
		in.mu.Unlock()
	}
	in.worker.Add(1)
	go func() {
		defer in.worker.Done()
		for {
			select {
			case <-in.stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			for _, src := range in.attackers[:4] {
				if c, err := dial(in.atk, src, 50*time.Millisecond); err == nil {
					in.mu.Lock()
					in.held = append(in.held, c)
					in.mu.Unlock()
				}
			}
		}
	}()
}

// checkScreen holds a captured screen of width w to issue 14's rules
// (screenProblems).
func checkScreen(t *testing.T, what, s string, w int) {
	t.Helper()
	for _, p := range screenProblems(s, w) {
		t.Errorf("%s: %s", what, p)
	}
}

// screenProblems lists what breaks issue 14's rules on a screen w wide:
// a line wider than the terminal, a word cut by an ellipsis, a rule of
// the dialog split without its continuation (a line ending in " \" is
// followed by an indented one), no help key on the status line.
func screenProblems(s string, w int) []string {
	var out []string
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if n := len([]rune(l)); n > w {
			out = append(out, fmt.Sprintf("line %d is %d wide: %q", i, n, l))
		}
		if cut := screenWordCut(l); cut != "" {
			out = append(out, fmt.Sprintf("line %d cuts a word (%q): %q", i, cut, l))
		}
		// (The status line may follow: the rest is below, to scroll to.)
		if strings.HasSuffix(l, " \\") && i+1 < len(lines)-1 && !strings.HasPrefix(lines[i+1], "    ") && strings.TrimSpace(lines[i+1]) != "" {
			out = append(out, fmt.Sprintf("line %d continues a rule that line %d does not: %q / %q", i, i+1, l, lines[i+1]))
		}
		if trimmed := strings.TrimSpace(l); strings.HasPrefix(trimmed, "add ") && strings.Count(trimmed, "{") != strings.Count(trimmed, "}") && !strings.HasSuffix(l, " \\") {
			out = append(out, fmt.Sprintf("line %d splits a rule: %q", i, l))
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "? help") && !strings.Contains(last, "F1 help") {
		out = append(out, fmt.Sprintf("no help key on the status line %q", last))
	}
	return out
}

// screenWordCut returns a token of line with an ellipsis between two
// letters or digits, unless it is an address shortened in its middle.
func screenWordCut(line string) string {
	for _, tok := range strings.Fields(line) {
		for _, el := range []string{"…", "..."} {
			i := strings.Index(tok, el)
			if i <= 0 || i+len(el) >= len(tok) {
				continue
			}
			before, after := rune(tok[i-1]), []rune(tok[i+len(el):])[0]
			isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
			if !isWord(before) || !isWord(after) {
				continue
			}
			if strings.Trim(strings.ReplaceAll(tok, el, ""), "0123456789abcdefABCDEF.:[]/") == "" {
				continue
			}
			return tok
		}
	}
	return ""
}

func maxLineLen(s string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n = max(n, len([]rune(l)))
	}
	return n
}

// drawnAt reports whether cttop has drawn the screen at width w: its
// status line, whose hints end at the right edge, is w wide.
func drawnAt(w int) func(string) bool {
	return func(s string) bool {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return len(lines) == 24 && len([]rune(lines[len(lines)-1])) == w && maxLineLen(s) <= w
	}
}
