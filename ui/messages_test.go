package ui

import (
	"net/netip"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/model"
)

// replayModel is a replay (no actions) at 80x24 with the attack table.
func replayModel(t *testing.T) *Model {
	t.Helper()
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), ReadOnly: "replay"})
	m.Update(tea80x24())
	m.Update(BatchMsg{attackBatch()})
	return m
}

// TestMessageGoesWithItsScreen: a message that describes the screen a key
// left goes when that screen changes (view, grouping, order, filter); one
// that reports an outcome or the session's condition stays. "sorted by
// NEW/s: the rows creating flows now first" stayed over the flows sorted
// by SRC, "sorted by dport" over the top view sorted by FLOWS, "prefixes
// with 5%+ of flows" and "grouped by src /24" over the grouping by source.
func TestMessageGoesWithItsScreen(t *testing.T) {
	for _, c := range []struct {
		keys []string
		said string // after keys but the last
	}{
		{[]string{"tab", ">", "tab"}, "sorted by NEW/s"},
		{[]string{">", "tab"}, "sorted by sport"},
		{[]string{"tab", ">", "<"}, ""}, // < says its own order
		{[]string{"6", "1"}, "prefixes with 5%+"},
		{[]string{"1", "[", "1"}, "grouped by src /24"},
		{[]string{"1", "[", "]"}, ""},
		{[]string{"6", "+", "-"}, ""},
		{[]string{"6", "+", "tab"}, "heavy prefixes hold at least"},
		{[]string{"*", "tab"}, "tagged 41 flows"},
		{[]string{"tab", "enter", "esc"}, "filter: src host 203.0.113.7"},
		{[]string{"tab", "enter", "tab"}, "filter: src host 203.0.113.7"},
	} {
		m := replayModel(t)
		pressRun(m, c.keys[:len(c.keys)-1]...)
		if c.said != "" && !strings.Contains(plain(m), c.said) {
			t.Fatalf("%v: %q not said:\n%s", c.keys, c.said, plain(m))
		}
		before := m.status
		pressRun(m, c.keys[len(c.keys)-1])
		if m.status == before && before != "" {
			t.Errorf("%v: %q stays over the changed screen:\n%s", c.keys, before, plain(m))
		}
	}
	// What a message says of a state holds: the view it names is shown.
	m := replayModel(t)
	pressRun(m, "tab", ">", "tab")
	if s := plain(m); strings.Contains(s, "NEW/s") || !strings.Contains(s, "SRC▲") {
		t.Errorf("the flows view after tab > tab:\n%s", s)
	}
	// A key that changes nothing on screen leaves the message.
	pressRun(m, ">")
	pressRun(m, "j")
	if !strings.Contains(m.status, "sorted by sport") {
		t.Errorf("j dropped %q", "sorted by sport")
	}
}

// TestKeptMessagesStay: the session's condition (no system log, the
// metrics' address) and an outcome stay over a changed screen until a
// message replaces them.
func TestKeptMessagesStay(t *testing.T) {
	note := "no system log at /dev/log: changes go unrecorded"
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), Actions: &fakeActions{}, Status: note})
	m.Update(tea80x24())
	m.Update(BatchMsg{attackBatch()})
	pressRun(m, "tab", "2", "tab")
	if m.status != note {
		t.Errorf("the session's note went: %q", m.status)
	}
	pressRun(m, "d", "y")
	done := m.status
	if !strings.Contains(done, "deleted") {
		t.Fatalf("d y says %q", done)
	}
	pressRun(m, "tab", "tab")
	if m.status != done {
		t.Errorf("the outcome %q went with a view switch: %q", done, m.status)
	}
}

