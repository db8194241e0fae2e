package ui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/model"
)

// hostT0 is the start of the host fixtures' clock.
var hostT0 = time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)

// hostFixture is 20 namespaces: one filling towards the limit and
// dropping, four with flows, fifteen idle.
func hostFixture(at time.Time) *model.HostSnapshot {
	h := &model.HostSnapshot{Time: at, Max: 262144, Buckets: 262144, EntryBytes: 384, BucketBytes: 8}
	add := func(ino uint64, name, kind string, entries uint64, dropRate float64, drops uint64) {
		h.Rows = append(h.Rows, model.NamespaceRow{Inode: ino, Name: name, Kind: kind, Known: true, Entries: entries,
			Drop: drops, RatesValid: true, DropRate: dropRate, EntriesRate: float64(entries) / 100, Procs: 1, PID: int(ino % 10000),
			Since: at.Add(-2 * time.Hour)})
	}
	add(4026531840, "host", "host", 1200, 0, 0)
	add(4026532177, "web1", "netns", 250000, 35, 4200)
	add(4026532300, "kube-system/coredns-5d78c9869d-x2x7q", "pod", 3100, 0, 0)
	add(4026532400, "payments-api", "container", 870, 0, 0)
	add(4026532500, "nginx[4242]", "process", 12, 0, 0)
	for i := 0; i < 15; i++ {
		h.Rows = append(h.Rows, model.NamespaceRow{Inode: 4026533000 + uint64(i), Name: fmt.Sprintf("cni-idle-%02d", i), Kind: "netns", Known: true, RatesValid: true})
	}
	return h
}

// hostLines are kernel log lines about the fixture's namespaces.
func hostLines(at time.Time) []model.LogLine {
	return []model.LogLine{
		{Kind: model.LogHash, Time: at.Add(-time.Hour), Buffered: true, Text: "nf_conntrack version 0.5.0 (262144 buckets, 262144 max)", Buckets: 262144, Max: 262144},
		{Kind: model.LogSYNFlood, Time: at.Add(-40 * time.Second), Port: 443, Text: "TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:443. Sending cookies."},
		{Kind: model.LogTableFull, Time: at.Add(-3 * time.Second), NetNS: 4026532177, Suppressed: 342,
			Text: "nf_conntrack: nf_conntrack: table full in netns 4026532177, dropping packet"},
	}
}

// hostModel is a program watching web1 (inode 4026532177) for 90 seconds
// while it fills at 500 entries a second, with the host fixture and the
// log lines delivered.
func hostModel(t *testing.T, w, h int) *Model { return hostModelASCII(t, w, h, false) }

// hostModelASCII is hostModel on a terminal that shows ASCII only, or not.
func hostModelASCII(t *testing.T, w, h int, ascii bool) *Model {
	t.Helper()
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error),
		Host: make(chan HostUpdate), Watching: 4026532177, ASCII: ascii})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	for i := 0; i <= 90; i++ {
		b := snapshotBatch(30)
		b.Time = hostT0.Add(time.Duration(i) * time.Second)
		b.Stats = model.TableStats{Valid: true, Count: uint64(205000 + 500*i), Max: 262144, Drop: uint64(40 * i), ExtraValid: true, ChainTooLong: 3}
		b.Info = model.SourceInfo{Kind: "kernel", Name: "web1", EventMode: model.EventsOn}
		m.Update(BatchMsg{b})
	}
	at := hostT0.Add(90 * time.Second)
	m.Update(hostMsg{HostUpdate{Host: hostFixture(at), Lines: hostLines(at)}, true})
	return m
}

func asciiScreen(t *testing.T, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := colorprofile.NewWriter(&buf, nil)
	w.Profile = colorprofile.ASCII
	if _, err := w.WriteString(m.View().Content); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHostScreens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		for _, c := range []struct {
			name string
			keys []string
		}{
			{"flows", nil},
			{"namespaces", []string{"N"}},
			{"namespaces_by_drops_all", []string{"N", "s", "a"}},
			{"log", []string{"L"}},
			{"history", []string{"H"}},
		} {
			name := fmt.Sprintf("%s_%dx%d", c.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := hostModel(t, size[0], size[1])
				press(m, c.keys...)
				screen := plain(m)
				lines := strings.Split(screen, "\n")
				if len(lines) != size[1] {
					t.Errorf("%d lines", len(lines))
				}
				for i, l := range lines {
					if w := cellWidth(l); w > size[0] {
						t.Errorf("line %d is %d cells", i, w)
					}
				}
				golden.RequireEqual(t, asciiScreen(t, m))
			})
		}
	}
}

