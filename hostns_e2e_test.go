package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/kmsg"
	"github.com/cttop/cttop/source/sourcetest"
)

// TestTmuxNamespaces is the whole-host proof with the real binary: 20
// namespaces, some with flows, one filled towards a lowered
// nf_conntrack_max through ctnetlink. The namespaces view ranks the filled
// one first with conntrack -C's counts; enter shows its flows; a namespace
// deleted while shown leaves the view, one made while shown appears;
// traffic that overflows the filled table puts the kernel's "table full in
// netns N" line, named, in the header within a second of the kernel
// writing it; --netns N opens it.
func TestTmuxNamespaces(t *testing.T) {
	const max = 3000
	netnstest.SetConntrackMax(t, max)
	netnstest.Require(t, "conntrack", "tmux")
	bin := binary(t)
	var all []*netnstest.NS
	full := netnstest.New(t)
	all = append(all, full)
	if err := sourcetest.Fill(sourcetest.Dial(t, full.Path), 0, max-20, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	active := []*netnstest.NS{full}
	for i := 0; i < 19; i++ {
		var ns *netnstest.NS
		if i < 5 {
			ns = netnstest.New(t)
			if err := sourcetest.Fill(sourcetest.Dial(t, ns.Path), 0, 10*(i+1), "198.51.100.2", 443); err != nil {
				t.Fatal(err)
			}
			active = append(active, ns)
		} else {
			ns = netnstest.NewBare(t)
		}
		all = append(all, ns)
	}
	count := func(ns *netnstest.NS) int {
		n, err := strconv.Atoi(strings.TrimSpace(ns.Run(t, "conntrack", "-C")))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	inode := func(ns *netnstest.NS) uint64 {
		fi, err := os.Stat(ns.Path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}

	tm := newTmux(t, 160, 50, bin+" --all")
	tm.waitFor("namespaces view", 10*time.Second, contains(full.Name))
	// Every active namespace is listed with the kernel's count; the
	// filled one is the first row (other tests' namespaces may exist, but
	// none holds more under this max).
	s := tm.waitFor("counts", 5*time.Second, func(s string) bool {
		for _, ns := range active {
			if !rowHas(s, ns.Name, format.Commas(uint64(count(ns)))) {
				return false
			}
		}
		return true
	})
	// The filled one ranks first of the test's, and above every other
	// namespace but those holding more (on a shared machine, others'
	// namespaces may, whatever the max).
	rows := nsRows(s)
	at := slices.IndexFunc(rows, func(r []string) bool { return r[0] == full.Name })
	if at < 0 {
		t.Fatalf("no row of %s:\n%s", full.Name, s)
	}
	for _, r := range rows[:at] {
		if slices.ContainsFunc(all, func(ns *netnstest.NS) bool { return ns.Name == r[0] }) || entries(r) < entries(rows[at]) {
			t.Errorf("%s (%s entries) ranks above %s (%s):\n%s", r[0], r[1], full.Name, rows[at][1], s)
		} else {
			t.Logf("%s, not the test's, holds more (%s entries) and ranks above it", r[0], r[1])
		}
	}
	for _, ns := range all[6:] {
		if strings.Contains(s, ns.Name) {
			t.Errorf("idle namespace %s listed without asking", ns.Name)
		}
	}

	// enter: the filled namespace's table, live.
	for range at {
		tm.keys("j")
	}
	tm.keys("Enter")
	tm.waitFor("its flows", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "netns "+full.Name) && strings.Contains(s, "198.51.100.1") && strings.Contains(s, format.Commas(uint64(count(full))))
	})
	tm.keys("Escape")
	tm.waitFor("back", 5*time.Second, contains("namespaces,"))

	// A namespace deleted while shown leaves the view, and cttop goes on.
	gone := active[1]
	if out, err := exec.Command("ip", "netns", "del", gone.Name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns del: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "add", gone.Name).Run() }) // for netnstest's cleanup
	tm.waitFor("deleted namespace gone", 5*time.Second, func(s string) bool { return !strings.Contains(s, gone.Name) && strings.Contains(s, full.Name) })
	// A namespace made while shown appears, with its count.
	born := netnstest.New(t)
	if err := sourcetest.Fill(sourcetest.Dial(t, born.Path), 0, 7, "198.51.100.3", 22); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("a new namespace", 5*time.Second, func(s string) bool { return rowHas(s, born.Name, "7") })

	// Overflow: the kernel's line, read by the test too for its time.
	r, err := kmsg.Open(kmsg.Path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logged := make(chan time.Time, 1)
	ino := inode(full)
	go r.Run(ctx, 0, func(l model.LogLine) {
		if l.Kind == model.LogTableFull && l.NetNS == ino {
			select {
			case logged <- time.Now():
			default:
			}
		}
	})
	want := fmt.Sprintf("table full in netns %d (%s)", ino, full.Name)
	var loggedAt time.Time
	deadline := time.Now().Add(20 * time.Second)
	for loggedAt.IsZero() {
		full.Do(t, func() {
			for range 40 {
				c, err := net.Dial("udp", "127.0.0.1:9")
				if err != nil {
					t.Fatal(err)
				}
				c.Write([]byte("x"))
				c.Close()
			}
		})
		select {
		case loggedAt = <-logged:
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the kernel logged no table full line")
		}
	}
	tm.waitFor("the kernel's line in the header", 1500*time.Millisecond, contains(want))
	if d := time.Since(loggedAt); d > 1500*time.Millisecond {
		t.Errorf("the header showed the line %v after the kernel wrote it", d)
	}

	// --netns N, the number in that line, opens the table.
	out, err := exec.Command(bin, "--netns", strconv.FormatUint(ino, 10), "--once", "--format", "json", "--limit", "1").Output()
	if err != nil {
		t.Fatalf("--netns %d: %v", ino, err)
	}
	var doc struct {
		Table struct{ Count int } `json:"table"`
	}
	if err := json.Unmarshal(out, &doc); err != nil || doc.Table.Count != count(full) {
		t.Errorf("--netns %d: count %d, conntrack -C %d (%v)", ino, doc.Table.Count, count(full), err)
	}
}

// rowHas reports whether a line of s holds both name and n.
func rowHas(s, name, n string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, " "+name+" ") && strings.Contains(l, " "+n+" ") {
			return true
		}
	}
	return false
}

// nsRows are the namespaces view's rows, split into fields (the name, the
// entries, ...), in order.
func nsRows(s string) [][]string {
	var rows [][]string
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if !strings.Contains(l, "NAMESPACE") {
			continue
		}
		for _, r := range lines[i+1:] {
			f := strings.Fields(r)
			if len(f) < 3 {
				break
			}
			rows = append(rows, f)
		}
		break
	}
	return rows
}

// entries is a namespaces row's count of entries, -1 if it has none.
func entries(row []string) int {
	n, err := strconv.Atoi(strings.ReplaceAll(row[1], ",", ""))
	if err != nil {
		return -1
	}
	return n
}