// TestHintsBesideMessage: at 80 columns a message never pushes out the
// way to the other view, the sort, quitting or the help ("tab top",
// "> sort", "q quit", "? help"): a message that does not fit beside them
// goes whole on lines of its own above the status line. Every message the
// newcomer met is tried, and the session's note of a live table.
func TestHintsBesideMessage(t *testing.T) {
	for _, c := range []struct {
		keys []string
		msg  string
	}{
		{[]string{">"}, "sorted by sport"},
		{[]string{"tab", ">"}, "sorted by NEW/s: the rows creating flows now first"},
		{[]string{"6"}, "prefixes with 5%+ of flows (+ - change it)"},
		{[]string{"6", "["}, "heavy prefixes find their own lengths"},
		{[]string{"1", "["}, "grouped by src /24 (IPv6 /64)"},
		{[]string{"*"}, "tagged 41 flows matching no filter: every flow"},
		{[]string{"z"}, "z: no such key here"},
	} {
		m := replayModel(t)
		pressRun(m, c.keys...)
		checkHints(t, m, c.keys, c.msg)
	}
	note := "no system log at /dev/log: changes go unrecorded"
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), Actions: &fakeActions{}, Status: note})
	m.Update(tea80x24())
	m.Update(BatchMsg{attackBatch()})
	checkHints(t, m, nil, note)
	pressRun(m, "tab")
	checkHints(t, m, []string{"tab"}, note)
}

func checkHints(t *testing.T, m *Model, keys []string, msg string) {
	t.Helper()
	other := "tab top"
	if m.view == viewTop {
		other = "tab flows"
	}
	s, last := plain(m), statusLine(m)
	if !strings.Contains(oneLine(s), msg) {
		t.Errorf("%v: the message %q is not whole on screen:\n%s", keys, msg, s)
	}
	for _, h := range []string{other, "> sort", "q quit", "? help"} {
		if !strings.Contains(last, h) {
			t.Errorf("%v: the status line lacks %q beside %q:\n%s", keys, h, msg, s)
		}
	}
}

// manyFlows is a snapshot of n flows from distinct sources.
func manyFlows(n int) *model.Batch {
	b := snapshotBatch(0)
	for i := range n {
		f := flow(0, 80)
		f.Orig.Src = model.AddrFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
		f.SetID(uint32(i + 1))
		f.Reply = f.Orig.Inverse()
		b.Snapshot.Add(&f, nil)
	}
	b.Stats.Count = uint64(n)
	return b
}

// TestSelectedRowStaysInView: when a message takes lines above the status
// line, the table gives up rows and scrolls so that the selected row stays
// on screen: at End, * over more flows than it tags said so on 2 lines
// over the last rows, the selected one among them. And a replay's message
// offers no D: nothing deletes there.
func TestSelectedRowStaysInView(t *testing.T) {
	for _, c := range []struct {
		name  string
		flows int
		keys  []string
		says  string
	}{
		{"tag_all_beyond_limit", tagLimit + 5, []string{"end", "*"}, "(100,000 at most; 100,005 match)"},
		{"unknown_key", 300, []string{"end", "z"}, "z: no such key here"},
		{"tag_all_at_end", 300, []string{"end", "*"}, "tagged 300 flows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), ReadOnly: "replay"})
			m.Update(tea80x24())
			m.Update(BatchMsg{manyFlows(c.flows)})
			pressRun(m, c.keys...)
			s := plain(m)
			last := m.table.At(m.list.Slot(m.list.Len() - 1))
			row := last.Orig.Src.In(last.Family).String()
			if !strings.Contains(s, row) || m.cursor != m.list.Len()-1 {
				t.Errorf("the selected row (%s) is off screen:\n%s", row, s)
			}
			if !strings.Contains(oneLine(s), c.says) {
				t.Errorf("no %q:\n%s", c.says, s)
			}
			if o := offersAction(s); o != "" {
				t.Errorf("a replay offers %q:\n%s", o, s)
			}
			if c.flows <= 1000 {
				golden.RequireEqual(t, asciiScreen(t, m))
			}
		})
	}
}

