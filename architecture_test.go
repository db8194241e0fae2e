package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
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
	}
	if pkgs < 10 {
		t.Fatalf("go list found only %d packages:\n%s", pkgs, out)
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
	for _, c := range []struct{ pkg, imp string }{
		{"", module + "/internal/app"}, {"ui", module + "/filter"}, {"source", "github.com/ti-mo/conntrack"},
		{"firewall", "github.com/mdlayher/netlink"}, {"filter", module + "/action"}, {"model", "net/netip"},
	} {
		if v := violations(c.pkg, c.imp); len(v) > 0 {
			t.Errorf("an allowed import is refused: %v", v)
		}
	}
}
