package main

import (
	"bufio"
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// goreleaserConfig is the part of .goreleaser.yaml this test checks.
type goreleaserConfig struct {
	Version  int            `yaml:"version"`
	Includes []any          `yaml:"includes"`
	Builds   []releaseBuild `yaml:"builds"`
	Archives []struct {
		Formats []string `yaml:"formats"`
		Files   []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"checksum"`
	Before struct {
		Hooks []string `yaml:"hooks"`
	} `yaml:"before"`
	Nfpms []struct {
		Formats    []string `yaml:"formats"`
		Bindir     string   `yaml:"bindir"`
		Maintainer string   `yaml:"maintainer"`
		License    string   `yaml:"license"`
		Homepage   string   `yaml:"homepage"`
		Contents   []struct {
			Src, Dst, Packager string
		} `yaml:"contents"`
	} `yaml:"nfpms"`
}

type releaseBuild struct {
	Main    string   `yaml:"main"`
	Env     []string `yaml:"env"`
	Goos    []string `yaml:"goos"`
	Goarch  []string `yaml:"goarch"`
	Flags   []string `yaml:"flags"`
	Ldflags []string `yaml:"ldflags"`
}

// TestGoreleaserConfig guards the release's essentials: static Linux
// amd64/arm64 binaries with the version stamped in, tar.gz archives,
// checksums, deb and rpm with the man page and the systemd unit, and no
// remote includes. scripts/release-check.sh runs goreleaser itself.
func TestGoreleaserConfig(t *testing.T) {
	b, err := os.ReadFile(".goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("parse .goreleaser.yaml: %v", err)
	}
	if c.Version != 2 {
		t.Errorf("version %d, want 2", c.Version)
	}
	if len(c.Includes) > 0 || strings.Contains(string(b), "from_url") {
		t.Errorf("includes: the configuration must be self-contained")
	}
	if len(c.Builds) != 1 {
		t.Fatalf("%d builds, want 1", len(c.Builds))
	}
	bd := c.Builds[0]
	_, _ = version, commit // -X main.version and main.commit must name these variables
	ld := strings.Join(bd.Ldflags, " ")
	for _, want := range []string{"-s", "-w", "-X main.version={{.Version}}", "-X main.commit={{.FullCommit}}"} {
		if !strings.Contains(ld, want) {
			t.Errorf("ldflags %q lack %q", ld, want)
		}
	}
	if !slices.Contains(bd.Env, "CGO_ENABLED=0") || !slices.Contains(bd.Flags, "-trimpath") {
		t.Errorf("build env %v flags %v: want CGO_ENABLED=0 and -trimpath", bd.Env, bd.Flags)
	}
	if !slices.Equal(bd.Goos, []string{"linux"}) || !slices.Contains(bd.Goarch, "amd64") || !slices.Contains(bd.Goarch, "arm64") {
		t.Errorf("goos %v goarch %v, want linux amd64 and arm64", bd.Goos, bd.Goarch)
	}
	if len(c.Archives) == 0 || !slices.Equal(c.Archives[0].Formats, []string{"tar.gz"}) {
		t.Errorf("archives: want tar.gz")
	}
	if c.Checksum.NameTemplate == "" {
		t.Errorf("no checksum file")
	}
	if len(c.Nfpms) != 1 {
		t.Fatalf("%d nfpms, want 1", len(c.Nfpms))
	}
	n := c.Nfpms[0]
	if !slices.Contains(n.Formats, "deb") || !slices.Contains(n.Formats, "rpm") || n.Bindir != "/usr/bin" {
		t.Errorf("nfpm formats %v bindir %q", n.Formats, n.Bindir)
	}
	// Debian's "Name <address>", naming the project.
	if !regexp.MustCompile(`^cttop [a-z ]+ <[^<>@\s]+@[^<>@\s]+>$`).MatchString(n.Maintainer) {
		t.Errorf("maintainer %q: want \"cttop ... <address>\"", n.Maintainer)
	}
	if n.License != "Apache-2.0" || n.Homepage != "https://github.com/cttop/cttop" {
		t.Errorf("license %q homepage %q", n.License, n.Homepage)
	}
	dst := map[string]string{}
	for _, ct := range n.Contents {
		key := ct.Src
		if ct.Packager != "" {
			key += " " + ct.Packager
		}
		dst[key] = ct.Dst
	}
	for src, want := range map[string]string{
		"build/cttop.1.gz":               "/usr/share/man/man1/cttop.1.gz",
		"contrib/cttop.service":          "/usr/lib/systemd/system/cttop.service",
		"contrib/cttop-alerts.yml":       "/usr/share/doc/cttop/cttop-alerts.yml",
		"contrib/completions/cttop.bash": "/usr/share/bash-completion/completions/cttop",
		"contrib/completions/cttop.fish": "/usr/share/fish/vendor_completions.d/cttop.fish",
		"contrib/completions/_cttop deb": "/usr/share/zsh/vendor-completions/_cttop",
		"contrib/completions/_cttop rpm": "/usr/share/zsh/site-functions/_cttop",
		"LICENSE deb":                    "/usr/share/doc/cttop/copyright",
		"LICENSE rpm":                    "/usr/share/licenses/cttop/LICENSE",
	} {
		if dst[src] != want {
			t.Errorf("package puts %s at %q, want %q", src, dst[src], want)
		}
	}
	// The compressed man page is made by a hook from the generated one.
	if !slices.ContainsFunc(c.Before.Hooks, func(h string) bool {
		return strings.Contains(h, "gzip -9 -n -c cttop.1 > build/cttop.1.gz")
	}) {
		t.Errorf("no before hook makes build/cttop.1.gz: %q", c.Before.Hooks)
	}
	// The README's Install section names every installed path.
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, install, _ := strings.Cut(string(readme), "\n## Install\n")
	install, _, _ = strings.Cut(install, "\n## ")
	for _, ct := range n.Contents {
		if !strings.Contains(install, "`"+ct.Dst+"`") {
			t.Errorf("README's Install section does not name %s", ct.Dst)
		}
	}
	// Every file the release ships must exist.
	files := slices.Clone(c.Archives[0].Files)
	for _, ct := range n.Contents {
		files = append(files, ct.Src)
	}
	for _, f := range files {
		if f == "build/cttop.1.gz" {
			continue // made by the hook
		}
		if m, err := filepath.Glob(f); err != nil || len(m) == 0 {
			t.Errorf("release ships %s: no such file", f)
		}
	}
}

// TestSystemdUnit checks contrib/cttop.service: its command line parses with
// cttop's flags and serves metrics on loopback, and it runs without root
// with CAP_NET_ADMIN, CAP_SYSLOG (the kernel log) and CAP_SYS_PTRACE (other
// users' /proc/PID/ns/net) alone; TestSystemdUnitRestricted runs it so.
func TestSystemdUnit(t *testing.T) {
	f, err := os.Open("contrib/cttop.service")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("bad line %q", line)
			continue
		}
		set[k] = append(set[k], v)
	}
	exec := strings.Fields(strings.Join(set["ExecStart"], ""))
	if len(exec) < 2 || exec[0] != "/usr/bin/cttop" {
		t.Fatalf("ExecStart %v", exec)
	}
	cfg, err := parseFlags(exec[1:], nil)
	if err != nil {
		t.Fatalf("ExecStart flags: %v", err)
	}
	host, _, _ := strings.Cut(cfg.MetricsAddr, ":")
	if ip, err := netip.ParseAddr(host); !cfg.Headless || err != nil || !ip.IsLoopback() || cfg.MetricsPublic {
		t.Errorf("ExecStart %v: want --headless --metrics on a loopback address", exec[1:])
	}
	for k, want := range map[string]string{
		"DynamicUser": "yes", "AmbientCapabilities": "CAP_NET_ADMIN CAP_SYSLOG CAP_SYS_PTRACE",
		"CapabilityBoundingSet": "CAP_NET_ADMIN CAP_SYSLOG CAP_SYS_PTRACE",
		"NoNewPrivileges":       "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
	} {
		if got := strings.Join(set[k], " "); got != want {
			t.Errorf("%s=%s, want %s", k, got, want)
		}
	}
	for _, k := range []string{"User", "PrivateUsers", "PrivateNetwork", "ProcSubset"} {
		if _, ok := set[k]; ok {
			t.Errorf("%s would cut cttop off from the host's table or its /proc/sys", k)
		}
	}
}

// TestSystemdUnitVerifies runs systemd-analyze verify on the unit, where it
// is installed, with ExecStart pointing at an executable that exists: any
// complaint (an unknown key, a bad value) fails.
func TestSystemdUnitVerifies(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	b, err := os.ReadFile("contrib/cttop.service")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(t.TempDir(), "cttop.service")
	if err := os.WriteFile(unit, []byte(strings.ReplaceAll(string(b), "/usr/bin/cttop", self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", "--man=no", unit).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
