package ui_test

import (
	"bytes"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source"
	"github.com/cttop/cttop/ui"
)

// demoAt returns a program fed with the demo source's batches from its
// start to secs seconds later, at a fixed clock.
func demoAt(t *testing.T, w, h int, secs int) *ui.Model {
	t.Helper()
	m := ui.New(ui.Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error)})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	d := source.NewDemo(source.DemoConfig{Seed: 1})
	start := time.Unix(1_800_000_000, 0)
	for ms := 0; ms <= secs*1000; ms += 100 {
		m.Update(ui.BatchMsg{Batch: d.Step(start.Add(time.Duration(ms) * time.Millisecond))})
	}
	return m
}

// ascii renders the view in the ASCII colour profile: no colours, but the
// attributes (the cursor's reverse video) stay.
func ascii(t *testing.T, m *ui.Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := colorprofile.NewWriter(&buf, nil)
	w.Profile = colorprofile.ASCII
	if _, err := w.WriteString(m.View().Content); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDemoScreens(t *testing.T) {
	for _, c := range []struct {
		name       string
		w, h, secs int
		keys       []string
	}{
		{"calm_80x24", 80, 24, 3, nil},
		{"flood_120x40", 120, 40, 20, nil},
		{"flood_by_dport_80x24", 80, 24, 20, []string{">", ">", ">", "r", "j", "j"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := demoAt(t, c.w, c.h, c.secs)
			for _, k := range c.keys {
				m.Update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
			}
			golden.RequireEqual(t, ascii(t, m))
		})
	}
}
