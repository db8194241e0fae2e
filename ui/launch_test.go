package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/model"
)

// The first screens of a launch (issue 17): before any batch, while the
// first dump or a replay's file loads. They say what happens, never "0
// flows" nor a count that is not known yet, and a replay's never speak of
// the kernel.

// ctFileBytes is the size of the newcomer's replay: a million flows.
const ctFileBytes = 162_055_363

// replayLoading is a model at w x h given the first batches of a replay
// that has read read bytes of its file and handed n flows over.
func replayLoading(t *testing.T, w, h int, read int64, n int, ascii bool) *Model {
	t.Helper()
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), ReadOnly: "replay", ASCII: ascii})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	info := model.SourceInfo{Kind: "replay", Name: "/tmp/lat/ct1m.txt", EventMode: model.EventsUnknown, Loading: true,
		ReadBytes: read, FileBytes: ctFileBytes, Entries: model.CountFileFlows, Rows: model.CountFileFlows}
	b := &model.Batch{Time: t0, Info: info}
	if n > 0 {
		b.Snapshot = &model.Snapshot{More: true}
		for i := 0; i < n; i++ {
			f := flow(i, 80)
			f.Orig.SrcPort = uint16(i)
			f.Reply = f.Orig.Inverse()
			b.Snapshot.Add(&f, nil)
		}
	}
	m.Update(BatchMsg{b})
	return m
}

// netnsLoading is a model at w x h whose first dump of namespace web1's
// table has read 90,112 of the kernel's 190,751 flows.
func netnsLoading(t *testing.T, w, h int, ascii bool) *Model {
	t.Helper()
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), ASCII: ascii})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	b := &model.Batch{Time: t0, Snapshot: &model.Snapshot{More: true},
		Stats: model.TableStats{Valid: true, Count: 190_751, Max: 262_144},
		Info:  model.SourceInfo{Kind: "kernel", Name: "web1", EventMode: model.EventsOn, Loading: true, Entries: model.CountKernel, Rows: model.CountDump}}
	for i := 0; i < 90_112; i++ {
		f := flow(i%200, 80)
		f.Orig.SrcPort = uint16(i)
		f.SetID(uint32(i + 1))
		f.Reply = f.Orig.Inverse()
		b.Snapshot.Add(&f, nil)
	}
	m.Update(BatchMsg{b})
	return m
}

// TestReplayLoadingSaysFile: a replay's first screens say that the file
// is loading, with the bytes read of its size and the rows read so far;
// never "0 flows", "waiting for data" or the kernel; the last part ends
// the words.
func TestReplayLoadingSaysFile(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		m := replayLoading(t, size[0], size[1], 0, 0, false)
		v := ansi.Strip(m.View().Content)
		for _, want := range []string{"replay of /tmp/lat/ct1m.txt", "no flows read yet", "LOADING the file: 0 B of 155 MiB read", "no flows yet  loading 0%"} {
			if !strings.Contains(v, want) {
				t.Errorf("%v: before the first part, no %q:\n%s", size, want, v)
			}
		}
		m = replayLoading(t, size[0], size[1], 52_428_800, 8192, false)
		v = ansi.Strip(m.View().Content)
		for _, want := range []string{"8,192 flows so far", "LOADING the file: 50 MiB of 155 MiB read", "1/8,192  loading 32%"} {
			if !strings.Contains(v, want) {
				t.Errorf("%v: after 8,192 flows, no %q:\n%s", size, want, v)
			}
		}
		for _, v := range []string{v, ansi.Strip(replayLoading(t, size[0], size[1], 0, 0, false).View().Content)} {
			for _, bad := range []string{"kernel", "0 flows", "waiting for data", "not recorded", "statistics"} {
				if strings.Contains(v, bad) {
					t.Errorf("%v: a replay's loading screen says %q:\n%s", size, bad, v)
				}
			}
		}
		sn := &model.Snapshot{Continues: true}
		f := flow(9000, 80)
		sn.Add(&f, nil)
		m.Update(BatchMsg{&model.Batch{Time: t0, Snapshot: sn,
			Stats: model.TableStats{Valid: true, Unrecorded: true, Count: 8193},
			Info:  model.SourceInfo{Kind: "replay", Name: "/tmp/lat/ct1m.txt", EventMode: model.EventsUnknown, Entries: model.CountFileFlows, Rows: model.CountFileFlows}}})
		v = ansi.Strip(m.View().Content)
		if strings.Contains(v, "LOADING") || strings.Contains(v, "loading") || !strings.Contains(v, "1/8,193") || !strings.Contains(v, "8,193 flows") {
			t.Errorf("%v: after the last part:\n%s", size, v)
		}
	}
}

