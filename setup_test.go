package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readText returns a file of the checkout as text.
func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section returns the body of a Markdown "## title" section.
func section(doc, title string) string {
	_, s, ok := strings.Cut(doc, "\n## "+title+"\n")
	if !ok {
		return ""
	}
	s, _, _ = strings.Cut(s, "\n## ")
	return s
}

// codeLines are the lines of a Markdown text's indented code blocks,
// trimmed.
func codeLines(md string) []string {
	var out []string
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "    ") && strings.TrimSpace(l) != "" {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// makeRule is a Makefile rule: its prerequisites and its recipe's lines.
type makeRule struct {
	prereqs []string
	recipe  []string
}

// makeRules reads the rules of a Makefile (target: prerequisites, then
// tab-indented recipe lines; no pattern rules or continuations needed).
func makeRules(mk string) map[string]makeRule {
	rules := map[string]makeRule{}
	var cur string
	for _, l := range strings.Split(mk, "\n") {
		if strings.HasPrefix(l, "\t") {
			if cur != "" {
				r := rules[cur]
				r.recipe = append(r.recipe, strings.TrimSpace(l))
				rules[cur] = r
			}
			continue
		}
		cur = ""
		name, rest, ok := strings.Cut(l, ":")
		if !ok || strings.HasPrefix(rest, "=") || strings.ContainsAny(name, " \t#$=") || name == "" || name[0] == '.' {
			continue
		}
		cur = name
		rules[cur] = makeRule{prereqs: strings.Fields(rest)}
	}
	return rules
}

// TestSetUpCommands holds README's promise: exactly two set-up commands,
// one that builds and runs cttop and one that runs the whole suite, and
// that the second is what CI runs.
func TestSetUpCommands(t *testing.T) {
	setUp := section(readText(t, "README.md"), "Set up")
	if got := codeLines(setUp); !slices.Equal(got, []string{"make run", "make test"}) {
		t.Errorf("README's Set up gives the commands %q, want exactly make run and make test", got)
	}
	rules := makeRules(readText(t, "Makefile"))
	run, build := rules["run"], rules["build"]
	if !slices.Contains(run.prereqs, "build") || !slices.ContainsFunc(run.recipe, func(l string) bool { return strings.HasSuffix(l, "./cttop") }) {
		t.Errorf("make run %+v: want it to build, then run ./cttop", run)
	}
	if !slices.ContainsFunc(build.recipe, func(l string) bool { return strings.Contains(l, "build") && strings.Contains(l, "-o cttop .") }) {
		t.Errorf("make build %+v does not build ./cttop", build)
	}
	test := rules["test"]
	if !slices.Contains(test.prereqs, "deps") || !slices.Contains(test.prereqs, "check") {
		t.Errorf("make test needs %v, want deps (what the tests need) and check (gofmt, vet, staticcheck)", test.prereqs)
	}
	whole := regexp.MustCompile(`^CTTOP_KERNEL_TESTS=1 \$\(GO\) test -race -count=1 .*\./\.\.\.$`)
	if !slices.ContainsFunc(test.recipe, whole.MatchString) {
		t.Errorf("make test runs %q, want every package under -race with the kernel tests forced on", test.recipe)
	}
	if deps := rules["deps"]; !slices.Equal(deps.recipe, []string{"./scripts/deps.sh"}) {
		t.Errorf("make deps runs %q, want ./scripts/deps.sh", deps.recipe)
	}
	for _, tool := range []string{"staticcheck", "gofmt", "vet"} {
		if !strings.Contains(strings.Join(rules["check"].recipe, "\n"), tool) {
			t.Errorf("make check does not run %s", tool)
		}
	}
	// CI runs the README's test command, then the release check.
	var ci []string
	for _, l := range strings.Split(readText(t, ".ci/run"), "\n") {
		if strings.HasPrefix(l, "make") {
			ci = append(ci, l)
		}
	}
	if !slices.Equal(ci, []string{"make test", "make release-check"}) {
		t.Errorf(".ci/run runs %q, want make test then make release-check", ci)
	}
	if !strings.Contains(readText(t, "scripts/deps.sh"), "staticcheck@$STATICCHECK_VERSION") {
		t.Errorf("scripts/deps.sh does not install the pinned staticcheck that make check runs")
	}
}

// TestReleasePinAgrees: the goreleaser version that scripts/release-check.sh
// installs is the one the Makefile and CONTRIBUTING.md name, and no file
// names another as the one in use; the script fails, never skips, when a
// tool is missing.
func TestReleasePinAgrees(t *testing.T) {
	script := readText(t, "scripts/release-check.sh")
	m := regexp.MustCompile(`(?m)^GORELEASER_VERSION=(v\d+\.\d+\.\d+)$`).FindStringSubmatch(script)
	if m == nil {
		t.Fatal("scripts/release-check.sh pins no GORELEASER_VERSION=vX.Y.Z")
	}
	pin := m[1]
	for _, use := range []string{`goreleaser/v2@$GORELEASER_VERSION"`, `$3 == v`} {
		if !strings.Contains(script, use) {
			t.Errorf("scripts/release-check.sh does not use the pin in %q", use)
		}
	}
	// A missing tool fails the check, never skips it.
	for _, l := range strings.Split(script, "\n") {
		if strings.Contains(strings.ToLower(l), "skip") && !strings.Contains(l, "--skip=publish") && !strings.HasPrefix(strings.TrimSpace(l), "#") {
			t.Errorf("scripts/release-check.sh may skip: %q", l)
		}
	}
	if !strings.Contains(script, `command -v "$tool" >/dev/null || fail`) {
		t.Errorf("scripts/release-check.sh does not fail on a missing tool")
	}
	named := regexp.MustCompile(`(?i)goreleaser (v\d+\.\d+\.\d+)`)
	for _, f := range []string{"Makefile", "CONTRIBUTING.md", "README.md", "BENCHMARKS.md", ".ci/run",
		"scripts/release-check.sh", "scripts/deps.sh", "docs/architecture.md", "docs/usage.md"} {
		text := readText(t, f)
		found := named.FindAllStringSubmatch(text, -1)
		for _, n := range found {
			if n[1] != pin {
				t.Errorf("%s names goreleaser %s, the script pins %s", f, n[1], pin)
			}
		}
		if (f == "Makefile" || f == "CONTRIBUTING.md") && len(found) == 0 {
			t.Errorf("%s does not name the pinned goreleaser %s", f, pin)
		}
	}
}

// TestLicence: the packages and README say Apache-2.0; LICENSE is its text.
func TestLicence(t *testing.T) {
	l := strings.Fields(readText(t, "LICENSE"))
	if len(l) < 1000 || strings.Join(l[:4], " ") != "Apache License Version 2.0," {
		t.Errorf("LICENSE does not begin as the Apache License 2.0 does: %q", l[:min(len(l), 4)])
	}
	if !strings.Contains(readText(t, "README.md"), "Apache-2.0") {
		t.Errorf("README does not name the licence")
	}
}
