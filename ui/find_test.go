package ui

import (
	"net/netip"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/model"
)

// attackBatch: 30 flows to port 80 from three sources (20, 7, 3) plus 10
// flows to port 443 from others, and a DNATed flow.
func attackBatch() *model.Batch {
	b := snapshotBatch(0)
	add := func(src string, n int, dport uint16, state uint8, id uint32) {
		for i := 0; i < n; i++ {
			f := flow(0, dport)
			f.Orig.Src = model.AddrFrom(netip.MustParseAddr(src))
			f.Orig.SrcPort = uint16(10000 + i)
			f.SetProtoState(state)
			f.SetID(id + uint32(i))
			f.Reply = f.Orig.Inverse()
			b.Snapshot.Add(&f, nil)
		}
	}
	add("203.0.113.7", 20, 80, model.TCPSynRecv, 1000)
	add("203.0.113.8", 7, 80, model.TCPSynRecv, 2000)
	add("203.0.113.9", 3, 80, model.TCPEstablished, 3000)
	for i := 0; i < 10; i++ {
		f := flow(i, 443)
		b.Snapshot.Add(&f, nil)
	}
	dnat := flow(50, 8080)
	dnat.Reply.Src = model.AddrFrom(netip.MustParseAddr("10.0.0.80"))
	dnat.Reply.SrcPort = 80
	dnat.Status |= model.StatusDstNAT
	b.Snapshot.Add(&dnat, nil)
	b.Stats.Count = 41
	return b
}

