package app

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
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

// TestOnceAllDocumented: every field of --once --all's JSON, from the types
// that write it, is in docs/json.md's table of its section (ctjson's
// TestDocsListEveryField holds the flows' document to the same file).
func TestOnceAllDocumented(t *testing.T) {
	doc := jsonDocNames(t)
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
