package ui

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/cttop/cttop/model"
)

// natGateway is a NAT gateway's table: 4 flows of its own from its public
// address 10.0.0.1, and 14,667 masqueraded ones whose replies go to it.
func natGateway() *model.Batch {
	b := snapshotBatch(0)
	pub := model.AddrFrom(netip.MustParseAddr("10.0.0.1"))
	for i := range 4 {
		f := flow(0, 53)
		f.Orig.Src, f.Orig.SrcPort = pub, uint16(50000+i)
		f.SetID(uint32(i + 1))
		f.Reply = f.Orig.Inverse()
		b.Snapshot.Add(&f, nil)
	}
	for i := range 14_667 {
		f := flow(0, 443)
		f.Orig.Src = model.AddrFrom(netip.MustParseAddr(fmt.Sprintf("192.168.%d.%d", i/250, 1+i%250)))
		f.Orig.SrcPort = uint16(30000 + i%30000)
		f.SetID(uint32(100 + i))
		f.Reply = f.Orig.Inverse()
		f.Reply.Dst, f.Reply.DstPort = pub, uint16(1024+i%60000)
		f.Status |= model.StatusSrcNAT
		b.Snapshot.Add(&f, nil)
	}
	b.Stats.Count, b.Stats.Max = 14_671, 262_144
	return b
}

// TestNATTrap: a directional filter that matches far fewer flows than
// the address at any end says so while it is typed and once applied; a
// filter without the trap says nothing.
func TestNATTrap(t *testing.T) {
	m := newTestModel(t, 80, 24)
	m.Update(BatchMsg{natGateway()})
	press(m, "/")
	typeText(m, "src 10.0.0.1")
	want := "14,667 more have it on the reply side: use host"
	if m.preview.matched != 4 || m.preview.note != want {
		t.Fatalf("preview: %d matched, note %q", m.preview.matched, m.preview.note)
	}
	screen := plain(m)
	if !strings.Contains(screen, "4 of 14,671 match") || !strings.Contains(oneLine(screen), want) {
		t.Errorf("the prompt does not say so:\n%s", screen)
	}
	pressRun(m, "enter")
	if !strings.Contains(m.status, want) {
		t.Errorf("applied: status %q", m.status)
	}
	for _, c := range []struct{ expr, note string }{
		{"host 10.0.0.1", ""},
		{"dst port 443", ""},
		{"src net 10.0.0.0/24", "14,667 more have it on the reply side: use net"},
		{"dst host 10.0.0.1", "14,671 more have it at another end: use host"},
		{"src net 192.168.0.0/16", ""}, // matches them all already
	} {
		press(m, "/")
		for range 40 {
			press(m, "backspace")
		}
		typeText(m, c.expr)
		if m.preview.note != c.note {
			t.Errorf("%s: note %q, want %q", c.expr, m.preview.note, c.note)
		}
		pressRun(m, "esc")
	}
}
