package ui

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/model"
)

// pressureTable is a snapshot of n flows from src(i), to dport(i), in
// state(i), with the kernel's count and max; info loading or not.
func pressureBatch(n int, max uint64, src func(i int) string, dport func(i int) uint16, state func(i int) uint8) *model.Batch {
	b := snapshotBatch(0)
	for i := range n {
		f := flow(0, dport(i))
		f.Orig.Src = model.AddrFrom(netip.MustParseAddr(src(i)))
		f.Orig.SrcPort = uint16(1024 + i%60000)
		f.SetProtoState(state(i))
		f.SetID(uint32(i + 1))
		f.Reply = f.Orig.Inverse()
		b.Snapshot.Add(&f, nil)
	}
	b.Stats.Count, b.Stats.Max = uint64(n), max
	return b
}

func autoModel(t *testing.T, sv StartView) *Model {
	t.Helper()
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), StartView: sv,
		Actions: &fakeActions{}}) // b can block: the landing offers it
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return m
}

func est(i int) uint8     { return model.TCPEstablished }
func port80(i int) uint16 { return 80 }

// threeSources: 60/30/10 per cent of the table from three addresses, as
// in the incident test.
func threeSources(i int) string {
	switch r := i % 10; {
	case r < 6:
		return "10.99.0.11"
	case r < 9:
		return "10.99.0.12"
	}
	return "10.99.0.13"
}

// TestStartFull: a table 80% full when the first dump ends lands in the
// top view by source, the offender first, with the verdict and its key in
// the status line, without a key pressed.
func TestStartFull(t *testing.T) {
	m := autoModel(t, StartAuto)
	m.Update(BatchMsg{pressureBatch(1500, 1500, threeSources, port80, est)})
	if m.view != viewTop || m.groups.Grouping() != model.Plain(model.BySrc) {
		t.Fatalf("view %d by %v", m.view, m.groups.Grouping())
	}
	screen := plain(m)
	rows := strings.Split(screen, "\n")
	if !strings.HasPrefix(rows[m.headerHeight()+1], "10.99.0.11") {
		t.Errorf("the offender is not first:\n%s", screen)
	}
	// The message whole above the status line (too long to share it).
	if s := statusLine(m); !strings.Contains(m.status, "table 100% full") || !strings.Contains(m.status, "b blocks 10.99.0.11") ||
		!strings.Contains(oneLine(screen), m.status) || !strings.Contains(s, "? help") {
		t.Errorf("status %q, line %q", m.status, s)
	}
	// Later batches, even calmer ones, never move the view again.
	pressRun(m, "tab")
	m.Update(BatchMsg{pressureBatch(1500, 1500, threeSources, port80, est)})
	if m.view != viewFlows {
		t.Errorf("the view moved after a key")
	}
}

// TestStartKeyFirst: a key pressed before the decision keeps the view.
func TestStartKeyFirst(t *testing.T) {
	m := autoModel(t, StartAuto)
	b := pressureBatch(100, 1500, threeSources, port80, est)
	b.Snapshot.More, b.Info.Loading, b.Stats.Count = true, true, 1500
	m.Update(BatchMsg{b})
	pressRun(m, "j")
	rest := pressureBatch(1500, 1500, threeSources, port80, est)
	rest.Time = t0.Add(200 * time.Millisecond)
	m.Update(BatchMsg{rest})
	if m.view != viewFlows {
		t.Errorf("switched after a key: view %d", m.view)
	}
}

// TestStartDrops: a table at 20% whose kernel drops within the first
// second lands too; drops that start later do not move it; without
// pressure, and with --start-view flows, nothing moves.
func TestStartDrops(t *testing.T) {
	feed := func(m *Model, dropAt time.Duration) {
		for ms := time.Duration(0); ms <= 3*time.Second; ms += 100 * time.Millisecond {
			b := pressureBatch(300, 1500, threeSources, port80, est)
			b.Time = t0.Add(ms)
			if dropAt >= 0 && ms >= dropAt {
				b.Stats.Drop = 170 + uint64(ms/time.Millisecond)
			} else {
				b.Stats.Drop = 170 // since boot: not pressure
			}
			if ms > 0 {
				b = &model.Batch{Time: b.Time, Stats: b.Stats, Info: b.Info}
			}
			m.Update(BatchMsg{b})
		}
	}
	for _, c := range []struct {
		sv     StartView
		dropAt time.Duration
		top    bool
	}{
		{StartAuto, 500 * time.Millisecond, true},
		{StartAuto, 2 * time.Second, false},
		{StartAuto, -1, false},
		{StartFlows, 500 * time.Millisecond, false},
		{StartTop, -1, true},
	} {
		m := autoModel(t, c.sv)
		feed(m, c.dropAt)
		if got := m.view == viewTop; got != c.top {
			t.Errorf("%v, drops from %v: top %v, want %v", c.sv, c.dropAt, got, c.top)
		}
	}
}

// TestStartGrouping: the grouping that concentrates the flows: a few
// sources; one network of many (src/auto); one service from everywhere;
// one state of old flows.
func TestStartGrouping(t *testing.T) {
	for _, c := range []struct {
		name  string
		src   func(int) string
		dport func(int) uint16
		state func(int) uint8
		want  model.Grouping
		why   string
	}{
		{"three sources", threeSources, port80, est, model.Plain(model.BySrc), "b blocks 10.99.0.11, 60% of flows"},
		{"three equal load-test clients", func(i int) string { return fmt.Sprintf("192.0.2.%d", 11+i%3) }, port80, est,
			model.Plain(model.BySrc), "3 sources make 100% of flows in like shares, none stands out: T advises"},
		{"one /16", func(i int) string { return fmt.Sprintf("10.20.%d.%d", i/250%250, 1+i%250) }, port80, est,
			model.Grouping{By: model.BySrc, Auto: true}, "enter lists 10.20.0.0/16, 100% of flows from 3,000 sources"},
		{"spoofed", func(i int) string { return fmt.Sprintf("%d.%d.%d.1", 1+i%200, i/200%250, i%251) }, port80,
			func(int) uint8 { return model.TCPSynRecv }, model.Plain(model.ByDport), "tcp/80 gets 100% of flows"},
		{"old flows", func(i int) string { return fmt.Sprintf("%d.%d.%d.1", 1+i%200, i/200%250, i%251) },
			func(i int) uint16 { return uint16(1000 + i%5000) }, func(i int) uint8 {
				if i%10 == 0 {
					return model.TCPEstablished
				}
				return model.TCPTimeWait
			}, model.Plain(model.ByState), "T for tuning advice: TIME_WAIT holds 90% of flows"},
	} {
		m := autoModel(t, StartAuto)
		m.Update(BatchMsg{pressureBatch(3000, 3000, c.src, c.dport, c.state)})
		if m.view != viewTop || m.groups.Grouping() != c.want || !strings.Contains(m.status, c.why) {
			t.Errorf("%s: view %d by %v, status %q", c.name, m.view, m.groups.Grouping(), m.status)
		}
		// 1 groups by plain source from any grouping, src/auto included.
		pressRun(m, "1")
		if m.groups.Grouping() != model.Plain(model.BySrc) {
			t.Errorf("%s: 1 leaves the grouping %v", c.name, m.groups.Grouping())
		}
	}
}
