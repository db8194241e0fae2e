package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/model"
)

// TestDetailKeepsItsFlow: the detail pane shows the flow it opened on.
// When the table loses that flow (conntrack -D), it says the flow is gone
// and keeps its last known values; it showed the flow that took its row
// instead, under the same pane, without a word.
func TestDetailKeepsItsFlow(t *testing.T) {
	m := newTestModel(t, 80, 24)
	m.Update(BatchMsg{snapshotBatch(30)})
	pressRun(m, "j", "j", "enter")
	if m.mode() != modeDetail || !strings.Contains(plain(m), "Flow 3 ") {
		t.Fatalf("enter on the third row:\n%s", plain(m))
	}
	gone := *m.table.At(m.table.Find(m.sel))
	m.Update(BatchMsg{events(model.EventDestroy, gone)})
	screen := plain(m)
	for _, want := range []string{"GONE: the table no longer holds this flow", "Flow 3 ", "kernel id  3", "192.0.2.2:40002"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the pane lacks %q:\n%s", want, screen)
		}
	}
	for _, other := range []string{"Flow 4 ", "192.0.2.3:"} {
		if strings.Contains(screen, other) {
			t.Errorf("the pane shows another flow (%q):\n%s", other, screen)
		}
	}
	golden.RequireEqual(t, asciiScreen(t, m))
	// A flow that comes back under the same key is another flow: the
	// pane stays on the one it showed, gone.
	m.Update(BatchMsg{events(model.EventNew, gone)})
	if !strings.Contains(plain(m), "GONE") {
		t.Errorf("a new flow with the old key revived the pane:\n%s", plain(m))
	}
	pressRun(m, "esc")
	if m.mode() != modeBrowse || m.detail != nil {
		t.Fatal("esc did not close the pane")
	}
}