// TestWaitingSaysNoCount: before the first batch the screen knows no
// count and no rate: it says it waits, not "0 flows" nor "0/s".
func TestWaitingSaysNoCount(t *testing.T) {
	m := New(Config{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	v := ansi.Strip(m.View().Content)
	if !strings.Contains(v, "waiting for data") {
		t.Errorf("no waiting:\n%s", v)
	}
	for _, bad := range []string{"0 flows", "0/s", "statistics"} {
		if strings.Contains(v, bad) {
			t.Errorf("before any batch the screen says %q:\n%s", bad, v)
		}
	}
}

// TestLoadingNeverCut: at every width from 1 to 300 columns the loading
// line of a namespace's first dump and of a replay holds whole parts
// only: a form of the loading indicator whole (its words shortened at
// narrow widths), never cut at the terminal's edge. The indicator stays
// longest: from the width of its shortest form on, it is there.
func TestLoadingNeverCut(t *testing.T) {
	for name, m := range map[string]*Model{
		"netns":  netnsLoading(t, 80, 24, false),
		"replay": replayLoading(t, 80, 24, 52_428_800, 8192, false),
	} {
		var forms []string
		shortest := 1 << 30
		for _, f := range m.loadingForms() {
			forms = append(forms, ansi.Strip(f))
			shortest = min(shortest, lipgloss.Width(f))
		}
		for w := 1; w <= 300; w++ {
			m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
			line := m.frame()[1]
			if lw := lipgloss.Width(line); lw > w {
				t.Errorf("%s at %d columns: the loading line is %d wide: %q", name, w, lw, ansi.Strip(line))
			}
			text := ansi.Strip(line)
			found := ""
			for _, f := range forms {
				if strings.Contains(text, f) && len(f) > len(found) {
					found = f
				}
			}
			switch {
			case strings.Contains(text, "LOADING") && found == "":
				t.Errorf("%s at %d columns: the loading indicator is cut: %q", name, w, text)
			case w >= shortest && found == "":
				t.Errorf("%s at %d columns: no loading indicator: %q", name, w, text)
			}
		}
	}
	// At 80 columns both say how far, in numbers.
	for name, want := range map[string]string{
		"netns":  "LOADING 90,112 of 190,751 flows",
		"replay": "LOADING the file: 50 MiB of 155 MiB read",
	} {
		m := netnsLoading(t, 80, 24, false)
		if name == "replay" {
			m = replayLoading(t, 80, 24, 52_428_800, 8192, false)
		}
		if line := ansi.Strip(m.frame()[1]); !strings.Contains(line, want) {
			t.Errorf("%s at 80 columns: no %q in %q", name, want, line)
		}
	}
}

// TestLoadingScreens: the first screens at 80x24 and 160x50.
func TestLoadingScreens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		sz := map[int]string{80: "80x24", 160: "160x50"}[size[0]]
		t.Run("netns_"+sz, func(t *testing.T) {
			golden.RequireEqual(t, asciiScreen(t, netnsLoading(t, size[0], size[1], false)))
		})
		t.Run("replay_"+sz, func(t *testing.T) {
			golden.RequireEqual(t, asciiScreen(t, replayLoading(t, size[0], size[1], 52_428_800, 8192, false)))
		})
	}
}
