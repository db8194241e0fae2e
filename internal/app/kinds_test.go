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

	"github.com/charmbracelet/x/exp/golden"
	"github.com/cttop/cttop/filter"
	"github.com/cttop/cttop/model"
)

// Inputs of issue 10's kinds beyond its examples (testdata/kinds): each
// file is a kind of table the examples did not show.
var kindFiles = []string{"mapped.txt", "noports.txt", "icmp-xml.xml"}

// onceSorted runs cttop --once on a replay file sorted by col.
func onceSorted(t *testing.T, path, format string, col model.Column, reverse bool) string {
	t.Helper()
	var out bytes.Buffer
	cfg := Config{Replay: path, Once: true, Format: format, Sort: col, Reverse: reverse}
	if err := runOnce(context.Background(), cfg, slog.New(slog.DiscardHandler), &out); err != nil {
		t.Fatalf("--once --format %s --replay %s: %v", format, path, err)
	}
	return out.String()
}

// TestOnceMapped: an IPv6 flow between IPv4-mapped addresses
// (::ffff:192.0.2.1) is another flow than the IPv4 flow of the same
// addresses: both are kept, and every output writes the IPv6 one's
// addresses as IPv6 (never as the IPv4 flow's), bracketed before a port.
func TestOnceMapped(t *testing.T) {
	path := filepath.Join("testdata", "kinds", "mapped.txt")
	text := once(t, path, "text")
	for _, want := range []string{"matched 3",
		"tcp   192.0.2.1        40000 198.51.100.1",
		"tcp   ::ffff:192.0.2.1 40000 ::ffff:198.51.100.1",
		"src→[::ffff:203.0.113.1]:61000"} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, text)
		}
	}
	js := once(t, path, "json")
	var doc struct {
		Flows []map[string]any `json:"flows"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	// The JSON read back is the same table.
	again := filepath.Join(t.TempDir(), "mapped.json")
	if err := os.WriteFile(again, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	if back := once(t, again, "text"); back != text {
		t.Errorf("its JSON replayed:\n%s\nwant\n%s", back, text)
	}
	var got []string
	for _, f := range doc.Flows {
		got = append(got, f["family"].(string)+" "+f["src"].(string)+" "+f["reply_dst"].(string))
	}
	want := []string{"ipv4 192.0.2.1 192.0.2.1", "ipv6 ::ffff:192.0.2.1 ::ffff:192.0.2.1", "ipv6 ::ffff:192.0.2.2 ::ffff:203.0.113.1"}
	if !slices.Equal(got, want) {
		t.Errorf("JSON flows %q, want %q", got, want)
	}
	for expr, n := range map[string]string{"host 192.0.2.1": "matched 1\n", "host ::ffff:192.0.2.1": "matched 1\n",
		"ip6 and net ::ffff:0:0/96": "matched 2\n", "ip": "matched 1\n"} {
		var out bytes.Buffer
		fl, err := filter.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Replay: path, Once: true, Format: "text", Filter: fl}
		if err := runOnce(context.Background(), cfg, slog.New(slog.DiscardHandler), &out); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out.String(), n) {
			t.Errorf("--filter %q: %s", expr, out.String())
		}
	}
}

// TestOnceSortNoPorts: sorted by SPORT or DPORT, flows of protocols
// without ports (ICMP's id and type, GRE's keys, an unknown protocol's
// nothing) come after every port in both directions, never as port 0; a
// real port 0 sorts as 0.
func TestOnceSortNoPorts(t *testing.T) {
	path := filepath.Join("testdata", "kinds", "noports.txt")
	protos := func(out string) []string {
		var ps []string
		for _, r := range textRows(out)[1:] {
			ps = append(ps, strings.Fields(r)[0])
		}
		return ps
	}
	for _, c := range []struct {
		col     model.Column
		reverse bool
		want    []string
	}{
		{model.ColSport, false, []string{"sctp", "udp", "udplite", "tcp", "unknown(253)", "gre", "icmp"}},
		{model.ColSport, true, []string{"tcp", "udplite", "udp", "sctp", "unknown(253)", "gre", "icmp"}},
		{model.ColDport, false, []string{"udp", "tcp", "udplite", "sctp", "unknown(253)", "gre", "icmp"}},
		{model.ColDport, true, []string{"sctp", "udplite", "tcp", "udp", "unknown(253)", "gre", "icmp"}},
	} {
		if got := protos(onceSorted(t, path, "text", c.col, c.reverse)); !slices.Equal(got, c.want) {
			t.Errorf("--sort %v reverse=%v: %v, want %v", c.col, c.reverse, got, c.want)
		}
	}
}

// TestOnceTextKinds: --once text of each kind's input as a golden file.
func TestOnceTextKinds(t *testing.T) {
	for _, file := range kindFiles {
		t.Run(strings.TrimSuffix(strings.TrimSuffix(file, ".txt"), ".xml"), func(t *testing.T) {
			golden.RequireEqual(t, []byte(once(t, filepath.Join("testdata", "kinds", file), "text")))
		})
	}
}

// TestOnceTableUnknown: a replay of a file that recorded no kernel
// statistics writes the table's max and counters as null (unknown), never
// 0, and keeps them unknown through its own JSON; a version 2 document's
// 0 max (which stood for unknown) reads as unknown too; a recorded max and
// counters are kept.
func TestOnceTableUnknown(t *testing.T) {
	table := func(js string) map[string]any {
		t.Helper()
		var doc struct {
			Table map[string]any `json:"table"`
		}
		if err := json.Unmarshal([]byte(js), &doc); err != nil {
			t.Fatalf("%v: %s", err, js)
		}
		return doc.Table
	}
	unknown := func(what string, tb map[string]any) {
		t.Helper()
		for _, k := range []string{"max", "drops", "early_drops", "insert_failed", "invalid"} {
			if v, ok := tb[k]; !ok || v != nil {
				t.Errorf("%s: %s is %v, want null", what, k, v)
			}
		}
	}
	js := once(t, filepath.Join("testdata", "kinds", "noports.txt"), "json")
	tb := table(js)
	unknown("a text replay", tb)
	if tb["count"] != 7.0 {
		t.Errorf("count %v, want the 7 flows loaded", tb["count"])
	}
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unknown("its JSON replayed", table(once(t, write("v3.json", js), "json")))
	v2 := strings.Replace(strings.Replace(js, `"version":3`, `"version":2`, 1),
		`"max":null,"drops":null,"early_drops":null,"insert_failed":null,"invalid":null`,
		`"max":0,"drops":0,"early_drops":0,"insert_failed":0,"invalid":0`, 1)
	unknown("a version 2 document's 0", table(once(t, write("v2.json", v2), "json")))
	rec := strings.Replace(js, `"max":null,"drops":null,"early_drops":null,"insert_failed":null,"invalid":null`,
		`"max":262144,"drops":3,"early_drops":0,"insert_failed":1,"invalid":0`, 1)
	got := table(once(t, write("rec.json", rec), "json"))
	if got["max"] != 262144.0 || got["drops"] != 3.0 || got["early_drops"] != 0.0 || got["insert_failed"] != 1.0 {
		t.Errorf("recorded statistics: %v", got)
	}
	if text := once(t, write("rec2.json", rec), "text"); !strings.HasPrefix(text, "table 7 / 262144") {
		t.Errorf("recorded statistics in text: %s", text)
	}
}

// TestOnceICMPFromXML: conntrack -L -o xml has no ICMP type, code or id:
// the cells are "-" and the JSON leaves them out, never type 0/0 and id 0,
// also once that JSON is replayed.
func TestOnceICMPFromXML(t *testing.T) {
	path := filepath.Join("testdata", "kinds", "icmp-xml.xml")
	text := once(t, path, "text")
	if strings.Contains(text, "id 0") || strings.Contains(text, "0/0") {
		t.Errorf("ICMP fields shown as 0:\n%s", text)
	}
	js := once(t, path, "json")
	again := filepath.Join(t.TempDir(), "icmp.json")
	if err := os.WriteFile(again, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{js, once(t, again, "json")} {
		if strings.Contains(out, "icmp_") {
			t.Errorf("ICMP fields in the JSON of a format without them:\n%s", out)
		}
	}
	if back := once(t, again, "text"); back != text {
		t.Errorf("its JSON replayed:\n%s\nwant\n%s", back, text)
	}
}
