package hostns_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/source/hostns"
	"github.com/cttop/cttop/source/sourcetest"
)

func nsInode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func conntrackCount(t *testing.T, ns *netnstest.NS) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(strings.TrimSpace(ns.Run(t, "conntrack", "-C")), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestKernelNamespaces: namespaces made with ip netns (a bind mount and no
// process, so their tables are read by entering them) and one made by
// unshare (a process and no mount, read from /proc/PID/net) are found,
// named, and counted as conntrack -C counts them; a deleted namespace
// leaves the next snapshot without an error.
func TestKernelNamespaces(t *testing.T) {
	netnstest.Require(t, "conntrack", "unshare")
	full, some, idle := netnstest.New(t), netnstest.New(t), netnstest.NewBare(t)
	if err := sourcetest.Fill(sourcetest.Dial(t, full.Path), 0, 300, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	if err := sourcetest.Fill(sourcetest.Dial(t, some.Path), 0, 5, "198.51.100.2", 443); err != nil {
		t.Fatal(err)
	}
	// A process in a namespace of its own, with no mount.
	sleeper := exec.Command("unshare", "--net", "sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait() })
	pid := sleeper.Process.Pid
	var sleeperIno uint64
	for deadline := time.Now().Add(5 * time.Second); ; {
		// unshare execs sleep once the namespace exists.
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		link, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/net")
		if strings.TrimSpace(string(comm)) == "sleep" && link != "" {
			sleeperIno = nsInode(t, "/proc/"+strconv.Itoa(pid)+"/ns/net")
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("unshare did not start sleep")
		}
		time.Sleep(10 * time.Millisecond)
	}

	s := &hostns.Sampler{D: &hostns.Discoverer{}}
	snap, err := s.Sample(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ns      *netnstest.NS
		entries uint64
	}{{full, 300}, {some, 5}, {idle, 0}} {
		r, ok := snap.Find(nsInode(t, tc.ns.Path))
		if !ok {
			t.Fatalf("%s not discovered", tc.ns.Name)
		}
		if r.Name != tc.ns.Name || r.Kind != hostns.KindNetns || r.PID != 0 {
			t.Errorf("%s: named %q (%v), pid %d", tc.ns.Name, r.Name, r.Kind, r.PID)
		}
		if r.Err != nil {
			t.Fatalf("%s: %v", tc.ns.Name, r.Err)
		}
		if want := conntrackCount(t, tc.ns); r.Stat.Entries != want || want != tc.entries {
			t.Errorf("%s: %d entries, conntrack -C says %d, made %d", tc.ns.Name, r.Stat.Entries, want, tc.entries)
		}
		if len(r.Stat.PerCPU) == 0 {
			t.Errorf("%s: no CPU lines", tc.ns.Name)
		}
	}
	r, ok := snap.Find(sleeperIno)
	if !ok || r.Name != "sleep["+strconv.Itoa(pid)+"]" || r.Kind != hostns.KindProcess || r.Err != nil || r.Stat.Entries != 0 {
		t.Errorf("unshared namespace: %+v", r)
	}
	host, ok := snap.Find(nsInode(t, "/proc/2/ns/net")) // kthreadd's: the initial namespace
	if !ok || host.Name != "host" || host.Kind != hostns.KindHost {
		t.Errorf("host: %+v", host)
	}

	// Resolve by inode (as the kernel log prints it) and by pid:N.
	d := &hostns.Discoverer{}
	if tg, err := d.Resolve(strconv.FormatUint(nsInode(t, full.Path), 10)); err != nil || tg.NS == nil || tg.NS.Name != full.Name {
		t.Errorf("resolve inode: %+v, %v", tg, err)
	}
	if tg, err := d.Resolve("pid:" + strconv.Itoa(pid)); err != nil || tg.NS == nil || tg.NS.Inode != sleeperIno {
		t.Errorf("resolve pid: %+v, %v", tg, err)
	}

	// A namespace deleted between two samples leaves without an error.
	gone := nsInode(t, some.Path)
	if out, err := exec.Command("ip", "netns", "del", some.Name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns del: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "add", some.Name).Run() }) // for netnstest's own cleanup
	snap, err = s.Sample(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snap.Find(gone); ok {
		t.Error("deleted namespace still listed")
	}
	if r, ok := snap.Find(nsInode(t, full.Path)); !ok || !r.Rates.Valid || r.Rates.Entries != 0 {
		t.Errorf("full on the second sample: %+v", r)
	}
}
