package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestVersionLdflags builds cttop as the release does, with the version
// and commit stamped in, and reads them back with the Go version.
func TestVersionLdflags(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "cttop")
	const commitHash = "0123456789abcdef0123456789abcdef01234567"
	out, err := exec.Command("go", "build", "-o", bin,
		"-ldflags", "-X main.version=1.2.3 -X main.commit="+commitHash, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	out, err = exec.Command(bin, "--version").CombinedOutput()
	want := "cttop 1.2.3 (commit " + commitHash + ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	if err != nil || string(out) != want {
		t.Errorf("--version: %v, %q, want %q", err, out, want)
	}
}

// TestVersionBuildInfo: without ldflags, the commit is the build info's
// VCS stamp, which go build adds with -buildvcs=true in a git checkout (a
// clone, not a git worktree), or "unknown" where there is none.
func TestVersionBuildInfo(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "cttop")
	out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	want := "unknown"
	if _, rest, ok := strings.Cut(string(info), "\tvcs.revision="); ok {
		want, _, _ = strings.Cut(rest, "\n")
		if strings.Contains(string(info), "\tvcs.modified=true") {
			want += "-dirty"
		}
	}
	t.Logf("build info commit: %s", want)
	out, err = exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "(commit "+want+", "+runtime.Version()) {
		t.Errorf("--version: %v, %q, want commit %s", err, out, want)
	}
}

func TestVersionLine(t *testing.T) {
	v := versionLine()
	for _, want := range []string{"cttop " + versionString() + " ", "commit " + commitString(), runtime.Version()} {
		if !strings.Contains(v, want) {
			t.Errorf("versionLine %q lacks %q", v, want)
		}
	}
	if strings.Contains(v, "\n") {
		t.Errorf("versionLine %q is more than one line", v)
	}
}
