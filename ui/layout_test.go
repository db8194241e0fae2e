package ui

import (
	"net/netip"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/model"
)

// layoutRows is a NATed flow with a long SCTP state, a flow with a long
// IPv6 address, and a plain one.
func layoutRows() []row {
	a := func(s string) model.Addr { return model.AddrFrom(netip.MustParseAddr(s)) }
	nat := flow(1, 80)
	nat.Reply.Dst, nat.Reply.DstPort = a("203.0.113.1"), 61000
	nat.Status |= model.StatusSrcNAT
	sctp := flow(2, 38412)
	sctp.Proto = model.ProtoSCTP
	sctp.SetProtoState(model.SCTPShutdownAckSent)
	sctp.Reply = sctp.Orig.Inverse()
	v6 := flow(3, 443)
	v6.Family = model.IPv6
	v6.Orig.Src, v6.Orig.Dst = a("2001:db8:177:177::501"), a("2001:db8:10:96::a")
	v6.Reply = v6.Orig.Inverse()
	var rows []row
	for _, f := range []model.Flow{nat, sctp, v6} {
		rows = append(rows, row{Flow: &f, Now: uint32(t0.Unix())})
	}
	return rows
}

func titles(cols []column) string {
	var t []string
	for _, c := range cols {
		t = append(t, c.title)
	}
	return strings.Join(t, " ")
}

// TestLayoutGivesWay: at every width the columns fit when anything can
// give way; whole columns go by priority (counters and flags, SPORT,
// TTL; NAT shortens before PROTO, STATE and DPORT go, and goes last),
// the hidden ones are named, the sort column stays, and addresses are cut
// (in their middle) only when nothing else is left to give way.
func TestLayoutGivesWay(t *testing.T) {
	g := unicodeGlyphs
	rows := layoutRows()
	extras := [4]int{1, 0, 0, 0} // NAT
	full, hidden := layout(300, rows, extras, model.ColSrc, &g)
	if titles(full) != "PROTO SRC SPORT DST DPORT STATE TTL FLAGS NAT" || len(hidden) != 0 {
		t.Fatalf("at 300: %s, hidden %v", titles(full), hidden)
	}
	for w := 300; w >= 20; w-- {
		cols, hidden := layout(w, rows, extras, model.ColSrc, &g)
		used := -1
		for _, c := range cols {
			used += c.width + 1
		}
		cut := false
		for _, c := range cols {
			for i := range rows {
				if v := c.cell(&rows[i]); strings.Contains(v, "…") {
					cut = true
					if c.title != "SRC" && c.title != "DST" {
						t.Errorf("at %d: %s cut: %q", w, c.title, v)
					}
				}
				if cellWidth(c.cell(&rows[i])) > c.width {
					t.Errorf("at %d: %s cell %q wider than %d", w, c.title, c.cell(&rows[i]), c.width)
				}
			}
		}
		switch names := titles(cols); {
		case used > w && !cut && w >= 40:
			t.Errorf("at %d: %d used: %s", w, used, names)
		case cut && names != "SRC DST":
			t.Errorf("at %d: an address is cut while %s could give way", w, names)
		case !strings.Contains(names, "SRC") || !strings.Contains(names, "DST"):
			t.Errorf("at %d: an address column went: %s", w, names)
		}
		// Nothing is hidden that would fit.
		for _, h := range hidden {
			for _, c := range full {
				if c.title == h && used+1+c.width <= w {
					t.Errorf("at %d: %s hidden, but %d + %d fit", w, h, used, c.width+1)
				}
			}
		}
		if len(cols)+len(hidden) != len(full) {
			t.Errorf("at %d: %d shown + %v hidden of %d", w, len(cols), hidden, len(full))
		}
	}
	// NAT: abbreviated before it goes, and after PROTO (then STATE...).
	var natForms []string
	for w := 120; w >= 30; w-- {
		cols, hidden := layout(w, rows, extras, model.ColSrc, &g)
		for _, c := range cols {
			if c.title == "NAT" {
				if v := c.cell(&rows[0]); len(natForms) == 0 || natForms[len(natForms)-1] != v {
					natForms = append(natForms, v)
				}
			}
		}
		if strings.Contains(strings.Join(hidden, " "), "NAT") && !strings.Contains(strings.Join(hidden, " "), "DPORT") {
			t.Errorf("at %d: NAT went before DPORT: hidden %v", w, hidden)
		}
	}
	if strings.Join(natForms, " | ") != "src→203.0.113.1:61000 | src→203.0.113.1 | SNAT" {
		t.Errorf("NAT forms as the table narrows: %q", natForms)
	}
	// The sort column stays.
	cols, hidden := layout(50, rows, extras, model.ColTTL, &g)
	if !strings.Contains(titles(cols), "TTL") || strings.Contains(strings.Join(hidden, " "), "TTL") {
		t.Errorf("sorted by TTL at 50: %s, hidden %v", titles(cols), hidden)
	}
}

