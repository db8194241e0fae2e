package host

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/hostns"
	"github.com/cttop/cttop/source/kmsg"
)

func TestWatcherSnapshots(t *testing.T) {
	w := New(Config{
		Interval:   10 * time.Millisecond,
		KernelLog:  "/nonexistent/kmsg",
		Discoverer: &hostns.Discoverer{Root: "../hostns/testdata/host", Enter: func(string, string) ([]byte, error) { return nil, errors.New("no") }},
		EntryBytes: 384, BucketBytes: 8,
	})
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Update)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, out) }()
	first := <-out
	if !errors.Is(first.LogErr, kmsg.ErrPermission) {
		t.Errorf("log error %v", first.LogErr)
	}
	if first.Host == nil || len(first.Host.Rows) != 11 || first.Host.EntryBytes != 384 {
		t.Fatalf("first snapshot %+v", first.Host)
	}
	// The receiver was slow: later updates are merged, the newest
	// snapshot wins, rates come with the second sample.
	time.Sleep(50 * time.Millisecond)
	u := <-out
	if u.Host == nil || u.LogErr != nil {
		t.Fatalf("second update %+v", u)
	}
	r, ok := u.Host.Find(4026532400)
	if !ok || !r.Known || !r.RatesValid || r.Entries != 50000 {
		t.Errorf("pod row %+v", r)
	}
	if r, _ := u.Host.Find(4026532400); r.Name != "kube-system/coredns-5d78c9869d-x2x7q" {
		t.Errorf("name %q", r.Name)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestUpdateMergeBounded(t *testing.T) {
	var u Update
	for i := 0; i < maxHeldLines+10; i++ {
		u.merge(&Update{Lines: []model.LogLine{{Seq: uint64(i)}}})
	}
	if len(u.Lines) != maxHeldLines || u.Dropped != 10 || u.Lines[0].Seq != 10 {
		t.Errorf("%d lines, %d dropped, first %d", len(u.Lines), u.Dropped, u.Lines[0].Seq)
	}
	h := &model.HostSnapshot{Max: 1}
	u.merge(&Update{Host: h})
	u.merge(&Update{Lines: []model.LogLine{{}}})
	if u.Host != h {
		t.Error("a lines-only update dropped the snapshot")
	}
}
