package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
)

// updateIncident makes TestIncident rewrite the screens of
// docs/incident.md with what it captured, so they never drift.
var updateIncident = flag.Bool("update-incident", false, "rewrite docs/incident.md's screens from TestIncident's captures")

// incident is the scenario's world: a server, attackers, a legitimate
// client, each in a namespace of its own.
type incident struct {
	t                *testing.T
	srv, atk, client *netnstest.NS
	attackers        []string // addresses in atk, heaviest first
	mu               sync.Mutex
	held             []net.Conn // the attackers' open connections
	stop             chan struct{}
	worker           sync.WaitGroup
	tries            atomic.Int64 // the attackers' further attempts
	step             int
	screens          map[string]string
}

func (in *incident) pass(format string, args ...any) {
	in.step++
	msg := fmt.Sprintf("incident step %d passed: %s", in.step, fmt.Sprintf(format, args...))
	in.t.Log(msg)
	fmt.Fprintln(os.Stderr, msg) // each step is printed, also without -v
}

// dial connects from local to the server's port 80 inside ns. It is safe
// in any goroutine.
func dial(ns *netnstest.NS, local string, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	var err error
	if nerr := ns.Enter(func() {
		d := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
		c, err = d.Dial("tcp", "10.99.0.1:80")
	}); nerr != nil {
		return nil, nerr
	}
	return c, err
}

// flood opens and holds connections from the attackers (60/30/10 per cent)
// until the server's table is full and new ones fail, then keeps trying in
// the background so the kernel keeps dropping.
func (in *incident) flood(max int) {
	weights := []int{6, 3, 1}
	fails := 0
	for i := 0; fails < 20 && i < 2*max; i++ {
		src := in.attackers[0]
		switch r := i % 10; {
		case r >= weights[0]+weights[1]:
			src = in.attackers[2]
		case r >= weights[0]:
			src = in.attackers[1]
		}
		c, err := dial(in.atk, src, 150*time.Millisecond)
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
			case <-time.After(20 * time.Millisecond):
			}
			for _, src := range in.attackers {
				if c, err := dial(in.atk, src, 50*time.Millisecond); err == nil {
					in.mu.Lock()
					in.held = append(in.held, c)
					in.mu.Unlock()
				}
				in.tries.Add(1)
			}
		}
	}()
}

func (in *incident) close() {
	close(in.stop)
	in.worker.Wait() // before the namespaces go
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, c := range in.held {
		c.Close()
	}
}

// kernelBySource counts the server's flows to port 80 per source, as
// conntrack -L shows them.
func (in *incident) kernelBySource() map[string]int {
	out, err := in.srv.Command("conntrack", "-L", "-p", "tcp", "--dport", "80").Output()
	if err != nil {
		in.t.Fatalf("conntrack -L: %v", err)
	}
	m := map[string]int{}
	for _, line := range strings.Split(string(out), "\n") {
		if i := strings.Index(line, "src="); i >= 0 {
			m[strings.Fields(line[i+4:])[0]]++
		}
	}
	return m
}

// kernelDrops sums drop and early_drop over CPUs (conntrack -S).
func (in *incident) kernelDrops() int {
	out, err := in.srv.Command("conntrack", "-S").Output()
	if err != nil {
		in.t.Fatalf("conntrack -S: %v", err)
	}
	n := 0
	for _, m := range regexp.MustCompile(`\b(drop|early_drop)=(\d+)`).FindAllStringSubmatch(string(out), -1) {
		v, _ := strconv.Atoi(m[2])
		n += v
	}
	return n
}

// kernelLog returns the kernel's "table full" line for the server's
// namespace, if the (rate-limited) log has one.
func (in *incident) kernelLog() string {
	var st syscall.Stat_t
	if err := syscall.Stat(in.srv.Path, &st); err != nil {
		return ""
	}
	out, _ := exec.Command("dmesg").Output()
	want := fmt.Sprintf("table full in netns %d", st.Ino)
	line := ""
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, want) {
			line = l
		}
	}
	in.t.Logf("kernel log: %q", line)
	if i := strings.Index(line, "] "); i >= 0 {
		line = line[i+2:]
	}
	return line
}

