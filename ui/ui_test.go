package ui

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/cttop/cttop/format"
	"github.com/cttop/cttop/model"
)

var t0 = time.Unix(1_700_000_000, 0)

func flow(i int, dport uint16) model.Flow {
	src := model.AddrFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}))
	dst := model.AddrFrom(netip.MustParseAddr("198.51.100.1"))
	f := model.Flow{
		Orig:   model.Tuple{Src: src, Dst: dst, SrcPort: uint16(40000 + i), DstPort: dport},
		Status: model.StatusConfirmed | model.StatusSeenReply | model.StatusAssured,
		Proto:  model.ProtoTCP, Family: model.IPv4,
	}
	f.SetID(uint32(i + 1))
	f.SetProtoState(model.TCPEstablished)
	f.SetExpires(uint32(t0.Unix()) + 300)
	f.SetMark(0)
	f.SetZone(model.Zone{})
	f.Reply = f.Orig.Inverse()
	return f
}

// snapshotBatch is a batch holding flows 0..n-1 as a complete dump.
func snapshotBatch(n int) *model.Batch {
	b := &model.Batch{Time: t0, Snapshot: &model.Snapshot{}}
	for i := 0; i < n; i++ {
		f := flow(i, 80)
		b.Snapshot.Add(&f, nil)
	}
	b.Stats = model.TableStats{Valid: true, Count: uint64(n), Max: 1000}
	b.Info = model.SourceInfo{Kind: "kernel", EventMode: model.EventsOn}
	return b
}

func events(typ model.EventType, fs ...model.Flow) *model.Batch {
	b := &model.Batch{Time: t0.Add(time.Second)}
	for i := range fs {
		b.Add(&model.Event{Type: typ, Flow: fs[i]})
	}
	return b
}

func newTestModel(t *testing.T, w, h int) *Model {
	t.Helper()
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error)})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func press(m *Model, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = m.Update(keyMsg(k))
	}
	return cmd
}

// plain is the screen without colours.
func plain(m *Model) string { return ansi.Strip(m.render()) }

func selected(m *Model) uint32 { id, _ := m.table.At(m.list.Slot(m.cursor)).ID(); return id }

func TestCursorFollowsFlow(t *testing.T) {
	m := newTestModel(t, 80, 24)
	m.Update(BatchMsg{snapshotBatch(50)})
	if m.list.Len() != 50 || len(m.rows) != m.tableHeight() {
		t.Fatalf("%d flows, %d rows visible", m.list.Len(), len(m.rows))
	}
	press(m, "j", "j", "down")
	if m.cursor != 3 || selected(m) != 4 {
		t.Fatalf("cursor %d on flow %d, want 3 on 4", m.cursor, selected(m))
	}
	// Two flows that sort before the selection arrive: it moves down two rows.
	a, b := flow(0, 80), flow(1, 80)
	a.Orig.SrcPort, b.Orig.SrcPort = 1, 2 // 192.0.2.0:1 and 192.0.2.1:2 sort first
	a.SetID(901)
	b.SetID(902)
	m.Update(BatchMsg{events(model.EventNew, a, b)})
	if m.cursor != 5 || selected(m) != 4 {
		t.Fatalf("after inserts cursor %d on flow %d, want 5 on 4", m.cursor, selected(m))
	}
	// The selected flow ends: the cursor stays on its row.
	m.Update(BatchMsg{events(model.EventDestroy, flow(3, 80))})
	if m.cursor != 5 || selected(m) != 5 {
		t.Fatalf("after destroy cursor %d on flow %d, want 5 on 5", m.cursor, selected(m))
	}
	// The view scrolls to keep the cursor on screen.
	press(m, "end")
	if m.cursor != m.list.Len()-1 || m.offset+len(m.rows) != m.list.Len() {
		t.Fatalf("end: cursor %d offset %d rows %d of %d", m.cursor, m.offset, len(m.rows), m.list.Len())
	}
	press(m, "home")
	if m.cursor != 0 || m.offset != 0 {
		t.Fatalf("home: cursor %d offset %d", m.cursor, m.offset)
	}
	press(m, "pgdown")
	if m.cursor != m.tableHeight()-1 {
		t.Fatalf("pgdown: cursor %d, want %d", m.cursor, m.tableHeight()-1)
	}
}

