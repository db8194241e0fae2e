package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/cttop/cttop/model"
)

// typeKeys presses the keys that type s and returns the last command.
func typeKeys(m *Model, s string) tea.Cmd {
	var cmd tea.Cmd
	for _, r := range s {
		k := tea.KeyPressMsg{Code: r, Text: string(r)}
		if r == ' ' {
			k = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
		}
		_, cmd = m.Update(k)
	}
	return cmd
}

// TestPromptCountsAside: from 65,536 flows the typed filter's match count
// is taken off the frame. The frame after the key says it is counting, at
// 80 columns without a line too wide; a newer key stops the count it
// replaces; the count, once done, is the true one.
func TestPromptCountsAside(t *testing.T) {
	m := newTestModel(t, 80, 24)
	b := &model.Batch{Time: t0, Snapshot: &model.Snapshot{},
		Info: model.SourceInfo{Kind: "kernel", EventMode: model.EventsOn}}
	want := 0
	for i := 0; i < 70_000; i++ {
		port := uint16(80)
		if i%3 == 0 {
			port = 443
			want++
		}
		f := flow(i%250, port)
		f.SetID(uint32(i + 1))
		f.Orig.SrcPort = uint16(i)
		f.Reply = f.Orig.Inverse()
		b.Snapshot.Add(&f, nil)
	}
	m.Update(BatchMsg{b})
	m.Update(keyMsg("/"))
	typeKeys(m, "dst port 44")
	first := m.previewRun
	if first == nil {
		t.Fatal("no count under way after a filter that parses")
	}
	typeKeys(m, "3")
	r := m.previewRun
	if r == nil || r == first || !first.stop.Load() {
		t.Fatal("the newer key did not stop the count it replaces")
	}
	v := m.View().Content
	if !strings.Contains(v, "counting the matches of 70,000…") {
		t.Fatalf("the frame after the key does not say it counts:\n%s", v)
	}
	for _, l := range strings.Split(v, "\n") {
		if w := lipgloss.Width(l); w > 80 {
			t.Fatalf("line of %d cells at 80 columns: %q", w, l)
		}
	}
	<-r.done
	m.Update(previewDoneMsg{r})
	v = m.View().Content
	if s := "→ 23,334 of 70,000 match"; want != 23334 || !strings.Contains(v, s) {
		t.Fatalf("want %d matches and %q after the count:\n%s", want, s, v)
	}
	// A stopped count that ends is not shown.
	m.Update(previewDoneMsg{first})
	if v2 := m.View().Content; v2 != v {
		t.Fatalf("a stopped count changed the screen:\n%s", v2)
	}
}
