package ui

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/cttop/cttop/model"
)

// manyBatch is 10,000 flows to port 80 from 10,000 sources (10.1.x.y)
// and 500 to port 443 from others.
func manyBatch() *model.Batch {
	b := snapshotBatch(0)
	add := func(src string, sport, dport uint16, id int) {
		f := flow(0, dport)
		f.Orig.Src = model.AddrFrom(netip.MustParseAddr(src))
		f.Orig.SrcPort = sport
		f.SetID(uint32(id))
		f.Reply = f.Orig.Inverse()
		b.Snapshot.Add(&f, nil)
	}
	for i := range 10_000 {
		add(fmt.Sprintf("10.1.%d.%d", i/250, 1+i%250), uint16(20000+i%1000), 80, i+1)
	}
	for i := range 500 {
		add(fmt.Sprintf("192.0.2.%d", 1+i%250), uint16(30000+i), 443, 20_000+i)
	}
	b.Stats.Count, b.Stats.Max = 10_500, 262_144
	return b
}

// TestTagAllAndClear: * tags the 10,000 flows (and in the top view the
// 10,000 rows) the filter matches, as they are, the header counts them,
// d and b act on all of them; U untags everything.
func TestTagAllAndClear(t *testing.T) {
	a := &fakeActions{}
	m := actionModel(t, a, false)
	m.Update(BatchMsg{manyBatch()})
	pressRun(m, "/", "text:dst port 80", "enter", "*")
	if len(m.tags) != 10_000 || !strings.Contains(plain(m), "10,000 tagged") {
		t.Fatalf("* tagged %d:\n%s", len(m.tags), plain(m))
	}
	if !strings.Contains(m.status, "tagged 10,000 flows matching 'dst port 80'") {
		t.Errorf("status %q", m.status)
	}
	for k := range m.tags {
		if k.Orig.DstPort != 80 {
			t.Fatalf("tagged a flow to port %d", k.Orig.DstPort)
		}
	}
	pressRun(m, "d")
	if m.confirm == nil || !strings.Contains(m.confirm.text, "10,000 flows") {
		t.Fatalf("d after *: %+v", m.confirm)
	}
	pressRun(m, "y")
	if len(a.deleted) != 10_000 {
		t.Fatalf("deleted %d", len(a.deleted))
	}
	// The top view: * tags every row of the grouping, b proposes them all.
	m.Update(BatchMsg{manyBatch()})
	pressRun(m, "tab", "*")
	if len(m.groupTags) != 10_000 || !strings.Contains(plain(m), "10,000 tagged") {
		t.Fatalf("* in the top view tagged %d rows", len(m.groupTags))
	}
	pressRun(m, "b")
	if m.rules == nil || len(m.rules.rules) == 0 {
		t.Fatalf("b after *: status %q", m.status)
	}
	if n := len(m.rules.rules); n != 10_000 {
		t.Errorf("b proposed %d rules for 10,000 tagged sources", n)
	}
	pressRun(m, "esc", "U")
	if m.tagCount() != 0 || m.status != "untagged 10,000 rows" {
		t.Fatalf("U: %d tags, status %q", m.tagCount(), m.status)
	}
	if strings.Contains(headerOf(m), "tagged") {
		t.Errorf("the header still counts tags: %q", headerOf(m))
	}
	// Flows view again: U clears flow tags too.
	pressRun(m, "tab", "*", "U")
	if len(m.tags) != 0 {
		t.Fatalf("U left %d flow tags", len(m.tags))
	}
}

func headerOf(m *Model) string {
	lines := strings.Split(plain(m), "\n")
	return strings.Join(lines[:3], "\n")
}
