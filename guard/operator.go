package guard

import (
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Peer is an address the operator's session comes from, with the evidence
// that says so.
type Peer struct {
	Client netip.Addr // the SSH client's address, unmapped, no zone
	Server netip.Addr // the local address of the session, if known
	Port   uint16     // the SSH server's port, 0 if unknown
	// Evidence names where this came from, in words for the dialog:
	// "TCP peer of sshd (pid 812), which serves this terminal",
	// "utmp login record of pts/0", "SSH_CONNECTION".
	Evidence []string
	// NetNS is the inode of the network namespace of the SSH server's
	// socket; 0 when unknown (utmp and the environment do not say).
	NetNS uint64
}

// Operator is what cttop could find out about the person running it: where
// their session comes from and who they logged in as.
type Operator struct {
	Peers []Peer
	// User is the login name ("" if unknown) and UserFrom where it was
	// found: "loginuid", "utmp", "SUDO_USER", "uid".
	User, UserFrom string
	// TTYs are the terminals of cttop and its ancestors ("pts/3").
	TTYs []string
}

// Probe says where FindOperator looks. The zero Probe is the running
// process on this host.
type Probe struct {
	Proc string              // "/proc"
	Utmp string              // UtmpPath
	PID  int                 // the process to start from; os.Getpid()
	Env  func(string) string // os.Getenv
}

func (p Probe) withDefaults() Probe {
	if p.Proc == "" {
		p.Proc = "/proc"
	}
	if p.Utmp == "" {
		p.Utmp = UtmpPath
	}
	if p.PID == 0 {
		p.PID = os.Getpid()
	}
	if p.Env == nil {
		p.Env = os.Getenv
	}
	return p
}

// maxAncestors bounds the walk up the process tree (a loop in a forged
// /proc, or a very deep tree, ends it).
const maxAncestors = 64

// FindOperator finds the operator's session from four kinds of evidence,
// each optional, none trusted to be alone:
//
//   - the process ancestry: the first sshd ancestor of the process that
//     holds an ESTABLISHED TCP socket (its /proc/PID/fd socket inodes,
//     matched in /proc/PID/net/tcp and tcp6, which show the namespace sshd
//     runs in): its peer is the client;
//   - the audit session (/proc/PID/sessionid, set at login by pam_loginuid
//     and kept through sudo, su and a tmux started in that login): sshd
//     processes of the same session and their peers;
//   - utmp: the USER_PROCESS records of the terminals of the process and
//     its ancestors (sudo's use_pty gives cttop a terminal of its own; the
//     login's is its parent's), or whose ut_pid is an ancestor;
//   - SSH_CONNECTION or SSH_CLIENT, when well-formed (sudo drops them).
//
// It never fails: what it cannot read it leaves out.
func FindOperator(probe Probe) Operator {
	p := probe.withDefaults()
	var op Operator
	chain := ancestry(p.Proc, p.PID)
	pids := map[int]bool{}
	for _, a := range chain {
		pids[a.pid] = true
		if t := ttyName(a.tty); t != "" && !slices.Contains(op.TTYs, t) {
			op.TTYs = append(op.TTYs, t)
		}
	}
	for _, a := range chain {
		if isSSHD(a.comm) {
			if peer, ok := sshdPeer(p.Proc, a.pid); ok {
				peer.Evidence = []string{"TCP peer of " + a.comm + " (pid " + strconv.Itoa(a.pid) + "), the SSH server process this terminal runs under"}
				op.add(peer)
				break
			}
		}
	}
	op.sameSession(p, pids)
	records, _ := readUtmp(p.Utmp)
	for _, r := range records {
		if !slices.Contains(op.TTYs, r.line) && !pids[r.pid] {
			continue
		}
		if op.User == "" && r.user != "" {
			op.User, op.UserFrom = r.user, "utmp"
		}
		if r.addr.IsValid() {
			op.add(Peer{Client: r.addr, Evidence: []string{"utmp login record of " + r.line}})
		}
	}
	for _, peer := range envPeers(p.Env) {
		op.add(peer)
	}
	op.findUser(p)
	return op
}

// ancestor is one process on the way from cttop to init.
type ancestor struct {
	pid int
	procStat
}

// ancestry returns pid and its ancestors, nearest first, up to (not
// including) pid 1.
func ancestry(proc string, pid int) []ancestor {
	var out []ancestor
	for range maxAncestors {
		if pid <= 1 {
			break
		}
		st, err := readStat(proc, pid)
		if err != nil {
			break
		}
		out = append(out, ancestor{pid, st})
		pid = st.ppid
	}
	return out
}

// isSSHD reports whether a command name is OpenSSH's server: "sshd", or
// "sshd-session" (the per-connection process of OpenSSH 9.8 and later).
func isSSHD(comm string) bool {
	return comm == "sshd" || comm == "sshd-session"
}

// sshdPeer returns the remote end of an ESTABLISHED TCP socket process pid
// holds, read in the process's own network namespace.
func sshdPeer(proc string, pid int) (Peer, bool) {
	inodes := socketInodes(proc, pid)
	if len(inodes) == 0 {
		return Peer{}, false
	}
	socks, err := readTCP(proc, pid)
	if err != nil {
		return Peer{}, false
	}
	for _, s := range socks {
		if s.state == tcpEstablished && inodes[s.inode] {
			return Peer{Client: s.remote.Addr(), Server: s.local.Addr(), Port: s.local.Port(), NetNS: netNSInode(proc, pid)}, true
		}
	}
	return Peer{}, false
}

// unsetSession is /proc/PID/sessionid when no login set one.
const unsetSession = "4294967295"

// sameSession adds the peers of sshd processes that belong to the same
// audit session as the probed process (but are not its ancestors, which
// FindOperator has read already): a cttop inside a tmux started from that
// login.
func (op *Operator) sameSession(p Probe, ancestors map[int]bool) {
	id := readTrim(filepath.Join(p.Proc, strconv.Itoa(p.PID), "sessionid"))
	if id == "" || id == unsetSession {
		return
	}
	ents, _ := os.ReadDir(p.Proc)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || ancestors[pid] {
			continue
		}
		if readTrim(filepath.Join(p.Proc, e.Name(), "sessionid")) != id {
			continue
		}
		if st, err := readStat(p.Proc, pid); err == nil && isSSHD(st.comm) {
			if peer, ok := sshdPeer(p.Proc, pid); ok {
				peer.Evidence = []string{"TCP peer of " + st.comm + " (pid " + e.Name() + ") of your login session (audit session " + id + ")"}
				op.add(peer)
			}
		}
	}
}