func gaugePercent(t *testing.T, screen string) float64 {
	m := regexp.MustCompile(`\(([\d.]+)%\)`).FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no gauge on screen:\n%s", screen)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// TestIncident is the acceptance test of the whole product, from the user's
// story: a flood fills the server's table, the operator runs cttop, filters
// by port, finds the sources, blocks them with one key, and the service
// recovers. Every layer is real: kernel, binary, terminal.
func TestIncident(t *testing.T) {
	netnstest.Require(t, "conntrack", "tmux")
	start := time.Now()
	bin := binary(t)
	const max = 1500
	in := &incident{t: t, attackers: []string{"10.99.0.11", "10.99.0.12", "10.99.0.13"},
		stop: make(chan struct{}), screens: map[string]string{}}

	// 1. The world: server with a service on port 80 and conntrack; an
	// attacker and a legitimate client, both untracked themselves.
	in.srv = netnstest.New(t)
	in.atk, in.client = netnstest.NewBare(t), netnstest.NewBare(t)
	netnstest.Veth(t, in.srv, "10.99.0.1/24", in.atk, "10.99.0.11/24", "10.99.0.12/24", "10.99.0.13/24")
	netnstest.Veth(t, in.srv, "10.98.0.1/24", in.client, "10.98.0.2/24")
	in.client.Run(t, "ip", "route", "add", "10.99.0.0/24", "via", "10.98.0.1")
	serveHold(t, in.srv, "0.0.0.0:80")
	netnstest.SetConntrackMax(t, max)
	in.pass("namespaces up, service on port 80, nf_conntrack_max=%d (restored at the end)", max)

	// 2. The flood fills the table; the kernel drops.
	dropsBefore := in.kernelDrops()
	in.flood(max)
	t.Cleanup(in.close)
	time.Sleep(300 * time.Millisecond)
	byKernel := in.kernelBySource()
	total := 0
	for _, n := range byKernel {
		total += n
	}
	if total < max*9/10 {
		t.Fatalf("the flood made only %d flows (max %d)", total, max)
	}
	if d := in.kernelDrops(); d <= dropsBefore {
		t.Fatalf("the kernel is not dropping (drops %d -> %d)", dropsBefore, d)
	}
	in.screens["log"] = in.kernelLog()
	if _, err := dial(in.client, "10.98.0.2", time.Second); err == nil {
		t.Fatal("the legitimate client still connects to a full table")
	}
	in.pass("table full: %d flows from %d sources, kernel dropping, legitimate client refused", total, len(byKernel))

	// 3. cttop in the server's namespace: the gauge in the alarm colour,
	// the drops rising, and, without a key, the top view by source with
	// the heaviest attacker first and the key that blocks it.
	tm := newTmux(t, 120, 40, bin+" --netns "+in.srv.Name+"; echo CTTOP-EXIT=$?; sleep 120")
	tm.waitFor("a rising drop counter", 15*time.Second, contains("DROPPING"))
	s := tm.waitFor("the top view by source", 5*time.Second, contains("SOURCE"))
	if rows := topRows(s); len(rows) == 0 || rows[0].key != in.attackers[0] || !strings.Contains(s, "b blocks "+in.attackers[0]) {
		t.Fatalf("the first screen does not show the offender:\n%s", s)
	}
	if p := gaugePercent(t, s); p < 95 {
		t.Fatalf("gauge at %.1f%%, want at or near 100%%:\n%s", p, s)
	}
	colored := tm.screenEscapes()
	if !regexp.MustCompile(`\x1b\[[0-9;]*(31|91|38;2;255;95;95|38;5;203)[0-9;]*m[^\x1b]*` + regexp.QuoteMeta(fmt.Sprintf("/ %s", commasInt(max)))).MatchString(colored) {
		t.Errorf("gauge not in the alarm colour:\n%q", firstLine(colored))
	}
	in.screens["full"] = s
	checkScreen(t, "full", s, 120)
	in.pass("cttop shows the table at %.1f%% in red and DROPPING, and lands on the top sources, %s first", gaugePercent(t, s), in.attackers[0])

	// 4. Filter by port 80, still in the top view by source: the
	// attackers, with the kernel's own counts.
	tm.keys("/")
	tm.keys("-l", "port 80")
	tm.waitFor("live match count", 5*time.Second, contains("match"))
	tm.keys("Enter")
	s = tm.waitFor("top view", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "SOURCE") && strings.Contains(s, "filter: port 80")
	})
	byKernel = in.kernelBySource()
	rows := topRows(s)
	if len(rows) < len(in.attackers) {
		t.Fatalf("top view rows %v:\n%s", rows, s)
	}
	for i, a := range in.attackers {
		if rows[i].key != a {
			t.Fatalf("row %d is %s, want attacker %s:\n%s", i+1, rows[i].key, a, s)
		}
		// The flood goes on (new attempts are dropped), so the counts
		// are stable; allow for a connection that won a freed slot.
		if d := rows[i].flows - byKernel[a]; d < -2 || d > 2 {
			t.Errorf("%s: cttop %d flows, kernel %d", a, rows[i].flows, byKernel[a])
		}
	}
	in.screens["top"] = s
	checkScreen(t, "top", s, 120)
	tune, err := exec.Command(bin, "--tune", "--netns", in.srv.Name).Output()
	if err != nil {
		t.Fatalf("cttop --tune: %v", err)
	}
	if !strings.Contains(string(tune), "nf_conntrack_max") || !strings.Contains(string(tune), "sysctl.d") {
		t.Errorf("the tuning report during the flood lacks advice:\n%s", tune)
	}
	in.screens["tune"] = string(tune)
	in.pass("filter 'port 80' and top view by source: attackers %v with the kernel's counts %v", in.attackers,
		[]int{byKernel[in.attackers[0]], byKernel[in.attackers[1]], byKernel[in.attackers[2]]})

	// 5. Tag the attackers, b, apply.
	tm.keys("Space", "Space", "Space")
	tm.waitFor("tags", 5*time.Second, contains("3 tagged"))
	tm.keys("b")
	s = tm.waitFor("block dialog", 5*time.Second, contains("Apply 3 rules for 1h00m?"))
	in.screens["dialog"] = s
	checkScreen(t, "dialog", s, 120)
	tm.keys("a")
	applied := time.Now()
	deadline := applied.Add(2 * time.Second)
	for {
		left := 0
		for _, a := range in.attackers {
			left += in.kernelBySource()[a]
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d attacker flows still in the kernel's table 2 s after apply", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	gone := time.Since(applied)
	// cttop merges adjacent addresses (10.99.0.12 and .13 into a /31):
	// ask nft whether an entry holds each attacker.
	for _, a := range in.attackers {
		if out, err := in.srv.Command("nft", "get", "element", "inet", "cttop", "blocked4", "{ "+a+" }").CombinedOutput(); err != nil {
			t.Errorf("%s not in cttop's set: %v: %s\n%s", a, err, out, in.srv.Run(t, "nft", "list", "set", "inet", "cttop", "blocked4"))
		}
	}
	tm.waitFor("gauge falls", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "deleted") && gaugePercent(t, s) < 10
	})
	if _, err := dial(in.atk, in.attackers[0], 300*time.Millisecond); err == nil {
		t.Error("a blocked attacker still connects")
	}
	c, err := dial(in.client, "10.98.0.2", 2*time.Second)
	if err != nil {
		t.Fatalf("the legitimate client cannot connect after the block: %v", err)
	}
	c.Close()
	d1 := in.kernelDrops()
	tries := in.tries.Load()
	time.Sleep(time.Second)
	if d2 := in.kernelDrops(); d2 != d1 || in.tries.Load() <= tries {
		t.Errorf("drops still rising (%d -> %d) or the attackers stopped trying", d1, d2)
	}
	s = tm.waitFor("no more DROPPING", 5*time.Second, func(s string) bool { return !strings.Contains(s, "DROPPING") })
	in.screens["after"] = s
	checkScreen(t, "after", s, 120)
	in.pass("attackers blocked: in cttop's set, their flows gone from the kernel in %v, gauge at %.1f%%, "+
		"attacker refused, legitimate client served, drops flat", gone.Round(time.Millisecond), gaugePercent(t, s))

	// 6. Quit: the terminal is restored.
	tm.keys("q")
	s = tm.waitFor("exit", 5*time.Second, contains("CTTOP-EXIT=0"))
	if strings.Contains(s, "SOURCE") || tm.display("#{alternate_on}") != "0" {
		t.Errorf("terminal not restored:\n%s", s)
	}
	in.pass("quit, terminal restored; whole scenario in %v", time.Since(start).Round(time.Second))
	if *updateIncident {
		if err := writeIncidentScreens("docs/incident.md", in.screens); err != nil {
			t.Fatal(err)
		}
	}
}

