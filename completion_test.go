package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
)

// TestCompletions fails when a committed completion no longer matches the
// flags: regenerate them with go generate (go test -run TestCompletions
// -update .).
func TestCompletions(t *testing.T) {
	fs, _ := newFlagSet(new(Config))
	flags := completionFlags(fs)
	for _, cf := range completionFiles {
		var b bytes.Buffer
		cf.write(&b, flags)
		if updating() {
			if err := os.WriteFile(cf.path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(cf.path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s is out of date with the flags: regenerate it with go generate, or go test -run TestCompletions -update .", cf.path)
		}
		for _, f := range flags {
			if !strings.Contains(b.String(), f.name) {
				t.Errorf("%s lacks --%s", cf.path, f.name)
			}
		}
	}
}

// TestCompletionValues: every value a completion offers is one the flags
// accept, every flag the value table names exists, and the lists are the
// model's own.
func TestCompletionValues(t *testing.T) {
	fs, _ := newFlagSet(new(Config))
	for name := range completionValues() {
		if fs.Lookup(name) == nil {
			t.Errorf("completionValues names --%s, which does not exist", name)
		}
	}
	n := 0
	for _, f := range completionFlags(fs) {
		for _, w := range f.words {
			n++
			if _, err := parseFlags([]string{"--" + f.name, w}, nil); err != nil {
				t.Errorf("--%s %s, offered by the completions: %v", f.name, w, err)
			}
		}
	}
	if want := len(columnNames()) + len(groupNames()) + 2 + 3; n != want {
		t.Errorf("%d values offered, want %d (columns, group keys, formats, start views)", n, want)
	}
}

// requireShell skips t without the shell, or fails it when the kernel
// tests are forced (scripts/deps.sh installs bash, zsh and fish).
func requireShell(t *testing.T, shell string) string {
	t.Helper()
	path, err := exec.LookPath(shell)
	if err != nil {
		if os.Getenv(netnstest.EnvForce) == "1" {
			t.Fatalf("%s is not installed (scripts/deps.sh installs it; %s=1 forbids skipping)", shell, netnstest.EnvForce)
		}
		t.Skipf("%s is not installed", shell)
	}
	return path
}

// bashComplete runs the bash completion on the words of a command line
// (the last one being completed, as bash splits them) and returns its
// answers.
func bashComplete(t *testing.T, words ...string) []string {
	t.Helper()
	bash := requireShell(t, "bash")
	script := `source contrib/completions/cttop.bash
COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_cttop
printf '%s\n' "${COMPREPLY[@]}"`
	out, err := exec.Command(bash, append([]string{"-c", script, "bash"}, words...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("bash completion of %q: %v: %s", words, err, out)
	}
	return strings.Fields(string(out))
}

// fishComplete asks fish what it completes for a command line.
func fishComplete(t *testing.T, line string) []string {
	t.Helper()
	fish := requireShell(t, "fish")
	out, err := exec.Command(fish, "--no-config", "-c",
		"source contrib/completions/cttop.fish; complete -C "+shellQuote(line)).CombinedOutput()
	if err != nil {
		t.Fatalf("fish completion of %q: %v: %s", line, err, out)
	}
	var words []string
	for l := range strings.Lines(string(out)) {
		w, _, _ := strings.Cut(strings.TrimRight(l, "\n"), "\t") // word, tab, description
		words = append(words, w)
	}
	return words
}

func TestBashCompletion(t *testing.T) {
	cols := columnNames()
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"cttop", "--so"}, []string{"--sort"}},
		{[]string{"cttop", "--sort", ""}, cols},
		{[]string{"cttop", "-sort", "b"}, []string{"bytes"}},
		{[]string{"cttop", "--sort", "=", "b"}, []string{"bytes"}}, // --sort=b, = breaking words
		{[]string{"cttop", "--sort=b"}, []string{"--sort=bytes"}},  // = not breaking words
		{[]string{"cttop", "--group", "d"}, []string{"dst", "dst/24", "dst/auto", "dport"}},
		{[]string{"cttop", "--format", ""}, []string{"text", "json"}},
		{[]string{"cttop", "--top", ""}, nil},
		{[]string{"cttop", "--demo", "--he"}, []string{"--headless"}},
	} {
		got := bashComplete(t, tc.words...)
		if !slices.Equal(got, tc.want) {
			t.Errorf("bash completes %q to %q, want %q", tc.words, got, tc.want)
		}
	}
	fs, _ := newFlagSet(new(Config))
	if got := bashComplete(t, "cttop", ""); len(got) != len(completionFlags(fs)) {
		t.Errorf("bash offers %d flags, want %d: %q", len(got), len(completionFlags(fs)), got)
	}
}