// findUser fills User from the loginuid when utmp did not say, then
// SUDO_USER, then the real user id.
func (op *Operator) findUser(p Probe) {
	if uid := readTrim(filepath.Join(p.Proc, strconv.Itoa(p.PID), "loginuid")); uid != "" && uid != unsetSession {
		if u, err := user.LookupId(uid); err == nil {
			op.User, op.UserFrom = u.Username, "loginuid"
			return
		}
	}
	if op.User != "" {
		return
	}
	if u := p.Env("SUDO_USER"); u != "" {
		op.User, op.UserFrom = u, "SUDO_USER"
		return
	}
	if u, err := user.LookupId(strconv.Itoa(os.Getuid())); err == nil {
		op.User, op.UserFrom = u.Username, "uid"
	}
}

// add merges a peer into the list: one entry per client address.
func (op *Operator) add(p Peer) {
	if !p.Client.IsValid() {
		return
	}
	p.Client = p.Client.Unmap().WithZone("")
	for i := range op.Peers {
		q := &op.Peers[i]
		if q.Client != p.Client {
			continue
		}
		for _, e := range p.Evidence {
			if !slices.Contains(q.Evidence, e) {
				q.Evidence = append(q.Evidence, e)
			}
		}
		if !q.Server.IsValid() {
			q.Server = p.Server
		}
		if q.Port == 0 {
			q.Port = p.Port
		}
		if q.NetNS == 0 {
			q.NetNS = p.NetNS
		}
		return
	}
	op.Peers = append(op.Peers, p)
}

// envPeers reads SSH_CONNECTION ("client port server port") and
// SSH_CLIENT ("client port serverport"). A malformed variable adds
// nothing, but takes nothing away from the other evidence either.
func envPeers(env func(string) string) []Peer {
	var out []Peer
	if f := strings.Fields(env("SSH_CONNECTION")); len(f) == 4 {
		client, server := parseAddr(f[0]), parseAddr(f[2])
		if client.IsValid() {
			p := Peer{Client: client, Server: server, Evidence: []string{"SSH_CONNECTION"}}
			if port, err := strconv.ParseUint(f[3], 10, 16); err == nil {
				p.Port = uint16(port)
			}
			out = append(out, p)
		}
	}
	if f := strings.Fields(env("SSH_CLIENT")); len(f) == 3 {
		if client := parseAddr(f[0]); client.IsValid() {
			p := Peer{Client: client, Evidence: []string{"SSH_CLIENT"}}
			if port, err := strconv.ParseUint(f[2], 10, 16); err == nil {
				p.Port = uint16(port)
			}
			out = append(out, p)
		}
	}
	return out
}

// parseAddr parses an address, unmapped and without zone; the zero Addr
// if s is not one.
func parseAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