// serveHold accepts connections on addr inside ns and holds them open, as a
// busy server would; the listener closes when the test ends.
func serveHold(t *testing.T, ns *netnstest.NS, addr string) {
	t.Helper()
	var l net.Listener
	ns.Do(t, func() {
		var err error
		if l, err = net.Listen("tcp", addr); err != nil {
			t.Fatalf("listen: %v", err)
		}
	})
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
}

type topRow struct {
	key   string
	flows int
}

// topRows parses the top view's rows from a screen.
func topRows(screen string) []topRow {
	var rows []topRow
	seen := false
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "* "))
		if len(f) >= 2 && f[0] == "SOURCE" {
			seen = true
			continue
		}
		if !seen || len(f) < 3 {
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(f[1], ",", ""))
		if err != nil {
			break
		}
		rows = append(rows, topRow{f[0], n})
	}
	return rows
}

func commasInt(n int) string {
	s := strconv.Itoa(n)
	if len(s) > 3 {
		s = s[:len(s)-3] + "," + s[len(s)-3:]
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// writeIncidentScreens puts the captured screens into the file at path
// (docs/incident.md) between the incident markers.
func writeIncidentScreens(path string, screens map[string]string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(b)
	for _, name := range []string{"log", "full", "top", "tune", "dialog", "after"} {
		begin, end := "<!-- incident:"+name+" -->\n", "<!-- /incident:"+name+" -->"
		i, j := strings.Index(text, begin), strings.Index(text, end)
		if i < 0 || j < i {
			return fmt.Errorf("%s lacks the markers of screen %q", path, name)
		}
		screen := strings.TrimRight(screens[name], "\n ")
		if screen == "" {
			continue // e.g. the rate-limited kernel log said nothing this time
		}
		var lines []string
		for _, l := range strings.Split(screen, "\n") {
			l = strings.TrimRight(l, " ")
			if l == "" && len(lines) > 0 && lines[len(lines)-1] == "" {
				continue // the empty rows of a short table
			}
			lines = append(lines, l)
		}
		text = text[:i+len(begin)] + "```\n" + strings.Join(lines, "\n") + "\n```\n" + text[j:]
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
