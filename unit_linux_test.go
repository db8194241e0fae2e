package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/source/sourcetest"
)

// This file starts contrib/cttop.service's command line with the unit's
// restrictions, as far as this machine can apply them without systemd
// (systemd-run needs a running systemd):
//
//   - DynamicUser=yes: a user ID no account has (setpriv --reuid/--regid,
//     no groups);
//   - AmbientCapabilities= and CapabilityBoundingSet=: exactly the unit's
//     capabilities, ambient and bounding (setpriv);
//   - NoNewPrivileges=yes (setpriv --no-new-privs);
//   - ProtectProc=: a /proc of its own mounted with the same hidepid=
//     value, in a mount namespace of its own (unshare --mount);
//   - ProtectKernelLogs=yes, for the contrast: an inaccessible node bound
//     over /dev/kmsg, as systemd does.
//
// Not emulated, and left to systemd-analyze verify (TestSystemdUnitVerifies)
// and to systemd itself: the seccomp filters (SystemCallFilter=,
// RestrictNamespaces=, RestrictAddressFamilies=, LockPersonality=,
// MemoryDenyWriteExecute=), the BPF ones (IPAddressDeny=,
// DevicePolicy=/DeviceAllow=) and the read-only mounts (ProtectSystem=,
// ProtectHome=, PrivateTmp=). Without CAP_SYS_ADMIN, setns(2) fails in the
// emulation as RestrictNamespaces=yes makes it fail under systemd.

// unitSettings reads the unit's [Service] settings.
func unitSettings(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("contrib/cttop.service")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && line[0] != '#' {
			set[k] = append(set[k], v)
		}
	}
	return set
}

// restricted is how an emulated run is restricted.
type restricted struct {
	caps      []string // capability names without CAP_, lower case
	hidepid   string   // ProtectProc= value for the /proc mount
	noKmsg    bool     // ProtectKernelLogs=yes
	metricsAt string
}

// capsOf turns "CAP_NET_ADMIN CAP_SYSLOG" into setpriv's names.
func capsOf(v string) []string {
	var out []string
	for _, c := range strings.Fields(v) {
		out = append(out, strings.ToLower(strings.TrimPrefix(c, "CAP_")))
	}
	return out
}

// syncBuffer is a bytes.Buffer the process's stderr copier writes while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startRestricted starts bin with args under r and returns the process
// and its stderr.
func startRestricted(t *testing.T, bin string, args []string, r restricted) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	plus := "+" + strings.Join(r.caps, ",+")
	script := `set -e; mount -t proc -o hidepid=` + r.hidepid + ` proc /proc`
	if r.noKmsg {
		// systemd's inaccessible node: mode 0000, bound over the device.
		node := filepath.Join(filepath.Dir(bin), "inaccessible")
		if err := os.WriteFile(node, nil, 0); err != nil {
			t.Fatal(err)
		}
		script += `; mount --bind ` + node + ` /dev/kmsg`
	}
	script += `; exec "$@"`
	setpriv := []string{"setpriv", "--reuid=61234", "--regid=61234", "--clear-groups",
		"--inh-caps=-all," + plus, "--ambient-caps=-all," + plus, "--bounding-set=-all," + plus, "--no-new-privs", bin}
	cmdArgs := append([]string{"--mount", "--propagation", "private", "--", "sh", "-c", script, "sh"}, setpriv...)
	cmd := exec.Command("unshare", append(cmdArgs, args...)...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	return cmd, stderr
}

// scrape returns the metrics at url as series -> value.
func scrape(url string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	m := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			m[line[:i]] = v
		}
	}
	return m, nil
}