func TestFishCompletion(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"cttop --sor", []string{"--sort"}},
		{"cttop --sort b", []string{"bytes"}},
		{"cttop --sort=b", []string{"--sort=bytes"}},
		{"cttop --group d", []string{"dport", "dst", "dst/24", "dst/auto"}},
		{"cttop --format ", []string{"json", "text"}},
		{"cttop --top ", nil},
	} {
		got := fishComplete(t, tc.line)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("fish completes %q to %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestCompletionNetns: each shell offers the namespaces that exist in
// /run/netns when the completion runs, not when it was generated.
func TestCompletionNetns(t *testing.T) {
	netnstest.Require(t)
	ns := netnstest.New(t)
	prefix := ns.Name[:len(ns.Name)-4]
	if got := bashComplete(t, "cttop", "--netns", prefix); !slices.Contains(got, ns.Name) {
		t.Errorf("bash completes --netns %s to %q, want %s among them", prefix, got, ns.Name)
	}
	if got := fishComplete(t, "cttop --netns "+prefix); !slices.Contains(got, ns.Name) {
		t.Errorf("fish completes --netns %s to %q, want %s among them", prefix, got, ns.Name)
	}
	if got := bashComplete(t, "cttop", "--netns", "/run/netns/"+prefix); !slices.Contains(got, ns.Path) {
		t.Errorf("bash completes --netns /run/netns/%s to %q, want the path %s", prefix, got, ns.Path)
	}
	tm := zshSession(t)
	tm.keys("cttop --netns " + prefix)
	tm.keys("Tab")
	tm.waitFor("zsh completing --netns", 5*time.Second, contains("cttop --netns "+ns.Name))
}

// zshSession starts an interactive zsh in tmux with no startup files and
// the committed completion on its fpath.
func zshSession(t *testing.T) *tmux {
	t.Helper()
	zsh := requireShell(t, "zsh")
	dir, err := filepath.Abs("contrib/completions")
	if err != nil {
		t.Fatal(err)
	}
	tm := newTmux(t, 120, 30, zsh+" -f")
	tm.keys("PS1='zsh> '; fpath=("+dir+" $fpath); autoload -Uz compinit; compinit -u -D; zstyle ':completion:*' list-separator '|'", "Enter")
	tm.waitFor("zsh prompt", 5*time.Second, contains("zsh> "))
	tm.keys("clear", "Enter")
	return tm
}

// TestZshCompletion drives a real zsh: flags with their descriptions, and
// each value list.
func TestZshCompletion(t *testing.T) {
	tm := zshSession(t)
	tm.keys("cttop --sor", "Tab")
	tm.waitFor("zsh completing --sor", 5*time.Second, contains("cttop --sort"))
	tm.keys("=b", "Tab")
	tm.waitFor("zsh completing --sort=b", 5*time.Second, contains("cttop --sort=bytes"))
	tm.keys("C-u", "cttop --group d", "Tab")
	s := tm.waitFor("zsh listing group keys", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "dport") && strings.Contains(s, "dst")
	})
	if strings.Contains(s, "src") {
		t.Errorf("zsh offers src for --group d:\n%s", s)
	}
	tm.keys("C-u", "C-l", "cttop --metrics-p", "Tab")
	tm.waitFor("zsh completing --metrics-p", 5*time.Second, contains("cttop --metrics-public"))
	// Descriptions, unescaped.
	tm.keys("C-u", "C-l", "cttop --metr", "Tab", "Tab")
	s = tm.waitFor("zsh describing --metrics", 5*time.Second, contains("allow --metrics on a non-loopback address"))
	if !strings.Contains(s, "e.g. 127.0.0.1:9163") {
		t.Errorf("zsh describes --metrics wrongly:\n%s", s)
	}
}
