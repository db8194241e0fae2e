package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/ctjson"
	"github.com/cttop/cttop/model"
	"github.com/cttop/cttop/source/replay"
	"github.com/cttop/cttop/ui"
)

// issue10Files are the replay inputs of issue 10's examples.
var issue10Files = []string{"offload.txt", "ipv6-nat.txt", "sctp.txt", "zone-orig.txt", "gre.txt", "icmp.txt"}

// once runs cttop --once on a replay file and returns what it writes.
func once(t *testing.T, path, format string) string {
	t.Helper()
	var out bytes.Buffer
	cfg := Config{Replay: path, Once: true, Format: format, Sort: model.ColSrc}
	if err := runOnce(context.Background(), cfg, slog.New(slog.DiscardHandler), &out); err != nil {
		t.Fatalf("--once --format %s --replay %s: %v", format, path, err)
	}
	return out.String()
}

// TestOnceTextIssue10: --once --format text of each of issue 10's inputs,
// as golden files, and what each must say.
func TestOnceTextIssue10(t *testing.T) {
	must := map[string][]string{
		// Offloaded flows: no timeout, no state (never 0), the flags shown.
		"offload.txt": {"tcp   192.0.2.17   56408 192.0.2.16   5001 -       - OH", "FLAGS: O OFFLOAD, H HW_OFFLOAD"},
		// The IPv6 DNAT: bracketed, never 2001:db8:177:177::680a:53.
		"ipv6-nat.txt":  {"dst→[2001:db8:177:177::680a]:53"},
		"sctp.txt":      {"COOKIE_WAIT       49m56s U", "SHUTDOWN_ACK_SENT     2s A"},
		"zone-orig.txt": {"7 orig", "9 reply"},
		// GRE keys as keys, never as ports.
		"gre.txt": {"gre   10.0.0.5  0x1f4 198.51.100.7  0x2a", "src→203.0.113.1 key 0x8001"},
		// ICMP type/code and id; the id rewritten with the source.
		"icmp.txt": {"id 1234", "8/0", "128/0", "src→203.0.113.1 id 9"},
	}
	for _, file := range issue10Files {
		t.Run(strings.TrimSuffix(file, ".txt"), func(t *testing.T) {
			out := once(t, filepath.Join("testdata", "issue10", file), "text")
			for _, want := range must[file] {
				if !strings.Contains(out, want) {
					t.Errorf("lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "2001:db8:177:177::680a:53") {
				t.Errorf("an IPv6 address and port without brackets:\n%s", out)
			}
			golden.RequireEqual(t, []byte(out))
		})
	}
}

// tableRows renders the terminal table of a replay at width w and returns
// its data rows, without styles.
func tableRows(t *testing.T, path string, w int) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	now := time.Now()
	sn, _, err := replay.Load(f, now)
	if err != nil {
		t.Fatal(err)
	}
	m := ui.New(ui.Config{Sort: model.ColSrc, Batches: make(chan *model.Batch), Done: make(chan error), ReadOnly: "replay"})
	m.Update(tea.WindowSizeMsg{Width: w, Height: sn.Len() + 10})
	m.Update(ui.BatchMsg{Batch: &model.Batch{Time: now, Snapshot: sn, Info: model.SourceInfo{Kind: "replay", Name: path}}})
	var rows []string
	in := false
	for _, line := range strings.Split(ansi.Strip(m.View().Content), "\n") {
		switch {
		case strings.HasPrefix(line, "PROTO"):
			in = true
			rows = append(rows, strings.ReplaceAll(strings.ReplaceAll(line, "▲", ""), "▼", ""))
		case in && strings.TrimSpace(line) == "":
			return rows
		case in:
			rows = append(rows, line)
		}
	}
	return rows
}

// textRows returns the header and data rows of --once text.
func textRows(out string) []string {
	var rows []string
	in := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "PROTO"):
			in = true
			rows = append(rows, line)
		case in && (line == "" || strings.HasPrefix(line, "FLAGS: ")):
			return rows
		case in:
			rows = append(rows, line)
		}
	}
	return rows
}

// TestTableRendersAsOnceText: the terminal table's rows show each flow as
// cttop --once text does, the same cells from the same format functions,
// the column titles included: for issue 10's inputs and for real captures
// of every protocol, NAT, zones, marks and counters.
func TestTableRendersAsOnceText(t *testing.T) {
	files := []string{"../../source/replay/testdata/conntrack-L-extended.txt", "../../source/replay/testdata/proc-nf_conntrack.txt",
		"../../source/replay/testdata/conntrack-L.xml"}
	for _, f := range issue10Files {
		files = append(files, filepath.Join("testdata", "issue10", f))
	}
	for _, f := range kindFiles {
		files = append(files, filepath.Join("testdata", "kinds", f))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			text := textRows(once(t, path, "text"))
			table := tableRows(t, path, 400)
			if len(text) < 2 || len(text) != len(table) {
				t.Fatalf("%d rows in text, %d in the table:\n%s\n---\n%s", len(text), len(table), strings.Join(text, "\n"), strings.Join(table, "\n"))
			}
			norm := func(rows []string) []string {
				out := make([]string, len(rows))
				for i, r := range rows {
					out[i] = strings.Join(strings.Fields(r), " ")
				}
				slices.Sort(out[1:])
				return out
			}
			a, b := norm(text), norm(table)
			for i := range a {
				if a[i] != b[i] {
					t.Errorf("row %d:\ntext:  %s\ntable: %s", i, a[i], b[i])
				}
			}
		})
	}
}

