package app

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/source/sourcetest"
)

// TestHeadlessNamespacesKernel: with --metrics-netns, the metrics hold
// each namespace's entries as conntrack -C counts them there, for the
// fullest namespaces only, and the kernel log's counts.
func TestHeadlessNamespacesKernel(t *testing.T) {
	netnstest.Require(t, "conntrack")
	full, some := netnstest.New(t), netnstest.New(t)
	if err := sourcetest.Fill(sourcetest.Dial(t, full.Path), 0, 400, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	if err := sourcetest.Fill(sourcetest.Dial(t, some.Path), 0, 7, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	series := func(ns *netnstest.NS) string {
		fi, err := os.Stat(ns.Path)
		if err != nil {
			t.Fatal(err)
		}
		ino := strconv.FormatUint(fi.Sys().(*syscall.Stat_t).Ino, 10)
		return `cttop_netns_entries{inode="` + ino + `",kind="netns",netns="` + ns.Name + `"}`
	}
	count := func(ns *netnstest.NS) float64 {
		n, err := strconv.Atoi(strings.TrimSpace(ns.Run(t, "conntrack", "-C")))
		if err != nil {
			t.Fatal(err)
		}
		return float64(n)
	}
	url, stop := startHeadless(t, Config{NetNS: full.Name, Interval: 50 * time.Millisecond, TopN: 1, MetricsNetNS: 1000})
	m := waitFor(t, url, func(m map[string]float64) bool {
		return m[series(full)] == count(full) && m[series(some)] == count(some)
	})
	if m[series(full)] != 400 || m[`cttop_kernel_log_lines_total{kind="table full"}`] < 0 {
		t.Errorf("full: %v", m[series(full)])
	}
	if _, ok := m[`cttop_kernel_log_lines_total{kind="table full"}`]; !ok {
		t.Error("no kernel log counts (cttop runs as root: it may read /dev/kmsg)")
	}
	if m["cttop_netns_namespaces"] < 3 {
		t.Errorf("%v namespaces", m["cttop_netns_namespaces"])
	}
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}

	// --metrics-netns 1: only the fullest namespace has series.
	url, stop = startHeadless(t, Config{NetNS: full.Name, Interval: 50 * time.Millisecond, TopN: 1, MetricsNetNS: 1})
	m = waitFor(t, url, func(m map[string]float64) bool { return m["cttop_netns_others"] > 0 })
	n := 0
	for k := range m {
		if strings.HasPrefix(k, "cttop_netns_entries{") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d namespace series with --metrics-netns 1", n)
	}
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}
