package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

// linesOf is n lines of the synthetic text table from line from on.
func linesOf(from, n int) []byte {
	var b []byte
	for i := from; i < from+n; i++ {
		b = appendReplayLine(b, "text", i)
	}
	return b
}

// loadedTable is the table Load makes of doc: what a load in parts must
// end with.
func loadedTable(t *testing.T, doc []byte) *model.Table {
	t.Helper()
	r := New("doc", bytes.NewReader(doc))
	if err := r.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	tab, _, err := r.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// sameTable reports the first difference between two tables' flows,
// their rare attributes included ("" when none).
func sameTable(got, want *model.Table) string {
	if got.Len() != want.Len() {
		return "lengths differ"
	}
	for slot := int32(0); slot < want.Slots(); slot++ {
		if !want.Live(slot) {
			continue
		}
		f := want.At(slot)
		g := got.Find(f.Key())
		if g < 0 {
			return "missing " + fmt.Sprint(f.Orig)
		}
		if !sameFlow(got.At(g), f) {
			return "flow differs: " + fmt.Sprint(f.Orig)
		}
		if x, y := got.ExtAt(g), want.ExtAt(slot); (x == nil) != (y == nil) || x != nil && *x != *y {
			return "ext differs: " + fmt.Sprint(f.Orig)
		}
	}
	return ""
}

// receive applies the batches of out to tab until one is no longer
// loading, checking each; until says when to stop early (nil: never).
func receive(t *testing.T, out <-chan *model.Batch, tab *model.Table, until func(*model.Batch) bool) *model.Batch {
	t.Helper()
	for {
		select {
		case b := <-out:
			if b.Info.Kind != "replay" || b.Info.Name != "big.txt" {
				t.Fatalf("batch info %+v", b.Info)
			}
			tab.Apply(b)
			if !b.Info.Loading || until != nil && until(b) {
				return b
			}
			if b.Stats.Valid {
				t.Errorf("statistics while loading: %+v", b.Stats)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no batch")
		}
	}
}

// TestStartInParts: a load longer than Start's wait hands the flows over
// in parts while it reads (the first batch at once, saying loading with
// the bytes read; parts of the flows read so far), and ends with the
// table Load makes of the same file, with its statistics.
func TestStartInParts(t *testing.T) {
	pr, pw := io.Pipe()
	first, rest := linesOf(0, 5000), linesOf(5000, 7000)
	go pw.Write(first)
	r := New("big.txt", pr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.Start(ctx, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	out := make(chan *model.Batch)
	ran := make(chan error, 1)
	go func() { ran <- r.Run(ctx, out) }()
	tab := model.NewTable(0)
	b := receive(t, out, tab, func(b *model.Batch) bool { return tab.Len() >= model.PartFlows })
	if !b.Info.Loading || b.Info.ReadBytes < int64(model.PartFlows*100) || b.Info.FileBytes != 0 {
		t.Fatalf("a part while loading: %+v", b.Info)
	}
	if tab.Len() != model.PartFlows {
		t.Errorf("%d flows handed over after a part", tab.Len())
	}
	start := b.Time
	go func() { pw.Write(rest); pw.Close() }()
	b = receive(t, out, tab, nil)
	if b.Info.Loading || !b.Stats.Valid || b.Stats.Count != 12000 || b.Info.ReadBytes != 0 {
		t.Errorf("the last batch: %+v %+v", b.Info, b.Stats)
	}
	// Every batch is at the load's time, the last one too: the flows'
	// timeouts count from it (a zero time showed TTLs of 20,791 days).
	if start.IsZero() || !b.Time.Equal(start) || tab.Now() != uint32(start.Unix()) {
		t.Errorf("batch times: first part %v, last %v; table at %d", start, b.Time, tab.Now())
	}
	if d := sameTable(tab, loadedTable(t, append(first, rest...))); d != "" {
		t.Error(d)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestStartLabelsLate: a file that says labels only after the first part
// says that every flow without them has none; the parts were told less,
// so the table ends as Load's all the same.
func TestStartLabelsLate(t *testing.T) {
	lines := linesOf(0, 5000)
	late := "tcp      6 60 CLOSE_WAIT src=192.0.2.1 dst=192.0.2.2 sport=1 dport=22 src=192.0.2.2 dst=192.0.2.1 sport=22 dport=1 [ASSURED] mark=3 labels=green,blue use=1\n"
	doc := append(bytes.Clone(lines), late...)
	r := New("big.txt", bytes.NewReader(doc))
	if err := r.Start(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan *model.Batch)
	go r.Run(ctx, out)
	tab := model.NewTable(0)
	receive(t, out, tab, nil)
	want := loadedTable(t, doc)
	if d := sameTable(tab, want); d != "" {
		t.Error(d)
	}
	if f := want.At(0); f.Attrs&model.HasLabels == 0 {
		t.Error("the reference table does not know the first flow's labels: the test tests nothing")
	}
}

// TestStartWithinWait: a load that ends within the wait is Load's: a bad
// file is an error at once, a good one one batch of the whole table.
func TestStartWithinWait(t *testing.T) {
	r := New("big.txt", strings.NewReader("this is not a table\n"))
	if err := r.Start(context.Background(), time.Minute); !errors.Is(err, ErrFormat) {
		t.Errorf("a bad file: %v", err)
	}
	doc := linesOf(0, 100)
	r = New("big.txt", bytes.NewReader(doc))
	if err := r.Start(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan *model.Batch)
	go r.Run(ctx, out)
	b := <-out
	if b.Info.Loading || b.Snapshot == nil || b.Snapshot.More || b.Snapshot.Len() != 100 || !b.Stats.Valid {
		t.Errorf("the one batch: %+v", b.Info)
	}
}

// TestStartErrorLater: an error the load meets after the wait ends Run
// with it (the screen then says it and quits).
func TestStartErrorLater(t *testing.T) {
	pr, pw := io.Pipe()
	go pw.Write(linesOf(0, 100))
	r := New("big.txt", pr)
	r.SetLimits(Limits{Line: 4096})
	if err := r.Start(context.Background(), 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	out := make(chan *model.Batch, 100)
	ran := make(chan error, 1)
	go func() { ran <- r.Run(context.Background(), out) }()
	go func() { pw.Write(bytes.Repeat([]byte("x"), 200_000)); pw.Close() }()
	select {
	case err := <-ran:
		var lim *LimitError
		if !errors.As(err, &lim) || !strings.Contains(err.Error(), "big.txt") {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not end")
	}
}

// TestStartFileSize: a file's batches say its size, and how much of it
// was read.
func TestStartFileSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.txt")
	doc := linesOf(0, 100_000)
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := New("big.txt", f)
	if err := r.Start(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan *model.Batch)
	go r.Run(ctx, out)
	b := <-out
	if !b.Info.Loading || b.Info.FileBytes != int64(len(doc)) || b.Info.ReadBytes > b.Info.FileBytes {
		t.Errorf("the first batch: %+v", b.Info)
	}
	tab := model.NewTable(0)
	tab.Apply(b)
	receive(t, out, tab, nil)
	if tab.Len() != 100_000 {
		t.Errorf("%d flows", tab.Len())
	}
}
