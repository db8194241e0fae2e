package guard

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fakeProc builds a /proc tree in a temporary directory.
type fakeProc struct {
	t    *testing.T
	root string
}

func newFakeProc(t *testing.T) *fakeProc { return &fakeProc{t: t, root: t.TempDir()} }

func (p *fakeProc) write(pid int, name, content string) {
	p.t.Helper()
	path := filepath.Join(p.root, strconv.Itoa(pid), name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *fakeProc) link(pid int, name, target string) {
	p.t.Helper()
	path := filepath.Join(p.root, strconv.Itoa(pid), name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		p.t.Fatal(err)
	}
}

// proc adds a process: its stat (with a command name that needs the
// last-parenthesis rule), its network namespace and sockets.
func (p *fakeProc) proc(pid, ppid int, comm string, tty int, netns uint64, sockets ...uint64) {
	p.write(pid, "stat", fmt.Sprintf("%d (%s) S %d %d %d %d -1 4194560 0 0\n", pid, comm, ppid, pid, pid, tty))
	p.link(pid, "ns/net", fmt.Sprintf("net:[%d]", netns))
	p.link(pid, "fd/0", "/dev/null")
	for i, s := range sockets {
		p.link(pid, "fd/"+strconv.Itoa(3+i), fmt.Sprintf("socket:[%d]", s))
	}
}

// tcpHex formats an address:port as /proc/net/tcp does on this host.
func tcpHex(ap netip.AddrPort) string {
	var b []byte
	if ap.Addr().Is4() {
		a := ap.Addr().As4()
		b = a[:]
	} else {
		a := ap.Addr().As16()
		b = a[:]
	}
	var s strings.Builder
	for i := 0; i < len(b); i += 4 {
		fmt.Fprintf(&s, "%08X", binary.NativeEndian.Uint32(b[i:]))
	}
	return fmt.Sprintf("%s:%04X", s.String(), ap.Port())
}

func tcpTable(rows ...string) string {
	return "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" + strings.Join(rows, "")
}

func tcpRow(local, remote string, st uint8, inode uint64) string {
	return fmt.Sprintf("   0: %s %s %02X 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 20 4 0 10 -1\n",
		tcpHex(netip.MustParseAddrPort(local)), tcpHex(netip.MustParseAddrPort(remote)), st, inode)
}

// utmpRecord encodes a glibc utmp record.
func utmpRecord(typ uint16, pid int, line, user, host string, addr netip.Addr) []byte {
	b := make([]byte, utmpSize)
	binary.NativeEndian.PutUint16(b, typ)
	binary.NativeEndian.PutUint32(b[utmpOffPID:], uint32(pid))
	copy(b[utmpOffLine:utmpOffLine+32], line)
	copy(b[utmpOffUser:utmpOffUser+32], user)
	copy(b[utmpOffHost:utmpOffHost+256], host)
	switch {
	case addr.Is4():
		a := addr.As4()
		copy(b[utmpOffAddrV6:], a[:])
	case addr.Is6():
		a := addr.As16()
		copy(b[utmpOffAddrV6:], a[:])
	}
	return b
}

const pts3 = 136<<8 | 3 // the device number of /dev/pts/3

// TestFindOperator is the path of `sudo cttop` in an SSH login with sudo's
// use_pty: cttop on its own pts/5, sudo on the login's pts/3, the login
// shell, the unprivileged sshd holding the TCP socket, its privileged
// monitor, the listener. The environment is empty, as sudo leaves it.
func TestFindOperator(t *testing.T) {
	p := newFakeProc(t)
	const hostNS = 4026531840
	p.proc(900, 1, "sshd", 0, hostNS, 50)               // the listener
	p.proc(1000, 900, "sshd", 0, hostNS, 70)            // [priv]: a unix socket only
	p.proc(1001, 1000, "sshd-session", 0, hostNS, 60)   // user@pts/3, holds the TCP socket
	p.proc(1002, 1001, "bash", pts3, hostNS)            //
	p.proc(1003, 1002, "sudo", pts3, hostNS)            //
	p.proc(1004, 1003, "cttop (x) y", 136<<8|5, hostNS) // a name with parentheses
	for _, pid := range []int{900, 1000, 1001, 1002, 1003, 1004} {
		p.write(pid, "net/tcp", tcpTable(
			tcpRow("0.0.0.0:22", "0.0.0.0:0", tcpListen, 50),
			tcpRow("192.0.2.10:22", "203.0.113.9:52814", tcpEstablished, 60),
			tcpRow("192.0.2.10:22", "198.51.100.66:40000", tcpEstablished, 61), // someone else's
		))
		p.write(pid, "net/tcp6", tcpTable(tcpRow("[::]:22", "[::]:0", tcpListen, 51)))
		p.write(pid, "sessionid", "4294967295\n")
	}
	p.write(1004, "loginuid", "4294967295\n")
	utmp := filepath.Join(t.TempDir(), "utmp")
	var recs []byte
	recs = append(recs, utmpRecord(2, 0, "~", "reboot", "6.18", netip.Addr{})...)
	recs = append(recs, utmpRecord(utmpUserProc, 1001, "pts/3", "alice", "203.0.113.9", netip.MustParseAddr("203.0.113.9"))...)
	recs = append(recs, utmpRecord(utmpUserProc, 2001, "pts/4", "mallory", "198.51.100.66", netip.MustParseAddr("198.51.100.66"))...)
	recs = append(recs, utmpRecord(8, 1500, "pts/1", "bob", "2001:db8::1", netip.MustParseAddr("2001:db8::1"))...) // dead
	if err := os.WriteFile(utmp, recs, 0o644); err != nil {
		t.Fatal(err)
	}

	op := FindOperator(Probe{Proc: p.root, Utmp: utmp, PID: 1004, Env: envOf(nil)})
	if !slices.Equal(op.TTYs, []string{"pts/5", "pts/3"}) {
		t.Errorf("TTYs = %v, want [pts/5 pts/3]", op.TTYs)
	}
	if op.User != "alice" || op.UserFrom != "utmp" {
		t.Errorf("User = %q from %q, want alice from utmp", op.User, op.UserFrom)
	}
	if len(op.Peers) != 1 {
		t.Fatalf("Peers = %+v, want one", op.Peers)
	}
	peer := op.Peers[0]
	if peer.Client != netip.MustParseAddr("203.0.113.9") || peer.Server != netip.MustParseAddr("192.0.2.10") ||
		peer.Port != 22 || peer.NetNS != hostNS {
		t.Errorf("peer = %+v, want 203.0.113.9 to 192.0.2.10:22 in %d", peer, uint64(hostNS))
	}
	if len(peer.Evidence) != 2 || !strings.Contains(peer.Evidence[0], "sshd-session (pid 1001)") ||
		peer.Evidence[1] != "utmp login record of pts/3" {
		t.Errorf("evidence = %q", peer.Evidence)
	}
	g := &Guard{Operator: op, NetNS: hostNS}
	ws := g.Check(netip.MustParsePrefix("203.0.113.0/24"))
	if len(ws) != 1 || !strings.Contains(ws[0].String(), "sshd-session (pid 1001)") {
		t.Errorf("Check = %v, want the session with its evidence", ws)
	}
	if ws := g.Check(netip.MustParsePrefix("198.51.100.66/32")); len(ws) != 0 {
		t.Errorf("Check(someone else's session) = %v, want none", ws)
	}
	if got := ListeningSSH(p.root, hostNS); !slices.Equal(got, []uint16{22}) {
		t.Errorf("ListeningSSH = %v, want [22]", got)
	}
	if got := ListeningSSH(p.root, 1); len(got) != 0 {
		t.Errorf("ListeningSSH(other namespace) = %v, want none", got)
	}
}

// TestFindOperatorSameSession is cttop in a tmux started in the login: the
// ancestry ends at the tmux server, and the audit session finds the sshd.
func TestFindOperatorSameSession(t *testing.T) {
	p := newFakeProc(t)
	p.proc(1001, 1, "sshd", 0, 7, 60)
	p.proc(2000, 1, "tmux: server", 0, 7)
	p.proc(2001, 2000, "cttop", pts3, 7)
	p.proc(3001, 1, "sshd", 0, 7, 61) // another login
	for pid, sess := range map[int]string{1001: "12", 2000: "12", 2001: "12", 3001: "13"} {
		p.write(pid, "sessionid", sess+"\n")
		p.write(pid, "net/tcp", tcpTable(
			tcpRow("192.0.2.10:22", "203.0.113.9:52814", tcpEstablished, 60),
			tcpRow("192.0.2.10:22", "198.51.100.66:40000", tcpEstablished, 61)))
	}
	op := FindOperator(Probe{Proc: p.root, Utmp: filepath.Join(p.root, "no-utmp"), PID: 2001, Env: envOf(map[string]string{"SUDO_USER": "carol"})})
	if len(op.Peers) != 1 || op.Peers[0].Client != netip.MustParseAddr("203.0.113.9") ||
		!strings.Contains(op.Peers[0].Evidence[0], "audit session 12") {
		t.Fatalf("Peers = %+v, want 203.0.113.9 through the audit session", op.Peers)
	}
	if op.User != "carol" || op.UserFrom != "SUDO_USER" {
		t.Errorf("User = %q from %q, want carol from SUDO_USER", op.User, op.UserFrom)
	}
}

// TestFindOperatorHostile feeds what a broken or forged /proc could hold:
// loops, garbage, nothing. FindOperator must end and find nothing.
func TestFindOperatorHostile(t *testing.T) {
	p := newFakeProc(t)
	p.proc(10, 11, "a", 0, 1)
	p.proc(11, 10, "sshd", 0, 1, 5) // a loop
	p.write(11, "net/tcp", "garbage\n 0: zz:zz 01 x\n")
	p.write(12, "stat", "12 no parentheses\n")
	op := FindOperator(Probe{Proc: p.root, Utmp: "/nonexistent", PID: 10, Env: envOf(map[string]string{"SSH_CONNECTION": "1.2.3.4 5"})})
	if len(op.Peers) != 0 {
		t.Errorf("Peers = %+v, want none", op.Peers)
	}
	if _, err := readStat(p.root, 12); err == nil {
		t.Error("readStat of a stat without a name succeeded")
	}
}

func TestParseHexAddrPort(t *testing.T) {
	for _, s := range []string{"10.77.0.1:22", "[2001:db8::1]:443", "[::ffff:10.0.0.1]:80"} {
		want := netip.MustParseAddrPort(s)
		got, ok := parseHexAddrPort(tcpHex(want))
		want = netip.AddrPortFrom(want.Addr().Unmap(), want.Port())
		if !ok || got != want {
			t.Errorf("parseHexAddrPort(%s) = %v %v", tcpHex(want), got, ok)
		}
	}
	for _, s := range []string{"", "0100007F", "0100007F:", "0100007F:XYZ", "01007F:0016", "GG00007F:0016"} {
		if _, ok := parseHexAddrPort(s); ok {
			t.Errorf("parseHexAddrPort(%q) ok", s)
		}
	}
}

func TestTTYName(t *testing.T) {
	for dev, want := range map[uint64]string{0: "", pts3: "pts/3", 4<<8 | 1: "tty1", 4<<8 | 64: "ttyS0", 137<<8 | 5: "pts/261", 136<<8 | 300&0xff | (300&^0xff)<<12: "pts/300", 5<<8 | 1: ""} {
		if got := ttyName(dev); got != want {
			t.Errorf("ttyName(%#x) = %q, want %q", dev, got, want)
		}
	}
}
