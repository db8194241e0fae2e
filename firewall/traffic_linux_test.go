package firewall

import (
	"errors"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cttop/cttop/action"
	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
)

// Kernel tests that send traffic: each makes its own namespaces
// (netnstest), and sends traffic only between them.

// Kernel tests: each makes its own namespaces (netnstest), and sends traffic
// only between them.

// openFW opens a Firewall on ns and closes it when the test ends.
func openFW(t *testing.T, ns *netnstest.NS) *Firewall {
	t.Helper()
	fw, err := Open(int(ns.Open(t).Fd()))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { fw.Close() })
	return fw
}

// inNS runs fn on an OS thread that has joined ns. The thread is thrown
// away afterwards (the goroutine exits locked), so no other goroutine ever
// runs in ns by accident. Sockets made by fn stay in ns.
func inNS(t *testing.T, ns *netnstest.NS, fn func() error) error {
	t.Helper()
	f := ns.Open(t)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// serve listens on addr inside ns and accepts connections until the test
// ends, closing each at once.
func serve(t *testing.T, ns *netnstest.NS, addr string) {
	t.Helper()
	var ln net.Listener
	if err := inNS(t, ns, func() (err error) { ln, err = net.Listen("tcp", addr); return err }); err != nil {
		t.Fatalf("listen in %s: %v", ns.Name, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

// dial connects from the local address from, inside ns, to addr, with a
// short timeout. It returns the local port used.
func dial(t *testing.T, ns *netnstest.NS, from, addr string) (int, error) {
	t.Helper()
	port := 0
	err := inNS(t, ns, func() error {
		d := net.Dialer{Timeout: 700 * time.Millisecond, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			return err
		}
		port = c.LocalAddr().(*net.TCPAddr).Port
		return c.Close()
	})
	return port, err
}

// pair makes a server namespace (10.99.0.1) and a client namespace with
// two addresses (10.99.0.2, 10.99.0.3) joined by a veth pair, and a TCP
// server on 10.99.0.1:8080.
func pair(t *testing.T) (server, client *netnstest.NS) {
	t.Helper()
	netnstest.Require(t, "conntrack")
	server, client = netnstest.New(t), netnstest.New(t)
	netnstest.Veth(t, server, "10.99.0.1/24", client, "10.99.0.2/24", "10.99.0.3/24")
	serve(t, server, "10.99.0.1:8080")
	// A new veth drops packets until the kernel's link watch activates it
	// (up to a second): wait until both addresses connect.
	for _, from := range []string{"10.99.0.2", "10.99.0.3"} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := dial(t, client, from, serverAddr)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("veth not ready: %v", err)
			}
		}
	}
	return server, client
}

const serverAddr = "10.99.0.1:8080"

func mustConnect(t *testing.T, client *netnstest.NS, from string) int {
	t.Helper()
	port, err := dial(t, client, from, serverAddr)
	if err != nil {
		t.Fatalf("connect from %s: %v", from, err)
	}
	return port
}

func mustNotConnect(t *testing.T, client *netnstest.NS, from string) {
	t.Helper()
	if _, err := dial(t, client, from, serverAddr); err == nil {
		t.Fatalf("connect from %s succeeded, want it blocked", from)
	}
}

// tracked reports whether the server's conntrack table has an entry for
// the client's TCP port, in either direction.
func tracked(t *testing.T, server *netnstest.NS, port int) bool {
	t.Helper()
	out := server.Run(t, "conntrack", "-L", "-p", "tcp")
	return strings.Contains(out, "port="+strconv.Itoa(port)+" ")
}

// TestKernelDrop blocks one of two client addresses: its new connections
// fail and take no conntrack entry, the other address still connects, List
// shows the entry with about an hour left, and Remove restores access.
func TestKernelDrop(t *testing.T) {
	server, client := pair(t)
	fw := openFW(t, server)
	mustConnect(t, client, "10.99.0.2")
	mustConnect(t, client, "10.99.0.3")

	if err := fw.Apply(Plan{Targets: []action.Target{action.Host(action.Drop, netip.MustParseAddr("10.99.0.2"))}, Duration: time.Hour}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	server.Run(t, "conntrack", "-F")
	mustNotConnect(t, client, "10.99.0.2")
	if out := server.Run(t, "conntrack", "-L", "-s", "10.99.0.2"); strings.Contains(out, "10.99.0.2") {
		t.Errorf("blocked source has conntrack entries:\n%s", out)
	}
	mustConnect(t, client, "10.99.0.3")

	entries, err := fw.List()
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(entries) != 1 || entries[0].Target != action.Host(action.Drop, netip.MustParseAddr("10.99.0.2")) ||
		entries[0].Timeout != time.Hour || entries[0].Expires > time.Hour || entries[0].Expires < time.Hour-time.Minute {
		t.Fatalf("List = %+v, want drop 10.99.0.2 with about 1h left", entries)
	}

	if err := fw.Remove(entries[0].Target); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	mustConnect(t, client, "10.99.0.2")
	if err := fw.Remove(entries[0].Target); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Remove = %v, want ErrNotFound", err)
	}
}

// TestKernelNoTrackSource checks that flows from an untracked source leave
// no conntrack entry, and shows why the accept for untracked packets is
// needed: a ruleset that accepts only established (and new tracked)
// traffic cuts the untracked source off until it accepts untracked too.
func TestKernelNoTrackSource(t *testing.T) {
	server, client := pair(t)
	fw := openFW(t, server)
	if port := mustConnect(t, client, "10.99.0.3"); !tracked(t, server, port) {
		t.Fatal("flow from 10.99.0.3 not tracked before NOTRACK")
	}
	if err := fw.Apply(Plan{Targets: []action.Target{host(action.NoTrack, "10.99.0.3")}, Duration: time.Hour}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if port := mustConnect(t, client, "10.99.0.3"); tracked(t, server, port) {
		t.Error("flow from untracked 10.99.0.3 is in the conntrack table")
	}
	if port := mustConnect(t, client, "10.99.0.2"); !tracked(t, server, port) {
		t.Error("flow from 10.99.0.2 not tracked")
	}

	// The user's own ruleset: established traffic and new connections to
	// the service. Untracked packets are neither.
	server.NFT(t, `table inet usr {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		tcp dport 8080 ct state new accept
	}
}`)
	mustConnect(t, client, "10.99.0.2")
	mustNotConnect(t, client, "10.99.0.3")
	server.Run(t, "nft", "insert", "rule", "inet", "usr", "input", "ct", "state", "untracked", "accept")
	mustConnect(t, client, "10.99.0.3")
}

// TestKernelNoTrackService checks that connections to an untracked local
// service leave no conntrack entry in either direction (the output chain
// untracks the replies), and are tracked again after Remove.
func TestKernelNoTrackService(t *testing.T) {
	server, client := pair(t)
	fw := openFW(t, server)
	svc := action.Service(model.ProtoTCP, 8080)
	if err := fw.Apply(Plan{Targets: []action.Target{svc}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	for _, from := range []string{"10.99.0.2", "10.99.0.3"} {
		if port := mustConnect(t, client, from); tracked(t, server, port) {
			t.Errorf("flow from %s to the untracked service is in the conntrack table", from)
		}
	}
	if got, err := fw.List(); err != nil || len(got) != 1 || got[0].Target != svc || got[0].Timeout != 0 {
		t.Fatalf("List = %+v, %v; want %s without timeout", got, err, svc)
	}
	if err := fw.Remove(svc); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if port := mustConnect(t, client, "10.99.0.2"); !tracked(t, server, port) {
		t.Error("flow not tracked after Remove")
	}
}