func TestSortKeys(t *testing.T) {
	m := newTestModel(t, 80, 24)
	m.Update(BatchMsg{snapshotBatch(10)})
	press(m, ">")
	if c, desc := m.list.Sort(); c != model.ColSport || desc {
		t.Fatalf("> gave %v desc=%v, want sport asc", c, desc)
	}
	press(m, "<", "<")
	if c, _ := m.list.Sort(); c != model.ColProto {
		t.Fatalf("< < gave %v, want proto", c)
	}
	press(m, "<")
	if c, _ := m.list.Sort(); c != model.ColTTL {
		t.Fatalf("< wraps to %v, want ttl (the last column shown: no flow has a mark, zone or counters)", c)
	}
	press(m, ">", ">", "r")
	if c, desc := m.list.Sort(); c != model.ColSrc || !desc {
		t.Fatalf("got %v desc=%v, want src desc", c, desc)
	}
	if selected(m) != 10 {
		t.Fatalf("top row after reverse is flow %d, want 10", selected(m))
	}
	if !strings.Contains(plain(m), "SRC▼") {
		t.Error("header does not mark the sort column and direction")
	}
}

func TestPauseFreezes(t *testing.T) {
	m := newTestModel(t, 80, 24)
	m.Update(BatchMsg{snapshotBatch(5)})
	press(m, "p")
	if !strings.Contains(plain(m), "PAUSED") {
		t.Fatal("header does not say paused")
	}
	_, cmd := m.Update(BatchMsg{events(model.EventNew, flow(100, 80))})
	if cmd == nil {
		t.Fatal("a paused view stopped waiting for batches")
	}
	m.Update(BatchMsg{events(model.EventDestroy, flow(0, 80))})
	if m.table.Len() != 5 {
		t.Fatalf("paused table changed: %d flows", m.table.Len())
	}
	press(m, "p")
	f100, f0 := flow(100, 80), flow(0, 80)
	if m.table.Len() != 5 || m.table.Find(f100.Key()) < 0 || m.table.Find(f0.Key()) >= 0 {
		t.Fatalf("after resume: %d flows", m.table.Len())
	}
}

func TestHelpAndQuit(t *testing.T) {
	m := newTestModel(t, 80, 24)
	press(m, "?")
	screen := plain(m)
	for _, b := range m.keys.FullHelp() {
		for _, k := range b {
			if !strings.Contains(screen, k.Help().Desc) {
				t.Errorf("help lacks %q", k.Help().Desc)
			}
		}
	}
	press(m, "x")
	if m.in(modeHelp) {
		t.Fatal("a key did not close help")
	}
	for _, k := range []string{"q", "ctrl+c"} {
		cmd := press(m, k)
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("%s did not quit", k)
		}
	}
}

func TestSourceFailureQuits(t *testing.T) {
	m := newTestModel(t, 80, 24)
	boom := errors.New("netns gone")
	_, cmd := m.Update(sourceDoneMsg{boom})
	if cmd == nil || !errors.Is(m.Err(), boom) {
		t.Fatalf("err %v", m.Err())
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("did not quit")
	}
}

func TestWaitForBatchRearms(t *testing.T) {
	ch := make(chan *model.Batch, 1)
	done := make(chan error)
	m := New(Config{Batches: ch, Done: done})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	ch <- snapshotBatch(3)
	msg := m.waitForBatch()()
	_, cmd := m.Update(msg)
	if m.table.Len() != 3 || cmd == nil {
		t.Fatalf("batch not applied (%d flows) or not re-armed", m.table.Len())
	}
}

// TestScreenFits: at every size from 80x24 up the screen has exactly the
// terminal's lines, none wider than it, and the gauge changes colour at 80%
// and 95%.
func TestScreenFits(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {100, 30}, {120, 40}, {200, 60}} {
		m := newTestModel(t, sz[0], sz[1])
		b := snapshotBatch(200)
		m.Update(BatchMsg{b})
		lines := strings.Split(m.render(), "\n")
		if len(lines) != sz[1] {
			t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for i, l := range lines {
			if w := lipgloss.Width(l); w > sz[0] {
				t.Errorf("%dx%d: line %d is %d wide", sz[0], sz[1], i, w)
			}
		}
	}
}

