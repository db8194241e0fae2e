package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/cttop/cttop/model"
)

func hostSnap(rows ...model.NamespaceRow) model.HostSnapshot {
	return model.HostSnapshot{Rows: rows, Max: 262144, Buckets: 262144, EntryBytes: 384, BucketBytes: 8}
}

func nsRow(ino uint64, name string, entries uint64) model.NamespaceRow {
	return model.NamespaceRow{Inode: ino, Name: name, Kind: "netns", Known: true, Entries: entries, RatesValid: true}
}

func TestNSViewCursorFollowsInode(t *testing.T) {
	var v nsView
	v.setSnapshot(hostSnap(nsRow(1, "a", 30), nsRow(2, "b", 20), nsRow(3, "c", 10), nsRow(4, "idle", 0)))
	if len(v.rows) != 3 || v.idle != 1 {
		t.Fatalf("rows %d idle %d", len(v.rows), v.idle)
	}
	v.key("down", 10) // on b
	// b becomes the fullest: the cursor goes with it.
	v.setSnapshot(hostSnap(nsRow(1, "a", 30), nsRow(2, "b", 50), nsRow(3, "c", 10)))
	if v.cursor() != 0 || v.rows[v.cursor()].Name != "b" {
		t.Errorf("cursor on %q at %d", v.rows[v.cursor()].Name, v.cursor())
	}
	v.key("down", 10) // on a, position 1
	// a vanishes (its container stopped): the cursor takes the row now at
	// its place, without an error.
	v.setSnapshot(hostSnap(nsRow(2, "b", 50), nsRow(3, "c", 10)))
	if got := v.rows[v.cursor()].Name; got != "c" {
		t.Errorf("after a vanished: cursor on %q", got)
	}
	in, ok := v.key("enter", 10)
	if !ok || !in.open || in.inode != 3 || in.name != "c" {
		t.Errorf("enter: %+v", in)
	}
	v.setSnapshot(hostSnap())
	if in, _ := v.key("enter", 10); in.open {
		t.Error("enter on an empty view opened something")
	}
	if _, ok := v.key("x", 10); ok {
		t.Error("an unknown key was taken")
	}
}

func TestNSViewSortAndAll(t *testing.T) {
	var v nsView
	drop := nsRow(2, "dropping", 10)
	drop.DropRate = 5
	v.setSnapshot(hostSnap(nsRow(1, "full", 100), drop, nsRow(3, "idle", 0)))
	if v.rows[0].Name != "full" {
		t.Fatalf("by entries: %q first", v.rows[0].Name)
	}
	v.key("s", 10)
	if v.by != model.SortByDrops || v.rows[0].Name != "dropping" {
		t.Errorf("by drops: %q first", v.rows[0].Name)
	}
	v.key("a", 10)
	if len(v.rows) != 3 || v.idle != 0 {
		t.Errorf("all: %d rows", len(v.rows))
	}
}

func TestNSViewRender(t *testing.T) {
	s := NewStyles(true)
	bad := model.NamespaceRow{Inode: 9, Name: "evil\x1b[2Jname", Kind: "container", Error: "gone"}
	var v nsView
	v.watched = 1
	v.setSnapshot(hostSnap(nsRow(1, "web1", 1500), nsRow(2, "kube-system/coredns-5d78c9869d-x2x7q", 20), bad))
	for _, w := range []int{80, 160, 40} {
		lines := v.render(w, 10, &s)
		if len(lines) != 5 {
			t.Fatalf("%d: %d lines", w, len(lines))
		}
		for i, l := range lines {
			if lw := lipgloss.Width(l); lw > w {
				t.Errorf("width %d, line %d is %d cells: %q", w, i, lw, l)
			}
			if strings.Contains(l, "\x1b[2J") {
				t.Errorf("an escape from a name reached the screen: %q", l)
			}
		}
		plain := ansi.Strip(strings.Join(lines, "\n"))
		if !strings.Contains(plain, "* web1") || !strings.Contains(plain, "ENTRIES▼") {
			t.Errorf("%d:\n%s", w, plain)
		}
		if w >= 80 && (!strings.Contains(plain, "1,500") || !strings.Contains(plain, "0.6%") || !strings.Contains(plain, "INODE")) {
			t.Errorf("%d lacks columns:\n%s", w, plain)
		}
		if w == 160 && !strings.Contains(plain, "CHAINTOOLONG") {
			t.Errorf("160 lacks the wide columns:\n%s", plain)
		}
	}
	cols, nameW := nsLayout(80, 0, nsColumns)
	if nameW < nsNameMin || len(cols) < 5 {
		t.Errorf("80 columns: %d columns, name %d", len(cols), nameW)
	}
}

func TestSignedRate(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 0.01: "0", 12: "+12", -1234: "-1.2k", 3.5: "+3.5"} {
		if got := signedRate(in); got != want {
			t.Errorf("signedRate(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestNSWideCells: a count wider than its column's usual width widens the
// column (its heading moves with it) and is shown whole at 80 and 160.
func TestNSWideCells(t *testing.T) {
	s := NewStyles(true)
	var v nsView
	big := nsRow(1, "big", 12_345_678_901)
	v.setSnapshot(hostSnap(big, nsRow(2, "small", 20)))
	for _, w := range []int{80, 160} {
		lines := v.render(w, 10, &s)
		head := ansi.Strip(lines[1])
		end := len([]rune(head[:strings.Index(head, "ENTRIES")])) + len("ENTRIES") + 1 // and its sort mark
		var found bool
		for _, l := range lines {
			l = ansi.Strip(l)
			if lipgloss.Width(l) > w {
				t.Errorf("%d: line wider than the screen: %q", w, l)
			}
			if i := strings.Index(l, " 12,345,678,901 "); i >= 0 {
				found = true
				if got := len([]rune(l[:i])) + len(" 12,345,678,901"); got != end {
					t.Errorf("%d: the count ends at %d, ENTRIES at %d:\n%s\n%s", w, got, end, head, l)
				}
			}
		}
		if !found {
			t.Errorf("%d: 12,345,678,901 not whole:\n%s", w, ansi.Strip(strings.Join(lines, "\n")))
		}
	}
}
