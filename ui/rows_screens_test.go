package ui_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/replay"
	"github.com/cttop/cttop/ui"
)

// issue10Dir holds the replay inputs of issue 10's examples, shared with
// internal/app's --once tests.
const issue10Dir = "../internal/app/testdata/issue10"

// replayAt returns a program showing the replay of file at w x h, at a
// fixed clock.
func replayAt(t *testing.T, file string, w, h int) *ui.Model {
	t.Helper()
	f, err := os.Open(filepath.Join(issue10Dir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	now := time.Unix(1_800_000_000, 0)
	sn, _, err := replay.Load(f, now)
	if err != nil {
		t.Fatal(err)
	}
	m := ui.New(ui.Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), ReadOnly: "replay"})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(ui.BatchMsg{Batch: &model.Batch{Time: now, Snapshot: sn,
		Info: model.SourceInfo{Kind: "replay", Name: file, EventMode: model.EventsUnknown}}})
	return m
}

// TestRowScreens: the rows of issue 10's kinds of flow (offloaded flows
// without timeout or state, GRE keys, ICMP type/code/id, an IPv6 DNAT,
// SCTP states, zones of one direction) at 80 and 160 columns.
func TestRowScreens(t *testing.T) {
	for _, file := range []string{"offload.txt", "gre.txt", "icmp.txt", "ipv6-nat.txt", "sctp.txt", "zone-orig.txt"} {
		for _, w := range []int{80, 160} {
			name := file[:len(file)-len(filepath.Ext(file))] + "_" + map[int]string{80: "80x12", 160: "160x12"}[w]
			t.Run(name, func(t *testing.T) {
				golden.RequireEqual(t, ascii(t, replayAt(t, file, w, 12)))
			})
		}
	}
}
