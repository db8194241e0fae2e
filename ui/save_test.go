package ui

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/replay"
)

// saveTo presses w, types path and enter, and runs the save.
func saveTo(t *testing.T, m *Model, path string) {
	t.Helper()
	press(m, "w")
	if m.mode() != modeSave {
		t.Fatalf("w: mode %v, want the save prompt", m.mode())
	}
	m.host.save.input.SetValue(path)
	_, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter saved nothing")
	}
	msg, ok := cmd().(tableSavedMsg)
	if !ok {
		t.Fatalf("the save's message is %T", msg)
	}
	m.Update(msg)
}

// TestSaveReplays is issue 15's "keep the evidence": w writes the table and
// its history to a new file (mode 0600) that --replay reads back, every
// flow and every second of the history; it never writes over a file.
func TestSaveReplays(t *testing.T) {
	m := hostModel(t, 80, 24)
	path := filepath.Join(t.TempDir(), "evidence.json")
	saveTo(t, m, path)
	if want := "saved to " + path + ": 30 flows and 1m31s of history"; !strings.HasPrefix(m.status, want) {
		t.Errorf("status %q, want %q", m.status, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := replay.New(path, f)
	tab, _, err := r.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len() != m.table.Len() {
		t.Errorf("replayed %d flows, saved %d", tab.Len(), m.table.Len())
	}
	got, want := r.History(), m.history()
	if got == nil || got.Len() != want.Len() {
		t.Fatalf("replayed history %v, want %d seconds", got, want.Len())
	}
	for _, s := range []model.Series{model.SeriesEntries, model.SeriesDrops} {
		same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) } // NaN: unknown
		if g, w := got.Values(s, want.Len()), want.Values(s, want.Len()); !slices.EqualFunc(g, w, same) {
			t.Errorf("series %v replayed as %v, saved %v", s, g, w)
		}
	}

	// Never over a file that is there.
	before, _ := os.ReadFile(path)
	m2 := hostModel(t, 80, 24)
	m2.Update(BatchMsg{func() *model.Batch { b := snapshotBatch(5); b.Time = hostT0.Add(100 * time.Second); return b }()})
	saveTo(t, m2, path)
	if !strings.HasPrefix(m2.status, "not saved: ") {
		t.Errorf("a second save to %s: %q", path, m2.status)
	}
	if after, _ := os.ReadFile(path); !slices.Equal(before, after) {
		t.Errorf("the file changed under a refused save")
	}
}

// TestSavedMessageWhole: the message after w leads with the file's path
// and is on screen whole at 80x24 and 100x24 (wrapped above the status
// line, which keeps ? help), also at 80x6 where the table gives up its
// rows for it; a path wider than the line breaks after a '/'.
func TestSavedMessageWhole(t *testing.T) {
	m := hostModel(t, 80, 24)
	dir := filepath.Join(t.TempDir(), "incident-2026-11-30-table-full")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "evidence-before-the-block.json")
	saveTo(t, m, path)
	if !strings.HasPrefix(m.status, "saved to "+path+": ") {
		t.Fatalf("status %q does not lead with the path", m.status)
	}
	for _, sz := range [][2]int{{80, 24}, {100, 24}, {80, 6}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		lines := m.frame()
		screen := ansi.Strip(strings.Join(lines, "\n"))
		// A path wider than the line goes on at the next after a '/'.
		if !strings.Contains(strings.Join(strings.Fields(screen), ""), strings.Join(strings.Fields(m.status), "")) {
			t.Errorf("%dx%d: %q is not whole on screen:\n%s", sz[0], sz[1], m.status, screen)
		}
		if last := ansi.Strip(lines[len(lines)-1]); !strings.Contains(last, "? help") {
			t.Errorf("%dx%d: status line %q", sz[0], sz[1], last)
		}
	}
}