// freePort is a loopback port nobody listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestSystemdUnitRestricted runs the unit's command line as another user
// with the unit's capabilities and /proc: it finds a container-like
// namespace (a namespace with a process in it) and counts its entries as
// conntrack -C does, and reads the kernel log. With ProtectProc=invisible,
// ProtectKernelLogs=yes and CAP_NET_ADMIN alone (the hardening this unit
// relaxes) the same command line sees neither, says once that it cannot
// read the kernel log, and goes on serving the table's metrics.
func TestSystemdUnitRestricted(t *testing.T) {
	netnstest.Require(t, "conntrack", "setpriv", "unshare", "mount")
	set := unitSettings(t)
	execStart := strings.Fields(strings.Join(set["ExecStart"], ""))
	if len(execStart) < 2 || execStart[0] != "/usr/bin/cttop" {
		t.Fatalf("ExecStart %v", execStart)
	}
	caps := capsOf(strings.Join(set["AmbientCapabilities"], " "))
	if got := strings.Join(capsOf(strings.Join(set["CapabilityBoundingSet"], " ")), " "); got != strings.Join(caps, " ") {
		t.Fatalf("bounding set %q differs from the ambient capabilities %q", got, caps)
	}
	if strings.Join(set["DynamicUser"], "") != "yes" || strings.Join(set["NoNewPrivileges"], "") != "yes" {
		t.Fatal("the unit runs without DynamicUser=yes or NoNewPrivileges=yes: the emulation would not match")
	}

	// A binary every user may run.
	dir, err := os.MkdirTemp("", "cttop-unit")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "cttop")
	b, err := os.ReadFile(binary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}

	// A namespace like a container's: flows, and a process in it.
	ns := netnstest.New(t)
	if err := sourcetest.Fill(sourcetest.Dial(t, ns.Path), 0, 123, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	sleeper := ns.Command("sleep", "300")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait() })
	fi, err := os.Stat(ns.Path)
	if err != nil {
		t.Fatal(err)
	}
	series := fmt.Sprintf(`cttop_netns_entries{inode="%d",kind="netns",netns="%s"}`, fi.Sys().(*syscall.Stat_t).Ino, ns.Name)
	want, _ := strconv.ParseFloat(strings.TrimSpace(ns.Run(t, "conntrack", "-C")), 64)

	run := func(r restricted) (map[string]float64, *syncBuffer, *exec.Cmd) {
		args := append([]string(nil), execStart[1:]...)
		for i := range args {
			if args[i] == "--metrics" && i+1 < len(args) {
				args[i+1] = r.metricsAt // the unit's port may be taken here
			}
		}
		cmd, stderr := startRestricted(t, bin, args, r)
		url := "http://" + r.metricsAt + "/metrics"
		deadline := time.Now().Add(20 * time.Second)
		for {
			m, err := scrape(url)
			if err == nil && m["cttop_netns_namespaces"] > 0 {
				if _, ok := m[series]; ok || r.hidepid == "invisible" {
					return m, stderr, cmd
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no metrics at %s (%v); stderr:\n%s", url, err, stderr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// The unit as shipped.
	m, stderr, cmd := run(restricted{caps: caps, hidepid: strings.Join(set["ProtectProc"], ""), metricsAt: freePort(t)})
	if m[series] != want || want != 123 {
		t.Errorf("%s = %v, conntrack -C says %v (stderr %s)", series, m[series], want, stderr)
	}
	if _, ok := m[`cttop_kernel_log_lines_total{kind="table full"}`]; !ok {
		t.Errorf("no kernel log counts under the unit's restrictions; stderr:\n%s", stderr)
	}
	if _, ok := m["cttop_conntrack_entries"]; !ok {
		t.Error("no table metrics")
	}
	if uid := processUID(t, cmd.Process.Pid); uid != 61234 {
		t.Errorf("cttop runs as uid %d, want the dynamic user's 61234", uid)
	}

	// The hardening this unit relaxes: neither namespaces nor the log.
	m, stderr, _ = run(restricted{caps: []string{"net_admin"}, hidepid: "invisible", noKmsg: true, metricsAt: freePort(t)})
	if _, ok := m[series]; ok {
		t.Errorf("the namespace was found under ProtectProc=invisible without CAP_SYS_PTRACE")
	}
	for k := range m {
		if strings.HasPrefix(k, "cttop_kernel_log_lines_total") {
			t.Errorf("kernel log series %s without access to the log: unknown is not zero", k)
		}
	}
	if _, ok := m["cttop_conntrack_entries"]; !ok {
		t.Error("no table metrics under the strict hardening")
	}
	if n := strings.Count(stderr.String(), "cannot read the kernel log"); n != 1 {
		t.Errorf("said %d times that the kernel log cannot be read:\n%s", n, stderr)
	}
}

// processUID is the real user ID of process pid (unshare, sh and setpriv
// exec into each other: cttop keeps unshare's PID).
func processUID(t *testing.T, pid int) int {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			uid, _ := strconv.Atoi(f[1])
			return uid
		}
	}
	return -1
}
