package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestNewHostSnapshotBounded(t *testing.T) {
	var all []NamespaceSample
	for i := 0; i < 50; i++ {
		all = append(all, NamespaceSample{Name: "c" + string(rune('a'+i%26)), Kind: "container", Inode: uint64(4026532000 + i), Known: true, Entries: uint64(i)})
	}
	h := NewHostSnapshot(all, 3)
	if len(h.Namespaces) != 3 || h.Namespaces[0].Entries != 49 || h.Namespaces[2].Entries != 47 {
		t.Fatalf("kept %+v", h.Namespaces)
	}
	if h.Total != 50 || h.Others != 47 || h.OtherEntries != 46*47/2 {
		t.Errorf("total %d others %d other entries %d", h.Total, h.Others, h.OtherEntries)
	}
	if all[0].Entries != 0 {
		t.Error("the caller's slice was sorted")
	}
	if h := NewHostSnapshot(all, -1); len(h.Namespaces) != 0 || h.Others != 50 {
		t.Errorf("negative limit: %+v", h)
	}
}

func TestCollectHost(t *testing.T) {
	e := NewExporter("test", "")
	if n := testutil.CollectAndCount(&e.host); n != 0 {
		t.Errorf("%d host metrics before PublishHost", n)
	}
	h := NewHostSnapshot([]NamespaceSample{
		{Name: "web", Kind: "netns", Inode: 4026532300, Known: true, Entries: 1500, Drop: 48, EarlyDrop: 2, InsertFailed: 1},
		{Name: `odd"name`, Kind: "pod", Inode: 4026532400, Known: true, Entries: 7},
		{Name: "hidden", Kind: "process", Inode: 4026532500, Entries: 5}, // unknown: no series
		{Name: "small", Kind: "process", Inode: 4026532600, Known: true, Entries: 1},
		{Name: "cut", Kind: "process", Inode: 4026532700, Known: true}, // beyond the limit
	}, 4)
	h.KernelLog = []LogCount{{Kind: "table full", Lines: 12, Suppressed: 340}}
	e.PublishHost(h)
	want := `
# HELP cttop_netns_entries Entries in a network namespace's conntrack table (its stat/nf_conntrack); every namespace counts against the one nf_conntrack_max. Only the --metrics-netns fullest namespaces.
# TYPE cttop_netns_entries gauge
cttop_netns_entries{inode="4026532300",kind="netns",netns="web"} 1500
cttop_netns_entries{inode="4026532400",kind="pod",netns="odd\"name"} 7
cttop_netns_entries{inode="4026532600",kind="process",netns="small"} 1
# HELP cttop_netns_drops_total Packets a namespace's table dropped (drop, summed over CPUs).
# TYPE cttop_netns_drops_total counter
cttop_netns_drops_total{inode="4026532300",kind="netns",netns="web"} 48
cttop_netns_drops_total{inode="4026532400",kind="pod",netns="odd\"name"} 0
cttop_netns_drops_total{inode="4026532600",kind="process",netns="small"} 0
# HELP cttop_netns_namespaces Network namespaces cttop discovered.
# TYPE cttop_netns_namespaces gauge
cttop_netns_namespaces 5
# HELP cttop_netns_others Namespaces left out of the per-namespace series (beyond --metrics-netns).
# TYPE cttop_netns_others gauge
cttop_netns_others 1
# HELP cttop_kernel_log_lines_total Kernel log lines about the table cttop read since it started, by kind (table full, SYN flood, ...).
# TYPE cttop_kernel_log_lines_total counter
cttop_kernel_log_lines_total{kind="table full"} 12
# HELP cttop_kernel_log_suppressed_total Messages net_ratelimit suppressed next to the kernel log lines of a kind.
# TYPE cttop_kernel_log_suppressed_total counter
cttop_kernel_log_suppressed_total{kind="table full"} 340
`
	if err := testutil.CollectAndCompare(&e.host, strings.NewReader(want),
		"cttop_netns_entries", "cttop_netns_drops_total", "cttop_netns_namespaces", "cttop_netns_others",
		"cttop_kernel_log_lines_total", "cttop_kernel_log_suppressed_total"); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.CollectAndLint(&e.host); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %+v", err, problems)
	}
	// The handler serves them beside the table's metrics.
	if n := testutil.CollectAndCount(&e.host, "cttop_netns_other_entries"); n != 1 {
		t.Errorf("other entries: %d", n)
	}
}
