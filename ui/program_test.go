package ui_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/demo"
	"github.com/cttop/cttop/ui"
)

// TestProgramWithDemoSource runs the whole program (a real tea.Program,
// the demo source's own goroutine and its handoff) and drives it with keys:
// the flood arrives, the top view by port appears, q quits.
func TestProgramWithDemoSource(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batches := make(chan *model.Batch)
	done := make(chan error, 1)
	demo := demo.New(demo.Config{Seed: 3, Interval: 20 * time.Millisecond})
	go func() { done <- demo.Run(ctx, batches) }()

	// The UI gets a Done channel of its own: a command still waiting for a
	// batch when the program ends would take the source's result.
	m := ui.New(ui.Config{Batches: batches, Done: make(chan error), Sort: model.ColSrc, ReadOnly: "demo"})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("DEMO")) },
		teatest.WithDuration(10*time.Second))
	tm.Type("3")
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("FLOWS")) },
		teatest.WithDuration(10*time.Second))
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*ui.Model)
	if final.Err() != nil {
		t.Fatalf("program ended with %v", final.Err())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo source: %v", err)
	}
}
