package app

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/cttop/cttop/ui"
)

// TestTracerTimesKeys: with --log, each key writes one line with the time
// its Update and the View after it took; frames without a key write none.
func TestTracerTimesKeys(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tr := newTracer(ui.New(ui.Config{}), log)
	tr.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	tr.View()
	if strings.Contains(buf.String(), "msg=key") {
		t.Fatalf("a frame without a key was logged as one:\n%s", buf.String())
	}
	tr.Update(tea.KeyPressMsg{Code: '>', Text: ">"})
	tr.View()
	tr.View()
	out := buf.String()
	if n := strings.Count(out, "msg=key"); n != 1 {
		t.Fatalf("%d key lines, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "key=>") || !strings.Contains(out, "update_us=") || !strings.Contains(out, "view_us=") {
		t.Errorf("key line lacks the key or its times:\n%s", out)
	}
}
