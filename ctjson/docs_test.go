package ctjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/model"
)

// TestDocsListEveryField: docs/json.md names every key cttop's JSON can
// hold (as `key`): the document's, the table's, a grouping's, a group's
// and a flow's, from a document with every field set (the round trip's
// flows, an auto grouping, a history).
func TestDocsListEveryField(t *testing.T) {
	doc, err := os.ReadFile("../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	flows := roundTripFlows()
	groups := []model.Group{{Key: model.GroupKey{By: model.BySrc, Addr: addr("192.0.2.0"), Family: model.IPv4, Bits: 24},
		Flows: 2, Counted: 1, Bytes: 99, Packets: 9}}
	groups[0].Mix.Add(model.TCPState(model.TCPEstablished), 1)
	h := model.NewHistory(time.Minute)
	h.Add(model.SampleOf(time.Unix(now, 0), model.TableStats{Valid: true, Count: 5, Max: 10}, model.Rates{Valid: true}))
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	Write(w, Document{Stats: model.TableStats{Valid: true, Count: 5, Max: 10}, Matched: 5, Groups: groups, Now: now,
		Grouping: Grouping{By: model.Grouping{By: model.BySrc, Auto: true}, Threshold: 0.05, Addresses: 3, PrefixFlows: []int{2}},
		History:  h,
		Flows: func(yield func(Row) bool) {
			for i := range flows {
				if !yield(Row{Flow: &flows[i], Counters: roundTripCounters[i], Ext: roundTripExts[i]}) {
					return
				}
			}
		}})
	w.Flush()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &top); err != nil {
		t.Fatalf("%v\n%s", err, out.Bytes())
	}
	keys := map[string]bool{}
	object := func(raw json.RawMessage) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
		for k := range m {
			keys[k] = true
		}
	}
	array := func(raw json.RawMessage) {
		var a []json.RawMessage
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
		for _, e := range a {
			object(e)
		}
	}
	for k, v := range top {
		keys[k] = true
		switch k {
		case "table", "group", "history":
			object(v)
		case "groups", "flows":
			array(v)
		}
	}
	for _, want := range []string{"version", "table", "max", "group", "threshold", "prefix_flows", "flows",
		"zone_dir", "helper", "labels", "label_names", "secctx", "reply_icmp_id", "reply_srckey", "history", "samples"} {
		if !keys[want] {
			t.Errorf("the document lacks %q: it is not one with every field set", want)
		}
	}
	for k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/json.md does not name %q", k)
		}
	}
}