// TestSortSkipsAbsentColumns: < and > go through the columns the table
// shows, so the arrow always says the order: ages have no column, and
// marks, zones and counters none while no flow has one. They went
// through all of them: the arrow went and the rows did not change.
func TestSortSkipsAbsentColumns(t *testing.T) {
	cycle := func(m *Model, key string) []model.Column {
		var seen []model.Column
		for range 2 * len(sortable) {
			pressRun(m, key)
			c, _ := m.list.Sort()
			seen = append(seen, c)
			head := plain(m)
			if !strings.Contains(head, "▲") && !strings.Contains(head, "▼") {
				t.Fatalf("sorted by %s, no arrow:\n%s", c, head)
			}
		}
		return seen
	}
	has := func(cs []model.Column, c model.Column) bool {
		for _, x := range cs {
			if x == c {
				return true
			}
		}
		return false
	}
	m := newTestModel(t, 80, 24)
	m.Update(BatchMsg{snapshotBatch(30)})
	for _, key := range []string{">", "<"} {
		seen := cycle(m, key)
		for _, c := range []model.Column{model.ColAge, model.ColMark, model.ColZone, model.ColBytes, model.ColPkts} {
			if has(seen, c) {
				t.Errorf("%s sorts by %s, which no column shows", key, c)
			}
		}
		for _, c := range []model.Column{model.ColProto, model.ColSrc, model.ColSport, model.ColDst, model.ColDport, model.ColState, model.ColTTL} {
			if !has(seen, c) {
				t.Errorf("%s never sorts by %s", key, c)
			}
		}
	}
	// Marks and counters make their columns, and their sorts.
	b := snapshotBatch(30)
	f := flow(7, 443)
	f.SetMark(0x10)
	b.Snapshot.Add(&f, &model.Counters{})
	m = newTestModel(t, 120, 24)
	m.Update(BatchMsg{b})
	seen := cycle(m, ">")
	for _, c := range []model.Column{model.ColMark} {
		if !has(seen, c) {
			t.Errorf("> never sorts by %s, shown", c)
		}
	}
	if has(seen, model.ColAge) {
		t.Error("> sorts by age, which no column shows")
	}
	// --sort age: no arrow, and the status line says why.
	m = New(Config{Sort: model.ColAge, Batches: make(chan *model.Batch), Done: make(chan error)})
	m.Update(tea80x24())
	m.Update(BatchMsg{snapshotBatch(30)})
	if !strings.Contains(statusLine(m), "sorted by age (no column)") {
		t.Errorf("--sort age, the status line:\n%s", plain(m))
	}
}

// TestHelpSaysWhatKeysDo: the help's title says what each key does there,
// and the keys do it: q closes it (it said any key but esc acts), another
// key closes it and acts, over a dialog or the detail pane only closes
// it; F1 in the filter prompt shows the filter's words (it showed the
// keys), every one of which parses.
func TestHelpSaysWhatKeysDo(t *testing.T) {
	m := replayModel(t)
	pressRun(m, "?")
	if !strings.Contains(plain(m), "esc, ? or q closes, j/k scroll; any other key closes it and acts") {
		t.Fatalf("the help's title:\n%s", plain(m))
	}
	if _, cmd := m.Update(keyMsg("q")); cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatal("q in the help quit")
		}
	}
	if m.mode() != modeBrowse {
		t.Fatal("q did not close the help")
	}
	pressRun(m, "?", "tab")
	if m.mode() != modeBrowse || m.view != viewTop {
		t.Fatal("tab in the help did not close it and switch views")
	}
	pressRun(m, "tab", "enter", "?")
	if !strings.Contains(plain(m), "any other key only closes it") {
		t.Fatalf("the help over the detail pane:\n%s", plain(m))
	}
	pressRun(m, "tab")
	if m.mode() != modeDetail || m.view != viewFlows {
		t.Fatalf("tab in the help over the detail acted: mode %d view %d", m.mode(), m.view)
	}
	pressRun(m, "esc", "/", "text:dst", "f1")
	s := plain(m)
	if !strings.Contains(s, "tcpdump's filter syntax") || !strings.Contains(s, "state syn_recv") || strings.Contains(s, "Keys") {
		t.Fatalf("F1 in the prompt:\n%s", s)
	}
	golden.RequireEqual(t, asciiScreen(t, m))
	pressRun(m, "esc")
	if m.mode() != modePrompt || m.prompt.Value() != "dst" {
		t.Fatalf("esc in the filter's help: mode %d, prompt %q", m.mode(), m.prompt.Value())
	}
}

// TestFilterHelpParses: every form the filter's help shows is a filter.
func TestFilterHelpParses(t *testing.T) {
	for _, fw := range filterWords {
		for _, f := range fw.forms {
			if _, err := filter.Parse(f); err != nil {
				t.Errorf("%q: %v", f, err)
			}
		}
	}
}
