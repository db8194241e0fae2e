package main

import (
	"bufio"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
)

// TestGuardOverSSH is the self-lock-out guard seen by a user: cttop runs in
// a real SSH session (sshd in the server's namespace, ssh from a client's)
// with the environment emptied as sudo leaves it (only TERM kept). Blocking
// the session's own address asks for the typed yes and names the evidence;
// another address with only an ESTABLISHED flow to sshd gets the note.
func TestGuardOverSSH(t *testing.T) {
	bin := binary(t)
	srv, cli := netnstest.New(t), netnstest.NewBare(t)
	netnstest.Veth(t, srv, "10.201.0.1/24", cli, "10.201.0.2/24", "10.201.0.3/24")
	sshd := netnstest.StartSSHD(t, srv, "10.201.0.1")
	var other net.Conn
	cli.Do(t, func() {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("10.201.0.3")}, Timeout: 5 * time.Second}
		var err error
		if other, err = d.Dial("tcp", "10.201.0.1:22"); err != nil {
			t.Fatalf("connect to sshd: %v", err)
		}
	})
	defer other.Close()
	other.SetReadDeadline(time.Now().Add(5 * time.Second))
	if banner, err := bufio.NewReader(other).ReadString('\n'); err != nil || !strings.HasPrefix(banner, "SSH-2.0-") {
		t.Fatalf("sshd banner %q: %v", banner, err)
	}

	ssh := sshd.Command(cli, "env -i TERM=xterm-256color "+bin+"; echo CTTOP-EXIT=$?")
	tm := newTmux(t, 100, 30, strings.Join(ssh.Args, " ")+"; sleep 600")
	tm.waitFor("the table", 20*time.Second, contains("10.201.0.3"))
	tm.keys("Tab")
	tm.waitFor("the top view", 5*time.Second, contains("SOURCE"))
	tm.keys("Space", "j", "Space", "b")
	s := tm.waitFor("the dialog", 5*time.Second, contains("Apply 2 rules for 1h00m?"))
	flat := strings.Join(strings.Fields(s), " ")
	for _, want := range []string{
		"drop from 10.201.0.2, drop from 10.201.0.3",
		"drop from 10.201.0.2: 10.201.0.2 is the address your SSH session comes from: you would lock yourself out",
		"found by: TCP peer of sshd (pid ",
		"utmp login record of pts/",
		"note: 2 of 2 rules have an ESTABLISHED SSH flow to this host (port 22)",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("dialog lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(flat, "10.201.0.3 is the address") {
		t.Errorf("the other address got a strong warning:\n%s", s)
	}
	tm.keys("a")
	tm.waitFor("the typed confirmation", 5*time.Second, contains("type yes to apply anyway"))
	for _, k := range []string{"Escape", "Escape"} { // apart: ESC then a key reads as alt+key
		tm.keys(k)
		time.Sleep(300 * time.Millisecond)
	}

	// The /24 that holds the session's client (and the host's own
	// address): b on its prefix row asks for the typed yes too.
	tm.keys("[")
	tm.waitFor("the /24 row", 5*time.Second, contains("10.201.0.0/24"))
	tm.keys("g", "b")
	s = tm.waitFor("the prefix dialog", 5*time.Second, contains("Apply 1 rule for 1h00m?"))
	flat = strings.Join(strings.Fields(s), " ")
	for _, want := range []string{
		"drop from 10.201.0.0/24: 10.201.0.0/24 contains 10.201.0.2, the address your SSH session comes from: you would lock yourself out",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("prefix dialog lacks %q:\n%s", want, s)
		}
	}
	tm.keys("a")
	tm.waitFor("the typed confirmation", 5*time.Second, contains("type yes to apply anyway"))
	for _, k := range []string{"Escape", "Escape", "q"} { // apart: ESC then a key reads as alt+key
		tm.keys(k)
		time.Sleep(300 * time.Millisecond)
	}
	tm.waitFor("exit", 10*time.Second, contains("CTTOP-EXIT=0"))
	if os.Getenv("CTTOP_GUARD_SCREEN") != "" {
		t.Log("\n" + s)
	}
}
