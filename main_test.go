package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/source/sourcetest"
	"github.com/ti-mo/conntrack"
)

func TestFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--bogus"}, exitUsage, "cttop: unknown flag -bogus (see cttop --help)\n"},
		{[]string{"--sort", "nope"}, exitUsage, `cttop: --sort: unknown column "nope"`},
		{[]string{"--once", "--format", "xml"}, exitUsage, `cttop: --format: unknown format "xml" (want text or json)` + "\n"},
		{[]string{"--interval", "1ms"}, exitUsage, "cttop: --interval: 1ms is too short (10ms to 10s)\n"},
		{[]string{"--interval", "-5s"}, exitUsage, "cttop: --interval: -5s is too short (10ms to 10s)\n"},
		{[]string{"--interval", "1000h"}, exitUsage, "cttop: --interval: 1000h0m0s is too long (10ms to 10s)"},
		{[]string{"--interval", "10s1ns", "--demo"}, exitUsage, "cttop: --interval: 10.000000001s is too long"},
		{[]string{"--limit", "-1"}, exitUsage, "cttop: --limit: must not be negative\n"},
		{[]string{"extra"}, exitUsage, `cttop: unexpected argument "extra"`},
		{[]string{"--demo", "--netns", "x"}, exitUsage, "cttop: --demo, --netns and --replay exclude each other\n"},
		{[]string{"--headless"}, exitUsage, "cttop: --headless needs --metrics ADDR"},
		{[]string{"--group", "port"}, exitUsage, `cttop: --group: unknown group "port"`},
		{[]string{"--group", "src/7"}, exitUsage, `cttop: --group: group "src/7": the IPv4 prefix length must be a number from 8 to 32, or auto` + "\n"},
		{[]string{"--group", "dst/33"}, exitUsage, `cttop: --group: group "dst/33": the IPv4 prefix length`},
		{[]string{"--group", "src/24,15"}, exitUsage, `cttop: --group: group "src/24,15": the IPv6 prefix length must be a number from 16 to 128, or auto` + "\n"},
		{[]string{"--group", "src/24,129"}, exitUsage, `cttop: --group: group "src/24,129": the IPv6 prefix length`},
		{[]string{"--group", "src/+24"}, exitUsage, `cttop: --group: group "src/+24": the IPv4 prefix length`},
		{[]string{"--group", "dport/24"}, exitUsage, `cttop: --group: group "dport/24": only src and dst take a prefix length (src/24) or auto` + "\n"},
		{[]string{"--threshold", "0"}, exitUsage, `cttop: --threshold: "0": want a percentage from 0.1 to 50` + "\n"},
		{[]string{"--threshold", "60"}, exitUsage, `cttop: --threshold: "60": want a percentage from 0.1 to 50` + "\n"},
		{[]string{"--threshold", "NaN"}, exitUsage, `cttop: --threshold: "NaN": want a percentage from 0.1 to 50` + "\n"},
		{[]string{"--start-view", "sideways"}, exitUsage, `cttop: --start-view: unknown start view "sideways" (want flows, top, auto)` + "\n"},
		{[]string{"--filter", "port 99999"}, exitUsage, "cttop: filter: "},
		{[]string{"--replay", "/nonexistent/file", "--once"}, exitError, "cttop: replay: open /nonexistent/file: no such file or directory\n"},
		{[]string{"--netns", "cttop-no-such-namespace", "--once"}, exitError, `cttop: --netns: unknown network namespace "cttop-no-such-namespace" (known: `},
		{[]string{"--netns", "1", "--once"}, exitError, `cttop: --netns: unknown network namespace: no namespace has inode 1 (known: `},
		{[]string{"--netns", "pid:999999999", "--once"}, exitError, `cttop: --netns: unknown network namespace "pid:999999999": no process 999999999`},
		{[]string{"--all", "--demo"}, exitUsage, "cttop: --all shows the host's namespaces: not with --demo or --replay\n"},
		{[]string{"--all", "--tune"}, exitUsage, "cttop: --all and --tune exclude each other"},
		{[]string{"--history", "10s"}, exitUsage, "cttop: --history: 10s is out of range (1m to 24h)\n"},
		{[]string{"--history", "25h"}, exitUsage, "cttop: --history: 25h0m0s is out of range (1m to 24h)\n"},
		{[]string{"--metrics-netns", "5"}, exitUsage, "cttop: --metrics-netns needs --metrics ADDR\n"},
		{[]string{"--metrics-netns", "-1", "--metrics", "127.0.0.1:0"}, exitUsage, "cttop: --metrics-netns: want 0 to 1000\n"},
		{[]string{"--replay-limits", "lines=5", "--demo"}, exitUsage, `cttop: --replay-limits: unknown limit "lines" (keys: records, line, token, gzip-ratio)`},
		{[]string{"--replay-limits", "token=4MB", "--demo"}, exitUsage, `cttop: --replay-limits: token="4MB": want a positive number`},
		// --headless logs to stderr: the error that ends it is still one line.
		{[]string{"--headless", "--metrics", "127.0.0.1:0", "--netns", "cttop-no-such-namespace"}, exitError, `cttop: --netns: unknown network namespace "cttop-no-such-namespace"`},
		// Names with control bytes are echoed escaped, never raw.
		{[]string{"--replay", "/nonexistent/x\x1b[2J\a", "--once"}, exitError, `cttop: replay: open /nonexistent/x\x1b[2J\a: no such file`},
		{[]string{"--netns", "no\x1b]0;owned\a", "--once"}, exitError, `cttop: --netns: unknown network namespace "no\x1b]0;owned\a"`},
		{[]string{"--log", "/nonexistent/\x9b2J", "--demo", "--once"}, exitError, `cttop: --log: create /nonexistent/\x9b2J: no such file`},
		{[]string{"--bogus\nforged line"}, exitUsage, `cttop: unknown flag -bogus\nforged line`},
	} {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code || !strings.HasPrefix(errb.String(), c.want) || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d, one line starting %q", c.args, code, errb.String(), c.code, c.want)
		}
		if i := strings.IndexFunc(strings.TrimSuffix(errb.String(), "\n"), func(r rune) bool { return r < ' ' || r >= 0x7f && r < 0xa0 }); i >= 0 {
			t.Errorf("%q: stderr %q has a raw control byte at %d", c.args, errb.String(), i)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--help"}, &out, &errb); code != exitOK || !strings.Contains(out.String(), "-netns NAME") {
		t.Errorf("--help: exit %d, %q", code, out.String())
	}
	out.Reset()
	if code := run([]string{"--version"}, &out, &errb); code != exitOK || !strings.HasPrefix(out.String(), "cttop ") {
		t.Errorf("--version: exit %d, %q", code, out.String())
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cttop once for the tests that run the real thing.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cttop-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "cttop")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build: %v", buildErr)
	}
	return binPath
}

