package source

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cttop/cttop/internal/netnstest"
)

// TestReadTuningNamespace sets a timeout in a namespace of the test's own
// and reads it back there, while the host keeps its own value; outside the
// initial namespace the table's size is read-only.
func TestReadTuningNamespace(t *testing.T) {
	ns := netnstest.New(t)
	const key = "nf_conntrack_tcp_timeout_established"
	host, err := ReadTuning(0)
	if err != nil {
		t.Fatalf("ReadTuning(host): %v", err)
	}
	want := int64(12345)
	if host.Timeouts[key] == want {
		want++
	}
	ns.Sysctl(t, "net.netfilter."+key, strconv.FormatInt(want, 10))
	ns.Sysctl(t, "net.netfilter.nf_conntrack_acct", "1")
	// The TCP stack's SYN flood settings are the namespace's own too.
	ns.Sysctl(t, "net.ipv4.tcp_syncookies", "2")
	ns.Sysctl(t, "net.ipv4.tcp_max_syn_backlog", "333")
	f := ns.Open(t)
	s, err := ReadTuning(int(f.Fd()))
	if err != nil {
		t.Fatalf("ReadTuning(netns): %v", err)
	}
	if !s.Known || s.Timeouts[key] != want || s.Acct != 1 {
		t.Errorf("netns: %s=%d acct=%d (known %v), want %d and 1", key, s.Timeouts[key], s.Acct, s.Known, want)
	}
	if !s.TCP.Known || s.TCP.SynCookies != 2 || s.TCP.MaxSynBacklog != 333 {
		t.Errorf("netns: TCP settings %+v, want tcp_syncookies 2, tcp_max_syn_backlog 333", s.TCP)
	}
	if s.MaxWritable || s.BucketsWritable {
		t.Errorf("netns: max writable %v, buckets writable %v; the kernel makes both read-only outside the initial namespace",
			s.MaxWritable, s.BucketsWritable)
	}
	if s.Max <= 0 || s.Buckets <= 0 || s.Count != 0 {
		t.Errorf("netns: max %d buckets %d count %d", s.Max, s.Buckets, s.Count)
	}
	for _, name := range []string{"nf_conntrack_tcp_timeout_time_wait", "nf_conntrack_udp_timeout_stream", "nf_conntrack_icmp_timeout"} {
		if s.Timeouts[name] <= 0 {
			t.Errorf("netns: timeout %s = %d", name, s.Timeouts[name])
		}
	}
	again, err := ReadTuning(0)
	if err != nil {
		t.Fatal(err)
	}
	cookies, _ := os.ReadFile("/proc/sys/net/ipv4/tcp_syncookies")
	if v := strings.TrimSpace(string(cookies)); !again.TCP.Known || strconv.FormatInt(again.TCP.SynCookies, 10) != v {
		t.Errorf("host: tcp_syncookies %+v, the file says %s", again.TCP, v)
	}
	if again.Timeouts[key] != host.Timeouts[key] {
		t.Errorf("host's %s changed from %d to %d", key, host.Timeouts[key], again.Timeouts[key])
	}
	// The host's facts, checked against the files they come from.
	if !again.MaxWritable {
		t.Errorf("host: nf_conntrack_max not writable (root in the initial namespace)")
	}
	if again.MemTotal == 0 || again.MemTotal != s.MemTotal || again.WordBits != strconv.IntSize {
		t.Errorf("MemTotal %d (netns %d), word %d", again.MemTotal, s.MemTotal, again.WordBits)
	}
	rel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	if again.KernelRelease != strings.TrimSpace(string(rel)) || again.KernelRelease == "" {
		t.Errorf("KernelRelease %q", again.KernelRelease)
	}
	if os.Geteuid() == 0 && again.ConnBytes < 128 {
		t.Errorf("ConnBytes %d, want the nf_conntrack slab's object size", again.ConnBytes)
	}
	_, err = os.Stat("/sys/module/nf_conntrack/parameters/hashsize")
	if again.HashsizeParam != (err == nil) {
		t.Errorf("HashsizeParam %v, stat: %v", again.HashsizeParam, err)
	}
}

func TestProcParsers(t *testing.T) {
	dir := t.TempDir()
	mi := filepath.Join(dir, "meminfo")
	os.WriteFile(mi, []byte("MemTotal:       24683656 kB\nMemFree:        1 kB\n"), 0o600)
	if got := memTotal(mi); got != 24683656<<10 {
		t.Errorf("memTotal = %d", got)
	}
	if got := memTotal(filepath.Join(dir, "none")); got != 0 {
		t.Errorf("memTotal(missing) = %d", got)
	}
	si := filepath.Join(dir, "slabinfo")
	os.WriteFile(si, []byte("slabinfo - version: 2.1\n"+
		"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables\n"+
		"nf_conntrack_expect      0      0    208   19    1 : tunables    0    0    0\n"+
		"nf_conntrack         112    176    256   16    1 : tunables    0    0    0\n"), 0o600)
	if got := slabObjSize(si, "nf_conntrack"); got != 256 {
		t.Errorf("slabObjSize = %d", got)
	}
	if got := slabObjSize(si, "nope"); got != 0 {
		t.Errorf("slabObjSize(nope) = %d", got)
	}
}
