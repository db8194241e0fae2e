package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

// TestLoadingSaysLoading feeds a dump in parts, as the kernel source hands
// over its first dump: the header and the status line say loading, with
// the flows read of the kernel's count, at 80x24 and at 160x50; never
// "lost" nor "RESYNCING". After the last part the flows are the dump's,
// and the words go.
func TestLoadingSaysLoading(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 50}} {
		m := newTestModel(t, size[0], size[1])
		info := model.SourceInfo{Kind: "kernel", EventMode: model.EventsOn, Loading: true}
		stats := model.TableStats{Valid: true, Count: 1000, Max: 4096}
		send := func(from, to int, cont, more bool) string {
			sn := &model.Snapshot{Continues: cont, More: more}
			for i := from; i < to; i++ {
				f := flow(i, 80)
				f.SetID(uint32(i + 1))
				f.Orig.SrcPort = uint16(i)
				f.Reply = f.Orig.Inverse()
				sn.Add(&f, nil)
			}
			info.Loading = more
			m.Update(BatchMsg{&model.Batch{Time: t0.Add(time.Duration(to) * time.Millisecond), Snapshot: sn, Info: info, Stats: stats}})
			return m.View().Content
		}
		// Before any flow: loading, not "no flows".
		m.Update(BatchMsg{&model.Batch{Time: t0, Info: info, Stats: stats}})
		v := m.View().Content
		for _, want := range []string{"LOADING 0 of the kernel's 1,000 flows", "no flows yet  loading 0%"} {
			if !strings.Contains(v, want) {
				t.Fatalf("%v: before the first part, no %q:\n%s", size, want, v)
			}
		}
		v = send(0, 400, false, true)
		for _, want := range []string{"LOADING 400 of the kernel's 1,000 flows", "1/400  loading 40%"} {
			if !strings.Contains(v, want) {
				t.Fatalf("%v: after 400 flows, no %q:\n%s", size, want, v)
			}
		}
		for _, bad := range []string{"lost", "RESYNC", "stale"} {
			if strings.Contains(v, bad) {
				t.Fatalf("%v: loading screen says %q:\n%s", size, bad, v)
			}
		}
		v = send(400, 1000, true, false)
		if strings.Contains(v, "LOADING") || strings.Contains(v, "loading") {
			t.Fatalf("%v: still loading after the last part:\n%s", size, v)
		}
		if !strings.Contains(v, "1/1,000") {
			t.Fatalf("%v: after the last part, not 1,000 flows:\n%s", size, v)
		}
	}
}

// TestStaleSaysWhy: the header names why a resync runs, and says "lost"
// only for what the kernel reported lost (ENOBUFS).
func TestStaleSaysWhy(t *testing.T) {
	for why, want := range map[string]string{
		"events lost":              "RESYNCING: events lost, view may be stale",
		"event listener restarted": "RESYNCING: event listener restarted, view may be stale",
		"event datagram cut short": "RESYNCING: event datagram cut short, view may be stale",
	} {
		m := newTestModel(t, 160, 50)
		b := snapshotBatch(3)
		b.Info.Stale, b.Info.StaleWhy = true, why
		m.Update(BatchMsg{b})
		v := m.View().Content
		if !strings.Contains(v, want) {
			t.Fatalf("stale for %q: no %q:\n%s", why, want, v)
		}
		if why != "events lost" && strings.Contains(v, "lost") {
			t.Fatalf("stale for %q says lost:\n%s", why, v)
		}
	}
}

// TestTopViewCounts: at 70,000 flows, tab counts the groups in the
// background; the screen says so with the number of flows, the status line
// too, and the groups appear when the count ends (the command the update
// returns waits for it, so no batch is needed).
func TestTopViewCounts(t *testing.T) {
	m := newTestModel(t, 120, 30)
	b := &model.Batch{Time: t0, Snapshot: &model.Snapshot{},
		Info: model.SourceInfo{Kind: "kernel", EventMode: model.EventsOn}}
	for i := 0; i < 70_000; i++ {
		f := flow(i%250, 80)
		f.SetID(uint32(i + 1))
		f.Orig.SrcPort = uint16(i)
		f.Reply = f.Orig.Inverse()
		b.Snapshot.Add(&f, nil)
	}
	m.Update(BatchMsg{b})
	_, cmd := m.Update(keyMsg("tab"))
	v := m.View().Content
	if counting, _ := m.groups.Counting(); counting {
		t.Log("the first frame after tab said counting")
		for _, want := range []string{"counting 70,000 flows by src…", "counting groups"} {
			if !strings.Contains(v, want) {
				t.Fatalf("while counting, no %q:\n%s", want, v)
			}
		}
		if cmd == nil {
			t.Fatal("no command waits for the count")
		}
		<-m.groups.Done()
		m.Update(groupsDoneMsg{})
		v = m.View().Content
	}
	if !strings.Contains(v, "1/250 src groups") || !strings.Contains(v, "192.0.2.0") {
		t.Fatalf("groups not shown after the count:\n%s", v)
	}
}