type onceJSON struct {
	Table struct {
		Count, Max uint64
	} `json:"table"`
	Matched int `json:"matched"`
	Flows   []struct {
		ID     uint32   `json:"id"`
		Family string   `json:"family"`
		Proto  string   `json:"proto"`
		Src    string   `json:"src"`
		Sport  *int     `json:"sport"`
		Dst    string   `json:"dst"`
		Dport  *int     `json:"dport"`
		State  string   `json:"state"`
		Status []string `json:"status"`
		Zone   int      `json:"zone"`
	} `json:"flows"`
}

// TestOnceJSONAgreesWithKernel: --once --format json counts what the
// kernel counts (conntrack -C), and lists every flow.
func TestOnceJSONAgreesWithKernel(t *testing.T) {
	netnstest.Require(t, "conntrack")
	bin := binary(t)
	ns := netnstest.New(t)
	c := sourcetest.Dial(t, ns.Path)
	if err := sourcetest.Fill(c, 0, 1500, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	sourcetest.Create(t, c,
		sourcetest.Spec{Src: "2001:db8::1", Dst: "2001:db8::2", SrcPort: 5000, DstPort: 443},
		sourcetest.Spec{Proto: 1, Src: "192.0.2.1", Dst: "192.0.2.2", ICMPType: 8, ICMPID: 3, Timeout: 600},
		sourcetest.Spec{Src: "192.0.2.1", Dst: "198.51.100.1", SrcPort: 1, DstPort: 80, Zone: 3})
	out, err := exec.Command(bin, "--netns", ns.Name, "--once", "--format", "json", "--sort", "dport", "--reverse").Output()
	if err != nil {
		t.Fatalf("cttop --once: %v", err)
	}
	var got onceJSON
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%.300s", err, out)
	}
	kernel, err := strconv.Atoi(strings.TrimSpace(ns.Run(t, "conntrack", "-C")))
	if err != nil {
		t.Fatal(err)
	}
	if kernel != 1503 || got.Table.Count != uint64(kernel) || got.Matched != kernel || len(got.Flows) != kernel {
		t.Fatalf("kernel %d flows; cttop count %d matched %d listed %d", kernel, got.Table.Count, got.Matched, len(got.Flows))
	}
	if got.Flows[0].Dport == nil || *got.Flows[0].Dport != 443 || got.Flows[0].Family != "ipv6" {
		t.Errorf("first flow by dport descending: %+v", got.Flows[0])
	}
	var icmp, zoned int
	for _, f := range got.Flows {
		if f.Proto == "icmp" {
			icmp++
			// One state model: a protocol without states of its own is
			// REPLIED or UNREPLIED.
			if f.Sport != nil || f.State != "REPLIED" {
				t.Errorf("icmp flow with ports, or not REPLIED: %+v", f)
			}
		}
		if f.Zone == 3 {
			zoned++
		}
		if f.Proto == "tcp" && f.State != "ESTABLISHED" {
			t.Errorf("tcp flow state %q", f.State)
		}
	}
	if icmp != 1 || zoned != 1 {
		t.Errorf("icmp %d zoned %d, want 1 and 1", icmp, zoned)
	}
	limited, err := exec.Command(bin, "--netns", ns.Path, "--once", "--format", "json", "--limit", "10").Output()
	if err != nil {
		t.Fatal(err)
	}
	var lim onceJSON
	if err := json.Unmarshal(limited, &lim); err != nil || len(lim.Flows) != 10 || lim.Matched != kernel {
		t.Errorf("--limit 10: %d flows, matched %d, err %v", len(lim.Flows), lim.Matched, err)
	}
}

