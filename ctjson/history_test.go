package ctjson

import (
	"bufio"
	"bytes"
	"iter"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

type withHistory struct {
	collect
	hist *model.History
}

func (w *withHistory) History(h *model.History) { w.hist = h }

var noFlows iter.Seq[Row] = func(func(Row) bool) {}

// TestHistoryRoundTrip: the history written with a table reads back the
// same, second by second, unknown values unknown.
func TestHistoryRoundTrip(t *testing.T) {
	h := model.NewHistory(2 * time.Minute)
	t0 := time.Unix(1_700_000_000, 0)
	for i := 0; i < 150; i++ {
		if i == 100 {
			continue // a second without a sample
		}
		h.Add(model.SampleOf(t0.Add(time.Duration(i)*time.Second),
			model.TableStats{Valid: true, Count: uint64(10 * i)},
			model.Rates{Valid: i > 3, New: 1.5, Gone: 0.25, Drop: float64(i % 7), InsertFailed: 0}))
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	Write(w, Document{Stats: model.TableStats{Valid: true, Count: 3}, Flows: noFlows, History: h})
	w.Flush()
	var got withHistory
	if err := Read(&buf, &got); err != nil {
		t.Fatal(err)
	}
	if got.hist == nil {
		t.Fatalf("no history read from %s", buf.String())
	}
	want, have := h.Samples(), got.hist.Samples()
	if got.hist.Window() != h.Window() || len(have) != len(want) || len(want) != 120 {
		t.Fatalf("window %v, %d samples; want %v, %d", got.hist.Window(), len(have), h.Window(), len(want))
	}
	for i := range want {
		if !have[i].Time.Equal(want[i].Time) {
			t.Fatalf("sample %d at %v, want %v", i, have[i].Time, want[i].Time)
		}
		for s := range want[i].V {
			a, b := have[i].V[s], want[i].V[s]
			if a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
				t.Errorf("sample %d series %v: %v, want %v", i, model.Series(s), a, b)
			}
		}
	}
}

// TestHistoryNotOurs: a history cttop did not write is skipped with a
// reason, and the flows after it are still read; a history alone is
// cttop's JSON.
func TestHistoryNotOurs(t *testing.T) {
	for _, doc := range []string{
		`{"history":{"window":60,"series":["entries"],"samples":[[1,2,3]]},"flows":[]}`,
		`{"history":{"window":999999999,"series":[],"samples":[]},"flows":[]}`,
		`{"history":{"window":60,"series":["entries"],"samples":[["x",1]]},"flows":[]}`,
		`{"history":{"window":"x"},"flows":[]}`,
	} {
		var got withHistory
		if err := Read(strings.NewReader(doc), &got); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
		if got.hist != nil || len(got.skipped) != 1 {
			t.Errorf("%s: history %v, skips %v", doc, got.hist, got.skipped)
		}
	}
	var got withHistory
	err := Read(strings.NewReader(`{"history":{"window":60,"series":["entries","mystery"],"samples":[[60,5,null],[61,-1,7]]}}`), &got)
	if err != nil || got.hist == nil || got.hist.Len() != 2 {
		t.Fatalf("%v %+v", err, got.hist)
	}
	s := got.hist.Samples()
	if s[0].V[model.SeriesEntries] != 5 || s[1].Known(model.SeriesEntries) || s[0].Known(model.SeriesDrops) {
		t.Errorf("values %v %v", s[0].V, s[1].V)
	}
}