func TestGaugeColours(t *testing.T) {
	m := newTestModel(t, 120, 40)
	for _, c := range []struct {
		count uint64
		style lipgloss.Style
	}{{100, m.styles.GaugeOK}, {800, m.styles.GaugeWarn}, {950, m.styles.GaugeAlarm}} {
		b := &model.Batch{Time: t0, Stats: model.TableStats{Valid: true, Count: c.count, Max: 1000}}
		m.Update(BatchMsg{b})
		text := fmt.Sprintf("%s / 1,000 (%.1f%%)", format.Commas(c.count), float64(c.count)/10)
		if want := c.style.Render(text); !strings.Contains(m.render(), want) {
			t.Errorf("count %d: gauge not drawn as %q", c.count, want)
		}
	}
}

func TestDropsAreLoud(t *testing.T) {
	m := newTestModel(t, 120, 40)
	for i := 0; i <= 12; i++ {
		b := &model.Batch{Time: t0.Add(time.Duration(i) * 100 * time.Millisecond),
			Stats: model.TableStats{Valid: true, Count: 1000, Max: 1000, Drop: uint64(i) * 50}}
		m.Update(BatchMsg{b})
	}
	if want := m.styles.Alarm.Render("DROPPING 500/s") + " (600 since boot)"; !strings.Contains(m.render(), want) {
		t.Errorf("rising drops not shown in red: %q", m.renderHeader(120)[1])
	}
}

// TestDropsSinceBoot: the kernel's drop counters run since boot. Drops
// that happened before cttop started are labelled so and not coloured (a
// flushed table at 20% is not in trouble); drops seen while it watches
// are coloured, and still after they stop rising.
func TestDropsSinceBoot(t *testing.T) {
	m := newTestModel(t, 120, 40)
	batch := func(i int, drops uint64) {
		m.Update(BatchMsg{&model.Batch{Time: t0.Add(time.Duration(i) * 100 * time.Millisecond),
			Stats: model.TableStats{Valid: true, Count: 200, Max: 1000, Drop: drops}}})
	}
	for i := range 30 {
		batch(i, 170)
	}
	line := m.renderHeader(120)[1]
	if !strings.HasPrefix(line, "drops 170 since boot") || strings.Contains(line, m.styles.Warn.Render("drops")) {
		t.Errorf("old drops: %q", line)
	}
	for i := 30; i < 40; i++ {
		batch(i, 170+uint64(i-29)*5) // 50 more while watched
	}
	for i := 40; i < 70; i++ {
		batch(i, 220) // then they stop
	}
	line = m.renderHeader(120)[1]
	if want := m.styles.Warn.Render("50 dropped since cttop started") + " (220 since boot)"; !strings.HasPrefix(line, want) {
		t.Errorf("drops while watched: %q, want %q", line, want)
	}
}

// TestDropsSinceWhat: the header says what the drop counters count from,
// as the --once text does: a namespace's counters start with the
// namespace, not at boot; a replay's are what its file recorded.
func TestDropsSinceWhat(t *testing.T) {
	for _, c := range []struct {
		info model.SourceInfo
		want string
	}{
		{model.SourceInfo{Kind: "kernel"}, "drops 170 since boot"},
		{model.SourceInfo{Kind: "kernel", Name: "web1"}, "drops 170 since the namespace was made"},
		{model.SourceInfo{Kind: "replay", Name: "saved.json"}, "drops 170 as recorded"},
	} {
		m := newTestModel(t, 120, 40)
		m.Update(BatchMsg{&model.Batch{Time: t0, Info: c.info,
			Stats: model.TableStats{Valid: true, Count: 200, Max: 1000, Drop: 170}}})
		if line := m.renderHeader(120)[1]; !strings.HasPrefix(line, c.want) {
			t.Errorf("%+v: %q, want %q", c.info, line, c.want)
		}
	}
}