// TestHostScreensSay checks what the screens must say, beyond the goldens.
func TestHostScreensSay(t *testing.T) {
	m := hostModel(t, 80, 24)
	flows := plain(m)
	for _, want := range []string{"table full in netns 4026532177 (web1)", "full in ~20s", "DROPPING"} {
		if !strings.Contains(flows, want) {
			t.Errorf("the header lacks %q:\n%s", want, flows)
		}
	}
	// Wider, the counters beside drops and the sparklines fit too.
	wide := plain(hostModel(t, 160, 50))
	for _, want := range []string{"chaintoolong 3", "clash_resolve 0", "entries ", "drops "} {
		if !strings.Contains(wide, want) {
			t.Errorf("160 columns lack %q:\n%s", want, wide)
		}
	}
	press(m, "N")
	ns := strings.Split(plain(m), "\n")
	if !strings.Contains(ns[m.headerHeight()+2], "web1") || !strings.Contains(ns[m.headerHeight()+2], "250,000") {
		t.Errorf("the fullest namespace is not first:\n%s", strings.Join(ns, "\n"))
	}
	if !strings.Contains(ns[m.headerHeight()], "20 namespaces, 15 idle") {
		t.Errorf("title %q", ns[m.headerHeight()])
	}
}

// TestNamespacesEnterAndBack: enter opens the selected namespace's table
// through Watch (a new table, the old source's messages dropped), esc
// returns to the namespaces view, and a namespace that vanishes leaves
// the view without an error.
func TestNamespacesEnterAndBack(t *testing.T) {
	var asked uint64
	newBatches := make(chan *model.Batch, 1)
	m := hostModel(t, 80, 24)
	m.cfg.Watch = func(ino uint64) (Watched, error) {
		asked = ino
		return Watched{Batches: newBatches, Done: make(chan error), Inode: ino}, nil
	}
	press(m, "N", "down") // the pod's row
	cmd := press(m, "enter")
	if cmd == nil {
		t.Fatal("enter did not ask to open the table")
	}
	msg := cmd()
	if asked != 4026532300 {
		t.Fatalf("opened inode %d", asked)
	}
	oldGen := m.host.gen
	_, next := m.Update(msg)
	if m.mode() != modeBrowse || m.table.Len() != 0 || m.host.watching != 4026532300 || next == nil {
		t.Fatalf("after the switch: mode %v, %d flows, watching %d", m.mode(), m.table.Len(), m.host.watching)
	}
	// A batch of the old source that was already on its way is dropped.
	m.Update(sourceMsg{oldGen, BatchMsg{snapshotBatch(7)}})
	m.Update(sourceMsg{oldGen, sourceDoneMsg{nil}})
	if m.table.Len() != 0 || m.Err() != nil {
		t.Errorf("the old source's messages reached the new table: %d flows, %v", m.table.Len(), m.Err())
	}
	newBatches <- snapshotBatch(5)
	m.Update(next())
	if m.table.Len() != 5 {
		t.Errorf("the new source's batch: %d flows", m.table.Len())
	}
	press(m, "esc")
	if m.mode() != modeNamespaces {
		t.Errorf("esc: mode %v, want the namespaces view", m.mode())
	}
	// The pod's namespace goes away: its row leaves, the cursor stays on
	// the row now in its place.
	h := hostFixture(hostT0.Add(91 * time.Second))
	h.Rows = append(h.Rows[:2], h.Rows[3:]...)
	m.Update(hostMsg{HostUpdate{Host: h}, true})
	if m.host.ns.index(4026532300) >= 0 || strings.Contains(strings.Join(m.host.ns.render(80, 20, &m.styles), "\n"), "coredns") || m.Err() != nil {
		t.Errorf("the deleted namespace is still shown:\n%s", plain(m))
	}
	// Opening fails: the old table goes on, the status says why.
	m.cfg.Watch = func(uint64) (Watched, error) { return Watched{}, fmt.Errorf("netns gone") }
	press(m, "up")
	m.Update(press(m, "enter")())
	if !strings.Contains(m.status, "netns gone") || m.table.Len() != 5 {
		t.Errorf("a failed switch: %q, %d flows", m.status, m.table.Len())
	}
}

// TestNamespacesNeedsLiveKernel: without the host (the demo, a replay) N
// says why instead of showing an empty view.
func TestNamespacesNeedsLiveKernel(t *testing.T) {
	m := newTestModel(t, 80, 24)
	press(m, "N")
	if m.mode() != modeBrowse || !strings.Contains(m.status, "needs the live kernel") {
		t.Errorf("mode %v, status %q", m.mode(), m.status)
	}
}
