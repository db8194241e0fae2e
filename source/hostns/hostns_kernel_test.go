package hostns_test

import (
	"encoding/binary"
	"net"
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

// conntrackS sums conntrack -S's per-CPU counters by name.
func conntrackS(t *testing.T, ns *netnstest.NS) map[string]uint64 {
	t.Helper()
	sums := map[string]uint64{}
	for _, f := range strings.Fields(ns.Run(t, "conntrack", "-S")) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "cpu" {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("conntrack -S: %q", f)
		}
		sums[k] += n
	}
	return sums
}

// TestKernelNetFiles: files opened inside a namespace keep reading that
// namespace's table from the host, and agree with conntrack -S there.
func TestKernelNetFiles(t *testing.T) {
	netnstest.Require(t, "conntrack")
	ns := netnstest.New(t)
	if err := sourcetest.Fill(sourcetest.Dial(t, ns.Path), 0, 42, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	// Traffic on the namespace's loopback: three UDP flows, and TCP
	// segments with SYN, FIN and RST set at once, which conntrack counts
	// as invalid.
	ns.Do(t, func() {
		for i := 0; i < 3; i++ {
			c, err := net.Dial("udp", "127.0.0.1:9")
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte("x"))
			c.Close()
		}
		sendBadTCP(t, 4)
	})
	f, err := hostns.OpenNetFiles(int(ns.Open(t).Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, total, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	want := conntrackS(t, ns)
	if st.Entries != conntrackCount(t, ns) || st.Entries != 45 {
		t.Errorf("entries %d, want 45 = conntrack -C", st.Entries)
	}
	for name, got := range map[string]uint64{
		"found": total.Found, "invalid": total.Invalid, "drop": total.Drop, "early_drop": total.EarlyDrop,
		"insert_failed": total.InsertFailed, "clash_resolve": total.ClashResolve, "chaintoolong": total.ChainTooLong,
		"search_restart": total.SearchRestart,
	} {
		if got != want[name] {
			t.Errorf("%s %d, conntrack -S says %d", name, got, want[name])
		}
	}
	if total.Invalid < 4 {
		t.Errorf("invalid %d: the bad segments did not reach conntrack", total.Invalid)
	}
	if n, err := f.ExpectCount(); err != nil || n != 0 {
		t.Errorf("expectations %d, %v", n, err)
	}
	// The host's own files are another table.
	own, err := hostns.OpenNetFiles(0)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if hs, _, err := own.Stat(); err != nil || len(hs.PerCPU) != len(st.PerCPU) {
		t.Errorf("own namespace: %+v %v", hs, err)
	}
}

// sendBadTCP sends n TCP segments with SYN, FIN and RST set to
// 127.0.0.1:9 through a raw socket of the current thread's namespace.
func sendBadTCP(t *testing.T, n int) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_TCP)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	lo := [4]byte{127, 0, 0, 1}
	for i := 0; i < n; i++ {
		seg := make([]byte, 20)
		binary.BigEndian.PutUint16(seg[0:], uint16(40000+i)) // sport
		binary.BigEndian.PutUint16(seg[2:], 9)               // dport
		binary.BigEndian.PutUint32(seg[4:], 1)               // seq
		seg[12] = 5 << 4                                     // data offset
		seg[13] = 0x07                                       // FIN SYN RST
		binary.BigEndian.PutUint16(seg[14:], 1024)           // window
		pseudo := append(append(append([]byte{}, lo[:]...), lo[:]...), 0, syscall.IPPROTO_TCP, 0, 20)
		binary.BigEndian.PutUint16(seg[16:], checksum(append(pseudo, seg...)))
		if err := syscall.Sendto(fd, seg, 0, &syscall.SockaddrInet4{Addr: lo}); err != nil {
			t.Fatal(err)
		}
	}
}

func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// TestKernelSince: a namespace ip netns made is known from when it was
// made (its bind mount's inode), not before, so that a kernel log line
// older than it, of a namespace gone that had its inode, is not named
// after it; later samples keep that time.
func TestKernelSince(t *testing.T) {
	netnstest.Require(t)
	// The kernel stamps inodes by its coarse clock, up to a tick behind.
	before := time.Now().Add(-20 * time.Millisecond)
	ns := netnstest.New(t)
	after := time.Now()
	ino := nsInode(t, ns.Path)
	time.Sleep(1100 * time.Millisecond) // a sample well after it was made
	s := &hostns.Sampler{D: &hostns.Discoverer{}}
	for i := 0; i < 2; i++ {
		snap, err := s.Sample(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r, ok := snap.Find(ino)
		if !ok {
			t.Fatalf("namespace %s not found", ns.Name)
		}
		if r.Since.Before(before) || r.Since.After(after) {
			t.Errorf("sample %d: %s made between %v and %v; known since %v", i, ns.Name, before, after, r.Since)
		}
	}
}
