package replay

import (
	"context"
	"strings"
	"testing"

	"github.com/cttop/cttop/model"
)

// TestReplayHistory: a table saved with its history (w) replays with it.
func TestReplayHistory(t *testing.T) {
	doc := `{"table":{"count":1,"max":100,"drops":0,"early_drops":0,"insert_failed":0,"invalid":0},"matched":1,` +
		`"history":{"window":60,"series":["entries","new/s","gone/s","drops/s","insert_failed/s"],"samples":[[1700000000,10,1,0,0,0],[1700000001,12,2,null,0,0]]},` +
		`"flows":[{"id":1,"family":"ipv4","proto":"udp","src":"192.0.2.1","sport":1,"dst":"192.0.2.2","dport":53,"timeout":30}]}`
	r := New("saved.json", strings.NewReader(doc))
	if err := r.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := r.History()
	if h == nil || h.Len() != 2 {
		t.Fatalf("history %+v", h)
	}
	if v := h.Values(model.SeriesEntries, 2); v[0] != 10 || v[1] != 12 {
		t.Errorf("entries %v", v)
	}
	plain := New("plain.json", strings.NewReader(`{"table":{"count":0,"max":1},"flows":[]}`))
	if err := plain.Load(context.Background()); err != nil || plain.History() != nil {
		t.Errorf("a file without history: %v %v", plain.History(), err)
	}
}
