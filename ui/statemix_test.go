package ui

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/model"
)

// prefixesBatch is a replay-like table of 16 /16s of sources, 5,000
// addresses each, spread over it (80,000 flows, more addresses than the top view sums in
// one frame): the flows of 10.i.0.0/16 are ESTABLISHED, and one in
// i+3 of them TIME_WAIT.
func prefixesBatch() *model.Batch {
	b := snapshotBatch(0)
	b.Info = model.SourceInfo{Kind: "replay", Name: "ct.txt"}
	n := 0
	for i := range 16 {
		for j := range 5000 {
			f := flow(0, 443)
			// Spread over the /16, so that no narrower prefix holds 5%.
			f.Orig.Src = model.AddrFrom(netip.AddrFrom4([4]byte{10, byte(i), byte(j), byte(j >> 8)}))
			if j%(i+3) == 0 {
				f.SetProtoState(model.TCPTimeWait)
			}
			n++
			f.SetID(uint32(n))
			f.Reply = f.Orig.Inverse()
			b.Snapshot.Add(&f, nil)
		}
	}
	b.Stats = model.TableStats{Valid: true, Count: uint64(n), Max: 262144}
	return b
}

// TestPrefixRowsHaveStates: every heavy-prefix row (6) shows its state
// mix, however many addresses the rows hold together. Only the first
// rows had it (the sum was bounded per frame and went to them), the
// others showed "-" for good, as if no state were known, while
// --once --group src/auto gave every row its states.
func TestPrefixRowsHaveStates(t *testing.T) {
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), ReadOnly: "replay"})
	m.Update(tea80x24())
	m.Update(BatchMsg{prefixesBatch()})
	pressRun(m, "6") // runs the frames that sum the rows left waiting
	screen := plain(m)
	rows := 0
	for _, l := range strings.Split(screen, "\n") {
		if !strings.HasPrefix(l, "10.") {
			continue
		}
		rows++
		var i int
		fmt.Sscanf(l, "10.%d.", &i)
		tw := (5000 + i + 2) / (i + 3)                                        // j%(i+3) == 0 for j < 5000
		want := fmt.Sprintf("ESTABLISHED %d%% +1", (100*(5000-tw)+2500)/5000) // TIME_WAIT does not fit at 80
		if !strings.Contains(l, want) {
			t.Errorf("row %q lacks %q", l, want)
		}
	}
	if rows != 16 || m.groups.DetailPending() {
		t.Fatalf("%d rows, pending %v:\n%s", rows, m.groups.DetailPending(), screen)
	}
	golden.RequireEqual(t, asciiScreen(t, m))
}

// TestPrefixRowsCounting: a row whose states are not summed yet says
// "counting…", never "-" (which says no state is known).
func TestPrefixRowsCounting(t *testing.T) {
	m := New(Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), ReadOnly: "replay"})
	m.Update(tea80x24())
	m.Update(BatchMsg{prefixesBatch()})
	m.Update(keyMsg("6"))
	if d := m.groups.Done(); d != nil {
		<-d // the rows counted off the frame: the first frame that shows them
		m.Update(groupsDoneMsg{})
	}
	if !m.groups.DetailPending() {
		t.Fatal("every row summed in the first frame: 80,000 addresses are within heavyDetailLimit")
	}
	screen := plain(m)
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "10.") && strings.HasSuffix(strings.TrimSpace(l), " -") {
			t.Errorf("a waiting row says no state is known: %q", l)
		}
	}
	if !strings.Contains(screen, "counting…") {
		t.Errorf("no row is said to be counted:\n%s", screen)
	}
}
