package netnstest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// SSHD is a real OpenSSH server (Debian's openssh-server) running in a
// test namespace, with its own host key, a test key pair for root, and a
// private /run (a tmpfs in a mount namespace of its own) holding its
// privilege-separation directory and a utmp it writes login records to,
// so nothing of the host's /run changes.
type SSHD struct {
	Addr string // the address it listens on
	dir  string // keys and config
}

// StartSSHD starts sshd on addr:22 in ns, stopped when the test ends.
func StartSSHD(t testing.TB, ns *NS, addr string) *SSHD {
	t.Helper()
	Require(t, "sshd", "ssh", "ssh-keygen", "unshare")
	s := &SSHD{Addr: addr, dir: t.TempDir()}
	s.configure(t)
	sshd, err := exec.LookPath("sshd") // sshd wants to be started by its absolute path
	if err != nil {
		t.Fatal(err)
	}
	cmd := ns.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		`mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p /run/sshd && : > /run/utmp && exec "$0" -D -e -f "$1"`,
		sshd, filepath.Join(s.dir, "sshd_config"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	var mu sync.Mutex
	var log strings.Builder
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("sshd's log:\n%s", log.String())
			mu.Unlock()
		}
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.HasPrefix(sc.Text(), "Server listening on") {
				select {
				case ready <- true:
				default:
				}
			}
		}
		select {
		case ready <- false:
		default:
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("sshd exited before listening")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sshd did not start within 10s")
	}
	return s
}

// configure writes the server's host key, root's test key pair and
// authorized_keys, and sshd_config, into s.dir.
func (s *SSHD) configure(t testing.TB) {
	t.Helper()
	for _, key := range []string{"host", "id"} {
		run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cttop-test", "-f", filepath.Join(s.dir, key))
	}
	pub, err := os.ReadFile(filepath.Join(s.dir, "id.pub"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("authorized_keys", string(pub))
	write("sshd_config", fmt.Sprintf(`Port 22
ListenAddress %s
HostKey %s/host
AuthorizedKeysFile %s/authorized_keys
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PidFile none
LogLevel VERBOSE
`, s.Addr, s.dir, s.dir))
}

// Command returns an unstarted ssh that runs remote (a shell command line)
// as root on the server from namespace from, with a pty (-tt) so that sshd
// records the login in utmp.
func (s *SSHD) Command(from *NS, remote string) *exec.Cmd {
	return from.Command("ssh", "-tt", "-i", filepath.Join(s.dir, "id"),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "root@"+s.Addr, remote)
}
