package main

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The import rules of docs/architecture.md: what each package may import
// (its non-test files; tests may import anything). Paths are relative to
// the module; "..." ends a subtree.
const module = "github.com/cttop/cttop"

// allowOnly lists, for the packages whose every import is fixed, the
// module's packages they may import; the standard library is always
// allowed, other modules never.
var allowOnly = map[string][]string{
	"model":  {},
	"action": {"model"},
	"format": {"model"},
	"filter": {"model", "action", "format"},
	"tuning": {"model", "action", "format"},
	"ctjson": {"model", "format", "internal/ctparse"},
	// The byte parsers of saved tables, shared by replay and ctjson.
	"internal/ctparse": {"model"},
}

// forbidden lists imports a package (or subtree) must never have.
var forbidden = []struct{ pkg, imp, why string }{
	{"ui", "source/...", "the UI sees batches and intents, never a source"},
	{"ui", "firewall", "the UI asks for rules through its Actions, never applies them"},
	{"ui", "internal/app", "the application wires the UI, not the other way round"},
	{"firewall", "source/...", "the firewall knows targets, not sources"},
	{"firewall", "ui", "the firewall knows targets, not screens"},
	{"source/...", "ui", "a source hands over batches, it draws nothing"},
	{"source/...", "firewall", "sources read and delete flows; rules are the firewall's"},
	{"source/...", "internal/app", "the application wires the sources"},
	{"metrics", "source/...", "the exporter reads the model"},
	{"metrics", "ui", "the exporter reads the model"},
}

// onlyIn lists imports only some packages may have.
var onlyIn = []struct {
	imp     string
	allowed []string
	why     string
}{
	{"github.com/ti-mo/conntrack", []string{"source/..."}, "only source speaks ctnetlink"},
	{"github.com/ti-mo/netfilter", []string{"source/..."}, "only source speaks ctnetlink"},
	{"github.com/mdlayher/netlink", []string{"source/...", "firewall"}, "netlink for conntrack is source's, for nftables the firewall's"},
	{module + "/internal/app", []string{""}, "only main runs the application"},
}

// metricsAllow are the module's packages the exporter may import.
var metricsAllow = []string{"model", "format"}

// firewallAllow are the module's packages the firewall may import.
var firewallAllow = []string{"model", "action"}

// under reports whether the module-relative path rel is pattern or, for
// "x/...", in the subtree x.
func under(rel, pattern string) bool {
	if sub, ok := strings.CutSuffix(pattern, "/..."); ok {
		return rel == sub || strings.HasPrefix(rel, sub+"/")
	}
	return rel == pattern
}

// rel returns an import path relative to the module, and whether it is
// one of the module's.
func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

// isStd reports whether path is in the standard library (no dot in its
// first element).
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// TestImportRules fails on an import that breaks the house's shape.
func TestImportRules(t *testing.T) {
	// go test puts its own GOROOT/bin first in PATH.
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	table := docTable(t)
	pkgs := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		pkg, ok := rel(f[0])
		if !ok {
			continue
		}
		pkgs++
		for _, imp := range f[1:] {
			for _, v := range violations(pkg, imp) {
				t.Error(v)
			}
		}
		for _, v := range table.violations(pkg, f[1:]) {
			t.Error(v)
		}
	}
	if pkgs < 10 {
		t.Fatalf("go list found only %d packages:\n%s", pkgs, out)
	}
}

// importRow is a row of docs/architecture.md's import table.
type importRow struct {
	pkgs, may, never []string
	any              bool // "any": the application wires everything
}

// importTable is docs/architecture.md's table of what may import what.
type importTable []importRow

// docTable reads the import table of docs/architecture.md.
func docTable(t *testing.T) importTable {
	t.Helper()
	b, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	table, err := parseImportTable(string(b))
	if err != nil {
		t.Fatalf("docs/architecture.md: %v", err)
	}
	return table
}

// parseImportTable reads the rows under "| package | may import" of a
// Markdown text: each cell a comma-separated list of module-relative
// packages ("x/..." a subtree, "main" the root package), "-" for none,
// "any" for all.
func parseImportTable(md string) (importTable, error) {
	_, rest, ok := strings.Cut(md, "\n| package | may import")
	if !ok {
		return nil, fmt.Errorf("no table headed | package | may import")
	}
	list := func(cell string) []string {
		cell = strings.TrimSpace(cell)
		if cell == "" || cell == "-" {
			return nil
		}
		var out []string
		for _, p := range strings.Split(cell, ",") {
			out = append(out, strings.TrimSpace(p))
		}
		return out
	}
	var table importTable
	for _, line := range strings.Split(rest, "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			return nil, fmt.Errorf("row %q: want 3 cells", line)
		}
		r := importRow{pkgs: list(cells[0]), may: list(cells[1]), never: list(cells[2])}
		r.any = slices.Equal(r.may, []string{"any"})
		for _, p := range slices.Concat(r.pkgs, r.may, r.never) {
			if p != "any" && (strings.ContainsAny(p, " ()") || p == "") {
				return nil, fmt.Errorf("row %q: %q is not a package", line, p)
			}
		}
		for _, m := range r.may {
			for _, n := range r.never {
				if under(m, n) || under(n, m) {
					return nil, fmt.Errorf("row %q both allows and forbids %s", line, m)
				}
			}
		}
		table = append(table, r)
	}
	if len(table) == 0 {
		return nil, fmt.Errorf("the import table has no rows")
	}
	return table, nil
}

