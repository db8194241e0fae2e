package ui_test

import (
	"bytes"
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

// kindsDir holds inputs of issue 10's kinds beyond its examples (IPv6
// flows between IPv4-mapped addresses, protocols without ports), shared
// with internal/app's --once tests.
const kindsDir = "../internal/app/testdata/kinds"

// replayAt returns a program showing the replay of file (in issue10Dir)
// at w x h, at a fixed clock.
func replayAt(t *testing.T, file string, w, h int) *ui.Model {
	t.Helper()
	return replayPathAt(t, filepath.Join(issue10Dir, file), w, h)
}

// replayPathAt is replayAt for a file anywhere.
func replayPathAt(t *testing.T, path string, w, h int) *ui.Model {
	t.Helper()
	file := filepath.Base(path)
	f, err := os.Open(path)
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

// TestKindScreens: the rows of kinds beyond issue 10's examples at 80 and
// 160 columns, and the detail pane of an IPv6 flow between IPv4-mapped
// addresses (its second row): its addresses IPv6 and bracketed, never the
// IPv4 flow's.
func TestKindScreens(t *testing.T) {
	for _, file := range []string{"mapped.txt", "noports.txt", "icmp-xml.xml"} {
		for _, w := range []int{80, 160} {
			name := file[:len(file)-len(filepath.Ext(file))] + "_" + map[int]string{80: "80x12", 160: "160x12"}[w]
			t.Run(name, func(t *testing.T) {
				golden.RequireEqual(t, ascii(t, replayPathAt(t, filepath.Join(kindsDir, file), w, 12)))
			})
		}
	}
	t.Run("mapped_detail_80x24", func(t *testing.T) {
		m := replayPathAt(t, filepath.Join(kindsDir, "mapped.txt"), 80, 24)
		m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
		m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		screen := ascii(t, m)
		for _, want := range []string{"[::ffff:192.0.2.1]:40000 → [::ffff:198.51.100.1]:443", "tcp (ipv6)"} {
			if !bytes.Contains(screen, []byte(want)) {
				t.Errorf("the detail pane lacks %q:\n%s", want, screen)
			}
		}
		golden.RequireEqual(t, screen)
	})
}