// TestOnceJSONIssue10: --once --format json of each of issue 10's inputs,
// as golden files, and what each must say: an unknown value absent (never
// 0), every field that tells the flows apart.
func TestOnceJSONIssue10(t *testing.T) {
	type flow = map[string]any
	check := map[string]func(t *testing.T, fs []flow){
		"offload.txt": func(t *testing.T, fs []flow) {
			for _, f := range fs {
				if _, ok := f["timeout"]; ok {
					t.Errorf("offloaded flow with a timeout: %v", f)
				}
				if _, ok := f["state"]; ok {
					t.Errorf("offloaded flow with a state: %v", f)
				}
				if !slices.Contains(f["status"].([]any), any("OFFLOAD")) {
					t.Errorf("offloaded flow without OFFLOAD: %v", f)
				}
			}
		},
		"ipv6-nat.txt": func(t *testing.T, fs []flow) {
			if f := fs[0]; f["reply_src"] != "2001:db8:177:177::680a" || f["reply_sport"] != 53.0 || f["state"] != "REPLIED" {
				t.Errorf("IPv6 DNAT: %v", f)
			}
		},
		"sctp.txt": func(t *testing.T, fs []flow) {
			if f := fs[0]; f["state"] != "COOKIE_WAIT" || f["timeout"] != 2996.0 {
				t.Errorf("SCTP: %v", f)
			}
		},
		"zone-orig.txt": func(t *testing.T, fs []flow) {
			want := []struct {
				zone float64
				dir  any
			}{{7, "orig"}, {9, "reply"}, {5, nil}}
			for i, w := range want {
				if fs[i]["zone"] != w.zone || fs[i]["zone_dir"] != w.dir {
					t.Errorf("flow %d: zone %v %v, want %v %v", i, fs[i]["zone"], fs[i]["zone_dir"], w.zone, w.dir)
				}
			}
		},
		"gre.txt": func(t *testing.T, fs []flow) {
			f := fs[0]
			if f["srckey"] != 500.0 || f["dstkey"] != 42.0 || f["reply_srckey"] != 42.0 || f["reply_dstkey"] != 0x8001+0.0 {
				t.Errorf("GRE keys: %v", f)
			}
			if _, ok := f["sport"]; ok {
				t.Errorf("GRE keys written as ports: %v", f)
			}
		},
		"icmp.txt": func(t *testing.T, fs []flow) {
			f := fs[0]
			if f["icmp_type"] != 8.0 || f["icmp_id"] != 7.0 || f["reply_icmp_type"] != 0.0 || f["reply_icmp_id"] != 9.0 {
				t.Errorf("ICMP with its id rewritten: %v", f)
			}
		},
	}
	for _, file := range issue10Files {
		t.Run(strings.TrimSuffix(file, ".txt"), func(t *testing.T) {
			out := once(t, filepath.Join("testdata", "issue10", file), "json")
			var doc struct {
				Version int    `json:"version"`
				Flows   []flow `json:"flows"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("%v:\n%s", err, out)
			}
			if doc.Version != ctjson.Version || len(doc.Flows) == 0 {
				t.Fatalf("version %d, %d flows:\n%s", doc.Version, len(doc.Flows), out)
			}
			for _, f := range doc.Flows {
				for k, v := range f {
					if v == nil && k != "helper" && k != "labels" && k != "secctx" {
						t.Errorf("%s is null: unknown is absent", k)
					}
				}
			}
			check[file](t, doc.Flows)
			golden.RequireEqual(t, []byte(out))
		})
	}
}

// TestCountersSince: --once text labels the kernel's cumulative counters
// with what they count from.
func TestCountersSince(t *testing.T) {
	for _, c := range []struct {
		info model.SourceInfo
		want string
	}{
		{model.SourceInfo{Kind: "kernel"}, "since boot"},
		{model.SourceInfo{Kind: "kernel", Name: "web (4026532177)"}, "since namespace web (4026532177) was made"},
		{model.SourceInfo{Kind: "replay", Name: "x.txt"}, "as recorded"},
	} {
		if got := countersSince(c.info); got != c.want {
			t.Errorf("%+v: %q, want %q", c.info, got, c.want)
		}
	}
}