// TestNoPermission: without CAP_NET_ADMIN cttop says so in one line and
// suggests --demo.
func TestNoPermission(t *testing.T) {
	netnstest.Require(t, "setpriv")
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", binary(t), "--once")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitError {
		t.Fatalf("exit %v, output %q", err, out)
	}
	if !strings.Contains(string(out), "CAP_NET_ADMIN") || !strings.Contains(string(out), "--demo") || strings.Count(string(out), "\n") != 1 {
		t.Errorf("output %q", out)
	}
}

// TestOnceGroupsAgreeWithKernel: during a "flood" from a few sources to
// port 80, --once --filter 'dst port 80' --group src ranks the sources with
// the counts conntrack -L gives when filtered the same way.
func TestOnceGroupsAgreeWithKernel(t *testing.T) {
	netnstest.Require(t, "conntrack")
	bin := binary(t)
	ns := netnstest.New(t)
	c := sourcetest.Dial(t, ns.Path)
	var specs []sourcetest.Spec
	for src, n := range map[string]int{"203.0.113.7": 50, "203.0.113.8": 30, "203.0.113.9": 10} {
		for i := 0; i < n; i++ {
			specs = append(specs, sourcetest.Spec{Src: src, Dst: "192.0.2.1", SrcPort: uint16(20000 + i), DstPort: 80, State: 2,
				Status: conntrack.StatusConfirmed | conntrack.StatusSeenReply})
		}
	}
	for i := 0; i < 20; i++ {
		specs = append(specs, sourcetest.Spec{Src: "198.51.100.1", Dst: "192.0.2.1", SrcPort: uint16(30000 + i), DstPort: 443})
	}
	sourcetest.Create(t, c, specs...)

	out, err := exec.Command(bin, "--netns", ns.Name, "--once", "--format", "json", "--filter", "dst port 80", "--group", "src").Output()
	if err != nil {
		t.Fatalf("cttop: %v", err)
	}
	var got struct {
		Matched int `json:"matched"`
		Groups  []struct {
			Key   string  `json:"key"`
			Flows int     `json:"flows"`
			Share float64 `json:"share"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	// The kernel's own view: conntrack -L filtered the same way.
	kernel := map[string]int{}
	total := 0
	listing, err := ns.Command("conntrack", "-L", "-p", "tcp", "--dport", "80").Output() // stdout only
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(listing), "\n") {
		if i := strings.Index(line, "src="); i >= 0 {
			kernel[strings.Fields(line[i+4:])[0]]++
			total++
		}
	}
	if got.Matched != total || len(got.Groups) != len(kernel) {
		t.Fatalf("matched %d in %d groups; kernel %d in %d: %v", got.Matched, len(got.Groups), total, len(kernel), kernel)
	}
	for i, want := range []string{"203.0.113.7", "203.0.113.8", "203.0.113.9"} {
		g := got.Groups[i]
		if g.Key != want || g.Flows != kernel[want] {
			t.Errorf("rank %d: %s with %d flows; kernel %s with %d", i+1, g.Key, g.Flows, want, kernel[want])
		}
		if d := g.Share - float64(kernel[want])/float64(total); d > 0.001 || d < -0.001 {
			t.Errorf("%s share %.4f", g.Key, g.Share)
		}
	}
	// A filter that does not parse exits 2 with the parse error.
	cmd := exec.Command(bin, "--demo", "--once", "--filter", "dst port")
	msg, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage ||
		string(msg) != "cttop: filter: expected a port number after \"port\" at column 9\n" {
		t.Errorf("bad filter: %v %q", err, msg)
	}
}

// TestLogRefusesSymlink plants a symlink at the --log path: cttop must
// refuse it with one line and leave the target alone.
func TestLogRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	victim, link := filepath.Join(dir, "victim"), filepath.Join(dir, "cttop.log")
	if err := os.WriteFile(victim, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"--log", link, "--demo", "--once"}, &out, &errb)
	if code != exitError || !strings.Contains(errb.String(), "symlink") || strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want exit %d and one line naming the symlink", code, errb.String(), exitError)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep\n" {
		t.Errorf("the symlink's target now holds %q", b)
	}
}
