package ui_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/demo"
	"github.com/cttop/cttop/ui"
)

// demoAt returns a program fed with the demo source's batches from its
// start to secs seconds later, at a fixed clock.
func demoAt(t *testing.T, w, h int, secs int) *ui.Model {
	t.Helper()
	m := ui.New(ui.Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), ReadOnly: "demo"})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	d := demo.New(demo.Config{Seed: 1})
	start := time.Unix(1_800_000_000, 0)
	for ms := 0; ms <= secs*1000; ms += 100 {
		m.Update(ui.BatchMsg{Batch: d.Step(start.Add(time.Duration(ms) * time.Millisecond))})
	}
	return m
}

// press sends a key by name, or text:... as typed characters.
func press(m *ui.Model, k string) {
	switch {
	case k == "enter":
		m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	case k == "tab":
		m.Update(tea.KeyPressMsg{Code: tea.KeyTab})
	case strings.HasPrefix(k, "text:"):
		for _, r := range strings.TrimPrefix(k, "text:") {
			m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		}
	default:
		m.Update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
	}
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
		{"top_sources_port80_120x40", 120, 40, 20, []string{"/", "text:dst port 80", "enter", "tab"}},
		{"top_states_80x24", 80, 24, 20, []string{"4"}},
		{"filter_prompt_120x40", 120, 40, 20, []string{"/", "text:port 80 and"}},
		{"detail_dnat_120x40", 120, 40, 20, []string{"/", "text:dnat", "enter", "enter"}},
		{"help_80x24", 80, 24, 3, []string{"?"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := demoAt(t, c.w, c.h, c.secs)
			for _, k := range c.keys {
				press(m, k)
			}
			golden.RequireEqual(t, ascii(t, m))
		})
	}
}