// TestColumnsAlign: every column is as wide as its widest cell in view:
// a long state (SHUTDOWN_ACK_SENT) moves the next columns for every row,
// so each starts at the same place on every line.
func TestColumnsAlign(t *testing.T) {
	m := newTestModel(t, 160, 12)
	b := snapshotBatch(0)
	for _, r := range layoutRows() {
		b.Snapshot.Add(r.Flow, nil)
	}
	m.Update(BatchMsg{b})
	lines := strings.Split(plain(m), "\n")
	head := lines[3]
	ttl := strings.Index(head, "TTL") + len("TTL")
	if !strings.Contains(plain(m), "SHUTDOWN_ACK_SENT") {
		t.Fatalf("no long state:\n%s", plain(m))
	}
	for _, l := range lines[4:7] {
		// TTL is right-aligned: its last cell ends under the title's end.
		if len(l) < ttl || l[ttl-1] == ' ' || l[ttl] != ' ' {
			t.Errorf("TTL not aligned (title ends at %d):\n%s\n%s", ttl, head, l)
		}
	}
}

// TestStatusSaysHidden: the status line names the columns that gave way.
func TestStatusSaysHidden(t *testing.T) {
	m := newTestModel(t, 60, 12)
	b := snapshotBatch(0)
	for _, r := range layoutRows() {
		b.Snapshot.Add(r.Flow, nil)
	}
	m.Update(BatchMsg{b})
	// At 60 columns beside tab, q and ? the note counts them; wider it
	// names them, as many as fit ("hidden: PROTO +3").
	if s := statusLine(m); !strings.Contains(s, "4 columns hidden") || !strings.Contains(s, "? help") || !strings.Contains(s, "tab top") {
		t.Errorf("status line %q", s)
	}
	m.Update(tea.WindowSizeMsg{Width: 68, Height: 12})
	if s := statusLine(m); !strings.Contains(s, "hidden: PROTO +3") || !strings.Contains(s, "q quit") {
		t.Errorf("at 68: status line %q", s)
	}
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 12})
	// A message (here the metrics address) is news: the note gives way
	// to it, never the other way round; one too long to share the line
	// with the hints a message keeps goes on a line of its own.
	m.status = "metrics on http://[::1]:40123/metrics"
	if s := statusLine(m); strings.Contains(s, "hidden") && strings.Contains(s, m.status) {
		t.Errorf("with a message: %q", s)
	}
	if !strings.Contains(plain(m), m.status) {
		t.Errorf("the message is not whole on screen:\n%s", plain(m))
	}
	m.status = "3 flows"
	if s := statusLine(m); !strings.Contains(s, m.status) || strings.Contains(s, "hidden") {
		t.Errorf("with a short message: %q", s)
	}
	m.status = ""
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 12})
	if s := statusLine(m); strings.Contains(s, "hidden") {
		t.Errorf("at 200: %q", s)
	}
}