// row returns the row of pkg (module-relative, "" for main): the one that
// names it, else the one whose subtree holds it most narrowly.
func (tb importTable) row(pkg string) (importRow, bool) {
	if pkg == "" {
		pkg = "main"
	}
	best, bestLen, found := importRow{}, -1, false
	for _, r := range tb {
		for _, p := range r.pkgs {
			if p == pkg {
				return r, true
			}
			if sub, ok := strings.CutSuffix(p, "/..."); ok && under(pkg, p) && len(sub) > bestLen {
				best, bestLen, found = r, len(sub), true
			}
		}
	}
	return best, found
}

// violations returns what the table says is wrong with package pkg
// importing imports.
func (tb importTable) violations(pkg string, imports []string) []string {
	name := cmp.Or(pkg, "main")
	r, ok := tb.row(pkg)
	if !ok {
		return []string{fmt.Sprintf("%s has no row in docs/architecture.md's import table", name)}
	}
	var out []string
	for _, imp := range imports {
		ri, internal := rel(imp)
		if !internal || r.any {
			continue
		}
		if !slices.ContainsFunc(r.may, func(p string) bool { return under(ri, p) }) {
			out = append(out, fmt.Sprintf("%s imports %s: docs/architecture.md allows it only %v", name, imp, r.may))
		}
	}
	return out
}

// TestImportTableAgrees: the rules written in this file and the table of
// docs/architecture.md say the same, so that neither drifts.
func TestImportTableAgrees(t *testing.T) {
	table := docTable(t)
	for pkg, allowed := range allowOnly {
		r, ok := table.row(pkg)
		if !ok || !slices.Equal(slices.Sorted(slices.Values(r.may)), slices.Sorted(slices.Values(allowed))) {
			t.Errorf("%s: the doc allows %v, the test %v", pkg, r.may, allowed)
		}
	}
	for pkg, allowed := range map[string][]string{"metrics": metricsAllow, "firewall": firewallAllow} {
		if r, _ := table.row(pkg); !slices.Equal(slices.Sorted(slices.Values(r.may)), slices.Sorted(slices.Values(allowed))) {
			t.Errorf("%s: the doc allows %v, the test %v", pkg, r.may, allowed)
		}
	}
	for _, f := range forbidden {
		r, ok := table.row(strings.TrimSuffix(f.pkg, "/..."))
		if !ok || !slices.Contains(r.never, f.imp) {
			t.Errorf("the doc's row of %s does not forbid %s (%s)", f.pkg, f.imp, f.why)
		}
	}
}

// violations returns what is wrong with package pkg (module-relative, ""
// for main) importing imp, one sentence a broken rule.
func violations(pkg, imp string) []string {
	var out []string
	fail := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	name := pkg
	if name == "" {
		name = "main"
	}
	r, internal := rel(imp)
	if allowed, fixed := allowOnly[pkg]; fixed && !isStd(imp) && (!internal || !slices.Contains(allowed, r)) {
		fail("%s imports %s: it may import only the standard library and %v", name, imp, allowed)
	}
	for _, c := range []struct {
		pkg   string
		allow []string
	}{{"metrics", metricsAllow}, {"firewall", firewallAllow}} {
		if pkg == c.pkg && internal && !slices.Contains(c.allow, r) {
			fail("%s imports %s: of cttop's packages it may import only %v", name, imp, c.allow)
		}
	}
	for _, f := range forbidden {
		if under(pkg, f.pkg) && internal && under(r, f.imp) {
			fail("%s imports %s: %s", name, imp, f.why)
		}
	}
	for _, o := range onlyIn {
		if imp != o.imp && !strings.HasPrefix(imp, o.imp+"/") {
			continue
		}
		if !slices.ContainsFunc(o.allowed, func(p string) bool { return under(pkg, p) }) {
			fail("%s imports %s: %s", name, imp, o.why)
		}
	}
	return out
}