func typeText(m *Model, s string) {
	for _, r := range s {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func enter(m *Model) { m.Update(tea.KeyPressMsg{Code: tea.KeyEnter}) }
func esc(m *Model)   { m.Update(tea.KeyPressMsg{Code: tea.KeyEscape}) }
func tab(m *Model)   { m.Update(tea.KeyPressMsg{Code: tea.KeyTab}) }

func TestFilterPrompt(t *testing.T) {
	m := newTestModel(t, 120, 40)
	m.Update(BatchMsg{attackBatch()})
	press(m, "/")
	if !m.in(modePrompt) {
		t.Fatal("/ did not open the prompt")
	}
	typeText(m, "dst port 80")
	if !strings.Contains(plain(m), "→ 30 of 41 match") {
		t.Fatalf("no live count:\n%s", plain(m))
	}
	if m.list.Len() != 41 {
		t.Fatal("typing applied the filter")
	}
	typeText(m, " and")
	if !strings.Contains(plain(m), "filter: expected") {
		t.Fatalf("no parse error in place:\n%s", m.renderHeader(120)[2])
	}
	enter(m) // an incomplete filter is not applied
	if !m.in(modePrompt) || m.list.Len() != 41 {
		t.Fatal("enter applied a filter that does not parse")
	}
	typeText(m, " src host 203.0.113.8")
	enter(m)
	if m.in(modePrompt) || m.list.Len() != 7 {
		t.Fatalf("applied filter matches %d, want 7", m.list.Len())
	}
	if !strings.Contains(plain(m), "filter: dst port 80 and src host 203.0.113.8  matched 7 of 41") {
		t.Fatalf("header lacks the active filter:\n%s", plain(m))
	}
	// esc cancels an edit.
	press(m, "/")
	typeText(m, "x")
	esc(m)
	if m.in(modePrompt) || m.list.Len() != 7 {
		t.Fatal("esc did not cancel")
	}
	// An empty filter clears.
	press(m, "/")
	for range len(m.prompt.Value()) {
		m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	enter(m)
	if m.list.Len() != 41 || m.filterText() != "" {
		t.Fatalf("empty filter left %d flows", m.list.Len())
	}
}

func TestTopViewAndDrillDown(t *testing.T) {
	m := newTestModel(t, 120, 40)
	m.Update(BatchMsg{attackBatch()})
	f, _ := filter.Parse("dst port 80")
	m.setFilter(f)
	tab(m)
	if m.view != viewTop {
		t.Fatal("tab did not switch to the top view")
	}
	rows := m.top.rows
	if len(rows) != 3 || rows[0].Key.String() != "203.0.113.7" || rows[0].Flows != 20 || rows[1].Flows != 7 || rows[2].Flows != 3 {
		t.Fatalf("top by source: %+v", rows)
	}
	screen := plain(m)
	if !strings.Contains(screen, "203.0.113.7") || !strings.Contains(screen, "66.7%") || !strings.Contains(screen, "SYN_RECV 100%") {
		t.Fatalf("top view:\n%s", screen)
	}
	for _, c := range [][2]string{{"2", "198.51.100.1"}, {"3", "tcp/80"}, {"4", "SYN_RECV"}, {"5", "tcp"}, {"1", "203.0.113.7"}} {
		k, want := c[0], c[1]
		press(m, k)
		if got := m.top.rows[0].Key.String(); got != want {
			t.Errorf("key %s: top row %q, want %q", k, got, want)
		}
	}
	// Drill down into the second source.
	press(m, "j")
	enter(m)
	if m.view != viewFlows || m.list.Len() != 7 || m.filterText() != "(dst port 80) and src host 203.0.113.8" {
		t.Fatalf("drill-down: view %d, %d flows, filter %q", m.view, m.list.Len(), m.filterText())
	}
	esc(m) // back out
	if m.list.Len() != 30 || m.filterText() != "dst port 80" {
		t.Fatalf("esc: %d flows, filter %q", m.list.Len(), m.filterText())
	}
	// --group and the top view at start.
	m2 := New(Config{Group: model.Plain(model.ByDport), TopView: true})
	m2.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m2.Update(BatchMsg{attackBatch()})
	if m2.view != viewTop || m2.top.rows[0].Key.String() != "tcp/80" || m2.top.rows[0].Flows != 30 {
		t.Fatalf("start in top view by dport: %+v", m2.top.rows)
	}
}

func TestDetailPane(t *testing.T) {
	m := newTestModel(t, 120, 40)
	m.Update(BatchMsg{attackBatch()})
	f, _ := filter.Parse("dnat")
	m.setFilter(f)
	enter(m)
	if !m.in(modeDetail) {
		t.Fatal("enter did not open the detail pane")
	}
	screen := plain(m)
	for _, want := range []string{
		"NAT        dst→10.0.0.80:80 (DNAT of 198.51.100.1:8080)",
		"original   192.0.2.50:40050 → 198.51.100.1:8080",
		"reply      10.0.0.80:80 → 192.0.2.50:40050",
		"flags      SEEN_REPLY ASSURED CONFIRMED DST_NAT (FLAGS A)", "ESTABLISHED", "kernel id  51", "5m00s left",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("detail lacks %q:\n%s", want, screen)
		}
	}
	// It follows the flow live: when it ends, it says so.
	sel := m.table.At(m.list.Slot(0))
	m.Update(BatchMsg{events(model.EventDestroy, *sel)})
	if !strings.Contains(plain(m), "GONE: the table no longer holds this flow") {
		t.Error("ended flow not reported")
	}
	esc(m)
	if m.in(modeDetail) {
		t.Fatal("esc did not close the detail pane")
	}
}

func TestTags(t *testing.T) {
	m := newTestModel(t, 120, 40)
	m.Update(BatchMsg{attackBatch()})
	press(m, " ", " ")
	if len(m.tags) != 2 || m.cursor != 2 || !strings.Contains(plain(m), "2 tagged") {
		t.Fatalf("%d tags, cursor %d", len(m.tags), m.cursor)
	}
	if !strings.Contains(plain(m), "\n* ") {
		t.Error("tagged rows not marked")
	}
	press(m, "k", " ") // untag the second
	if len(m.tags) != 1 {
		t.Fatalf("untag: %d tags", len(m.tags))
	}
	tab(m)
	press(m, " ")
	if len(m.groupTags) != 1 || !strings.Contains(plain(m), "2 tagged") {
		t.Fatalf("top tags %d", len(m.groupTags))
	}
	// A tagged flow that ends is forgotten.
	for k := range m.tags {
		f := *m.table.At(m.table.Find(k))
		m.Update(BatchMsg{events(model.EventDestroy, f)})
	}
	if len(m.tags) != 0 {
		t.Fatal("ended flow still tagged")
	}
}

// TestTopPartialCounts: a group some of whose flows have no counters
// (made before nf_conntrack_acct=1) shows its sums as lower bounds (N+),
// never as the whole group's; a group whose flows all have them, plainly.
func TestTopPartialCounts(t *testing.T) {
	m := newTestModel(t, 120, 40)
	b := snapshotBatch(0)
	add := func(i, dport int, counted bool) {
		f := flow(i, uint16(dport))
		var c *model.Counters
		if counted {
			f.Attrs |= model.HasCounters
			c = &model.Counters{OrigPackets: 3, OrigBytes: 1500}
		}
		b.Snapshot.Add(&f, c)
	}
	add(1, 80, true)
	add(1, 81, false) // same source, no counters
	add(2, 80, true)
	m.Update(BatchMsg{b})
	tab(m)
	var partial, whole string
	for _, line := range strings.Split(plain(m), "\n") {
		switch {
		case strings.Contains(line, "192.0.2.1 "):
			partial = line
		case strings.Contains(line, "192.0.2.2 "):
			whole = line
		}
	}
	if !strings.Contains(partial, "1.5K+") || !strings.Contains(partial, "3+") {
		t.Errorf("a group with uncounted flows: %q, want 1.5K+ and 3+", partial)
	}
	if !strings.Contains(whole, "1.5K") || strings.Contains(whole, "+") {
		t.Errorf("a group whose flows all have counters: %q", whole)
	}
}
