// Package netnstest gives kernel tests a network namespace of their own.
//
// Kernel tests need root. They skip when not root, unless the environment
// sets CTTOP_KERNEL_TESTS=1 (as .ci/run does): then a missing privilege is
// a failure, so CI can never pass by skipping them.
//
// Global state is serialised across every test process of the machine:
// Require takes a shared lock on LockPath for the rest of the test, and
// SetConntrackMax (any change to a global sysctl) turns it into an
// exclusive one. So `go test ./...` as root, which runs the packages'
// test binaries in parallel, never lowers nf_conntrack_max under another
// package's kernel test.
package netnstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// EnvForce is the environment variable that turns skips into failures.
const EnvForce = "CTTOP_KERNEL_TESTS"

// Require skips t unless it runs as root with the tools kernel tests use;
// with CTTOP_KERNEL_TESTS=1 it fails instead of skipping.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, tool := range append([]string{"ip", "nft"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		msg := "kernel test needs " + strings.Join(missing, ", ")
		if os.Getenv(EnvForce) == "1" {
			t.Fatalf("%s (%s=1 forbids skipping)", msg, EnvForce)
		}
		t.Skip(msg)
	}
	lockShared(t)
}

// NS is a network namespace made for one test.
type NS struct {
	Name string
	Path string // /run/netns/NAME
}

// New creates a namespace with loopback up and conntrack active (an nft rule
// that uses ct state), and removes it when the test ends.
func New(t testing.TB) *NS {
	t.Helper()
	ns := NewBare(t)
	ns.NFT(t, `table inet cttoptest {
	chain pre { type filter hook prerouting priority 0; ct state invalid counter; }
	chain out { type filter hook output priority 0; ct state invalid counter; }
}`)
	return ns
}

// NewBare creates a namespace with loopback up and no ruleset, so the
// kernel tracks no connections in it (conntrack hooks register only when a
// rule needs them): a traffic generator that must not fill its own table.
func NewBare(t testing.TB) *NS {
	t.Helper()
	Require(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	ns := &NS{Name: "cttop-test-" + hex.EncodeToString(b[:])}
	ns.Path = "/run/netns/" + ns.Name
	run(t, "ip", "netns", "add", ns.Name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns.Name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns.Name, err, out)
		}
	})
	ns.Run(t, "ip", "link", "set", "lo", "up")
	return ns
}

// Run runs a command inside the namespace and returns its output; it fails
// the test if the command fails.
func (ns *NS) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	return run(t, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
}

// Command returns an unstarted command that runs inside the namespace.
func (ns *NS) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
}

// NFT loads an nft ruleset text into the namespace.
func (ns *NS) NFT(t testing.TB, ruleset string) {
	t.Helper()
	cmd := ns.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft -f in %s: %v: %s", ns.Name, err, out)
	}
}

// Sysctl sets a namespaced sysctl (such as net.netfilter.nf_conntrack_acct).
func (ns *NS) Sysctl(t testing.TB, key, value string) {
	t.Helper()
	ns.Run(t, "sysctl", "-q", "-w", key+"="+value)
}

// Open opens the namespace's file, for netlink.Config.NetNS and friends.
func (ns *NS) Open(t testing.TB) *os.File {
	t.Helper()
	f, err := os.Open(ns.Path)
	if err != nil {
		t.Fatalf("open netns: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Veth joins two namespaces with a veth pair, giving address addrA (CIDR,
// such as 10.99.0.1/24) to a's end and the addresses addrsB to b's end.
func Veth(t testing.TB, a *NS, addrA string, b *NS, addrsB ...string) {
	t.Helper()
	pair := a.Name[len(a.Name)-4:] + b.Name[len(b.Name)-4:]
	ea, eb := "va"+pair, "vb"+pair
	run(t, "ip", "link", "add", ea, "netns", a.Name, "type", "veth", "peer", "name", eb, "netns", b.Name)
	a.Run(t, "ip", "addr", "add", addrA, "dev", ea)
	a.Run(t, "ip", "link", "set", ea, "up")
	for _, addr := range addrsB {
		b.Run(t, "ip", "addr", "add", addr, "dev", eb)
	}
	b.Run(t, "ip", "link", "set", eb, "up")
	waitLinkUp(t, a, ea)
	waitLinkUp(t, b, eb)
}

// waitLinkUp waits until dev in ns has its carrier and a queueing
// discipline: until the kernel's link watch activates a new device (up to
// a second, longer on a loaded machine) it has the noop qdisc, which drops
// every packet, and the first connections of a test would fail.
func waitLinkUp(t testing.TB, ns *NS, dev string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := ns.Run(t, "ip", "-o", "link", "show", "dev", dev)
		if strings.Contains(out, "LOWER_UP") && !strings.Contains(out, "qdisc noop") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s in %s not up after 10s: %s", dev, ns.Name, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// SetConntrackMax sets the global net.netfilter.nf_conntrack_max (it can
// only be written from the initial namespace) and restores the old value
// when the test ends, whatever happens. See SetGlobalSysctl.
func SetConntrackMax(t testing.TB, max int) {
	t.Helper()
	SetGlobalSysctl(t, "net/netfilter/nf_conntrack_max", fmt.Sprint(max))
}

// SetGlobalSysctl writes value to /proc/sys/KEY (a key such as
// net/netfilter/nf_conntrack_max, written from the initial namespace) and
// restores the old value when the test ends. It holds the machine-wide
// lock exclusively until then: no other kernel test, in this process or
// another, runs while the value is changed.
//
// The old value is also written to a journal under /run before the change,
// so that when the process dies without running cleanups (SIGKILL, a
// crash) the next kernel test to take the lock restores it.
func SetGlobalSysctl(t testing.TB, key, value string) {
	t.Helper()
	Require(t)
	lockExclusive(t)
	path := sysctlRoot + key
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	entry, err := journal(path, old)
	if err != nil {
		t.Fatalf("journal %s: %v", key, err)
	}
	restore := func() error {
		if err := os.WriteFile(path, old, 0o644); err != nil {
			return err
		}
		return os.Remove(entry)
	}
	// An interrupt (ctrl-c, a CI timeout's SIGTERM) skips cleanups:
	// restore on the way out then too.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	stop := make(chan struct{})
	go func() {
		select {
		case s := <-sig:
			restore()
			fmt.Fprintf(os.Stderr, "netnstest: %v: restored %s=%s", s, key, old)
			os.Exit(1)
		case <-stop:
		}
	}()
	t.Cleanup(func() {
		signal.Stop(sig)
		close(stop)
		if err := restore(); err != nil {
			t.Errorf("restore %s: %v", key, err)
		}
	})
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		t.Fatalf("set %s: %v", key, err)
	}
}

// Do runs fn on an OS thread inside the namespace and waits for it.
// Sockets fn creates belong to the namespace for their whole life, so a
// listener or a connection made in fn may be used from any goroutine.
// Call it from the test's goroutine; other goroutines use Enter.
func (ns *NS) Do(t testing.TB, fn func()) {
	t.Helper()
	if err := ns.Enter(fn); err != nil {
		t.Fatalf("in netns %s: %v", ns.Name, err)
	}
}

// Enter is Do for any goroutine: it returns the error instead of failing
// a test (the namespace may be gone when a background worker gets here).
func (ns *NS) Enter(fn func()) error {
	target, err := os.Open(ns.Path)
	if err != nil {
		return fmt.Errorf("open netns: %w", err)
	}
	defer target.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is never unlocked: it dies with this goroutine
		// instead of going back to the pool in the wrong namespace.
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			errc <- err
			return
		}
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		fn()
		errc <- nil
	}()
	return <-errc
}
