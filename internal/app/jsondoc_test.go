package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/ctjson"
	"github.com/cttop/cttop/model"
)

// jsonDocNames reads docs/json.md: the names each section's table rows
// document (every `name` in a row's first cell), by section heading (or a
// line such as "`namespaces[]`:" above a table).
func jsonDocNames(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "json.md"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string][]string{}
	quoted := regexp.MustCompile("`([a-z_]+)`")
	section := ""
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "#") {
			section = strings.TrimSpace(strings.TrimLeft(l, "#"))
			continue
		}
		if label, ok := strings.CutSuffix(l, ":"); ok && strings.HasPrefix(label, "`") && !strings.Contains(label, " ") {
			section = label // "`namespaces[]`:" heads the table below it
			continue
		}
		if cells := strings.Split(l, "|"); strings.HasPrefix(l, "| `") && len(cells) > 2 {
			for _, m := range quoted.FindAllStringSubmatch(cells[1], -1) {
				names[section] = append(names[section], m[1])
			}
		}
	}
	return names
}

// jsonKeys adds the keys of the objects at path in v to keys[path]: ""
// is the document, "flows[]" each flow, "table" the table object.
func jsonKeys(v any, path string, keys map[string]map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if keys[path] == nil {
			keys[path] = map[string]bool{}
		}
		for k, e := range v {
			keys[path][k] = true
			if path == "" {
				jsonKeys(e, k, keys)
			}
		}
	case []any:
		for _, e := range v {
			jsonKeys(e, path+"[]", keys)
		}
	}
}

// TestJSONDocumented: every key cttop's JSON has, of the document, the
// table, the grouping, the groups, the flows, the history and of --once
// --all, is in docs/json.md's table of its section.
func TestJSONDocumented(t *testing.T) {
	doc := jsonDocNames(t)
	keys := map[string]map[string]bool{}
	add := func(out []byte) {
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		jsonKeys(v, "", keys)
	}
	var inputs []string
	for _, f := range issue10Files {
		inputs = append(inputs, filepath.Join("testdata", "issue10", f))
	}
	conf, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "conformance", "*[tl]"))
	inputs = append(inputs, conf...)
	for _, in := range inputs {
		add([]byte(once(t, in, "json")))
	}
	// Groups, plain and of heavy prefixes.
	for _, by := range []string{"src", "src/auto"} {
		gr, err := model.ParseGrouping(by)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		cfg := Config{Replay: inputs[len(inputs)-1], Once: true, Format: "json", Sort: model.ColSrc,
			Group: gr, HasGroup: true, Share: model.DefaultShare}
		if err := runOnce(context.Background(), cfg, slog.New(slog.DiscardHandler), &out); err != nil {
			t.Fatal(err)
		}
		add(out.Bytes())
	}
	// A table saved with its history (w).
	h := model.NewHistory(time.Minute)
	h.Add(model.HistorySample{Time: time.Unix(1700000000, 0)})
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	ctjson.Write(w, ctjson.Document{History: h, Flows: func(func(ctjson.Row) bool) {}})
	w.Flush()
	add(out.Bytes())

	sections := map[string]string{
		"":         "The document",
		"table":    "`table`",
		"group":    "`group`",
		"groups[]": "`groups[]`",
		"flows[]":  "`flows[]`",
		"history":  "`history`",
	}
	for path, ks := range keys {
		sec, ok := sections[path]
		if !ok {
			t.Errorf("docs/json.md has no section for %q (keys %v)", path, ks)
			continue
		}
		for k := range ks {
			if !slices.Contains(doc[sec], k) {
				t.Errorf("%s.%s is not in docs/json.md's section %q", path, k, sec)
			}
		}
	}
	for _, must := range []string{"", "table", "group", "groups[]", "flows[]", "history"} {
		if len(keys[must]) == 0 {
			t.Errorf("no JSON made here has %q: the test sees less than it should", must)
		}
	}

	// --once --all: its fields, from the types that write it.
	for _, c := range []struct {
		typ     reflect.Type
		section string
	}{{reflect.TypeFor[hostJSON](), "The namespaces: `cttop --once --all --format json`"}, {reflect.TypeFor[nsJSON](), "`namespaces[]`"}} {
		if len(doc[c.section]) == 0 {
			t.Errorf("docs/json.md has no section %q", c.section)
		}
		for i := range c.typ.NumField() {
			name, _, _ := strings.Cut(c.typ.Field(i).Tag.Get("json"), ",")
			if !slices.Contains(doc[c.section], name) {
				t.Errorf("%s's %s is not in docs/json.md's section %q", c.typ.Name(), name, c.section)
			}
		}
	}
}