// TestImportRulesCatch checks the checker on imports it must refuse.
func TestImportRulesCatch(t *testing.T) {
	for _, c := range []struct{ pkg, imp string }{
		{"model", "charm.land/bubbletea/v2"},
		{"model", module + "/filter"},
		{"format", module + "/ui"},
		{"action", module + "/firewall"},
		{"ui", module + "/source"},
		{"ui", module + "/source/replay"},
		{"ui", module + "/firewall"},
		{"ui", module + "/internal/app"},
		{"firewall", module + "/source"},
		{"metrics", module + "/ui"},
		{"metrics", module + "/tuning"},
		{"tuning", module + "/source"},
		{"filter", module + "/tuning"},
		{"ctjson", module + "/source/replay"},
		{"ui", "github.com/ti-mo/conntrack"},
		{"guard", "github.com/mdlayher/netlink"},
		{"source/replay", module + "/internal/app"},
	} {
		if len(violations(c.pkg, c.imp)) == 0 {
			t.Errorf("%s importing %s passes the rules", c.pkg, c.imp)
		}
	}
	// The doc's table, on a table of its own shape.
	tb, err := parseImportTable("\n| package | may import | never |\n|---|---|---|\n" +
		"| model | - | |\n| source/... | source/..., model | ui |\n| source/replay | model | |\n| internal/app | any | |\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pkg     string
		imports []string
		bad     bool
	}{
		{"model", []string{module + "/filter"}, true},
		{"model", []string{"net/netip", "github.com/other/module"}, false}, // other modules: the rules above
		{"source/hostns", []string{module + "/source", module + "/model"}, false},
		{"source/hostns", []string{module + "/action"}, true},
		{"source/replay", []string{module + "/source"}, true}, // its own row is narrower
		{"internal/app", []string{module + "/ui"}, false},
		{"guard", nil, true}, // no row
		{"", nil, true},      // main has none here
	} {
		if v := tb.violations(c.pkg, c.imports); (len(v) > 0) != c.bad {
			t.Errorf("%q importing %v: violations %v", c.pkg, c.imports, v)
		}
	}
	for _, bad := range []string{
		"no table",
		"\n| package | may import | never |\n|---|---|---|\n| ui | model (and friends) | |\n",
		"\n| package | may import | never |\n|---|---|---|\n| ui | source | source/... |\n",
		"\n| package | may import | never |\n|---|---|---|\n",
	} {
		if _, err := parseImportTable(bad); err == nil {
			t.Errorf("parseImportTable(%q) took it", bad)
		}
	}

	for _, c := range []struct{ pkg, imp string }{
		{"", module + "/internal/app"}, {"ui", module + "/filter"}, {"source", "github.com/ti-mo/conntrack"},
		{"firewall", "github.com/mdlayher/netlink"}, {"filter", module + "/action"}, {"model", "net/netip"},
	} {
		if v := violations(c.pkg, c.imp); len(v) > 0 {
			t.Errorf("an allowed import is refused: %v", v)
		}
	}
}

// concreteSourceAssertions returns the type assertions and type switch
// cases in a Go file's source that name a concrete type of a source
// package (*source.Kernel, replay.Source...): capabilities are found by
// asserting interfaces (source.Deleter, ...), never a concrete source.
func concreteSourceAssertions(fset *token.FileSet, name string, src any) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		return nil, err
	}
	// A pointer to a type of a source package is concrete (the sources
	// are used through pointers; their capabilities are interfaces).
	pkgs := map[string]bool{}
	for _, imp := range f.Imports {
		path := strings.Trim(imp.Path.Value, `"`)
		r, ok := rel(path)
		if !ok || !under(r, "source/...") {
			continue
		}
		n := path[strings.LastIndexByte(path, '/')+1:]
		if imp.Name != nil {
			n = imp.Name.Name
		}
		pkgs[n] = true
	}
	var out []string
	check := func(e ast.Expr) {
		if e == nil {
			return
		}
		star, ok := e.(*ast.StarExpr)
		if !ok {
			return
		}
		sel, ok := star.X.(*ast.SelectorExpr)
		if !ok {
			return
		}
		if x, ok := sel.X.(*ast.Ident); ok && pkgs[x.Name] {
			out = append(out, fmt.Sprintf("%s: asserts %s", fset.Position(e.Pos()), types.ExprString(e)))
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.TypeAssertExpr:
			check(n.Type)
		case *ast.TypeSwitchStmt:
			for _, c := range n.Body.List {
				for _, e := range c.(*ast.CaseClause).List {
					check(e)
				}
			}
		}
		return true
	})
	return out, nil
}

// TestCapabilitiesByInterface: the application and main find what a source
// can do by asserting its capability interfaces, never its concrete type.
func TestCapabilitiesByInterface(t *testing.T) {
	files, err := filepath.Glob("internal/app/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("internal/app: %v", err)
	}
	fset := token.NewFileSet()
	for _, f := range append(files, "main.go") {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		bad, err := concreteSourceAssertions(fset, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bad {
			t.Error(b)
		}
	}
	// The check itself.
	src := `package app
import (
	"github.com/cttop/cttop/source"
	rp "github.com/cttop/cttop/source/replay"
)
func f(s any) {
	_, _ = s.(source.Deleter)
	_, _ = s.(*source.Kernel)
	switch s.(type) {
	case *rp.Source, source.Flusher:
	}
	_, _ = s.(*strings.Builder)
}`
	bad, err := concreteSourceAssertions(fset, "x.go", src)
	if err != nil || len(bad) != 2 || !strings.Contains(bad[0], "*source.Kernel") || !strings.Contains(bad[1], "rp.Source") {
		t.Errorf("the check found %q (%v), want *source.Kernel and *rp.Source", bad, err)
	}
}
