package hostns

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

// TestProcStart: a process's start time by the wall clock, from
// /proc/PID/stat, is when it started, to the next clock tick (10 ms).
func TestProcStart(t *testing.T) {
	d := &Discoverer{}
	before := time.Now()
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	got := d.procStart(cmd.Process.Pid)
	if got.Before(before) || got.After(after.Add(20*time.Millisecond)) {
		t.Errorf("sleep started between %v and %v; procStart says %v", before, after, got)
	}
	self := d.procStart(os.Getpid())
	if self.IsZero() || self.After(before) {
		t.Errorf("this test started at %v?", self)
	}
	if !d.procStart(1 << 30).IsZero() {
		t.Error("a start time for a process that does not exist")
	}
	// In a fixture tree, processes are not this machine's: unknown.
	if !(&Discoverer{Root: t.TempDir()}).procStart(os.Getpid()).IsZero() {
		t.Error("a start time in a fixture tree")
	}
}

// TestSamplerSince: a namespace a sample found existed at that sample's
// time: a later sample keeps the earliest time known.
func TestSamplerSince(t *testing.T) {
	root := t.TempDir()
	mkproc(t, root, 1, 4026531840, "systemd", "0::/init.scope\n")
	mkproc(t, root, 7, 4026532000, "busy", "0::/x\n")
	s := &Sampler{D: &Discoverer{Root: root}}
	t0 := time.Unix(1000, 0)
	for i, at := range []time.Time{t0, t0.Add(time.Hour)} {
		snap, err := s.Sample(at)
		if err != nil {
			t.Fatal(err)
		}
		r, ok := snap.Find(4026532000)
		if !ok || !r.Since.Equal(t0) {
			t.Errorf("sample %d: since %v, want %v", i, r.Since, t0)
		}
		if m, _ := hostModel(snap).Find(4026532000); !m.Since.Equal(t0) {
			t.Errorf("sample %d: model row since %v", i, m.Since)
		}
	}
}

func hostModel(s Snapshot) *model.HostSnapshot {
	m := s.Model()
	return &m
}
