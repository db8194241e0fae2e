package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/cttop/cttop/model"
)

// TestKernelAgeFirstFrame: the kernel log's lines may come before the
// table's first batch; the header's age of the latest is right from the
// first frame (it said 0s, then 2m once the batch came).
func TestKernelAgeFirstFrame(t *testing.T) {
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), Host: make(chan HostUpdate)})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 24})
	at := hostT0.Add(90 * time.Second)
	line := model.LogLine{Kind: model.LogTableFull, Time: at.Add(-2*time.Minute - 5*time.Second), Buffered: true,
		Text: "nf_conntrack: nf_conntrack: table full, dropping packet"}
	m.Update(hostMsg{HostUpdate{Lines: []model.LogLine{line}, At: at}, true})
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "kernel 2m ago: table full") {
		t.Errorf("first frame, before any batch:\n%s", v)
	}
	// Without a clock at all, no age rather than a wrong one.
	m = New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), Host: make(chan HostUpdate)})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 24})
	m.Update(hostMsg{HostUpdate{Lines: []model.LogLine{line}}, true})
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "kernel: table full") || strings.Contains(v, "0s ago") {
		t.Errorf("first frame without a clock:\n%s", v)
	}
}
