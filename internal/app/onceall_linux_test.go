package app

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/source/sourcetest"
)

// TestOnceAllKernel: --once --all --format json lists the namespaces
// fullest first with conntrack -C's counts; text lists the active ones.
func TestOnceAllKernel(t *testing.T) {
	netnstest.Require(t, "conntrack")
	big, small, idle := netnstest.New(t), netnstest.New(t), netnstest.NewBare(t)
	if err := sourcetest.Fill(sourcetest.Dial(t, big.Path), 0, 250, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	if err := sourcetest.Fill(sourcetest.Dial(t, small.Path), 0, 3, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runOnceAll(Config{Format: "json", All: true, Once: true}, &out); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Max        uint64 `json:"max"`
		Entries    uint64 `json:"entries"`
		Idle       int    `json:"idle"`
		Namespaces []struct {
			Name    string  `json:"name"`
			Inode   uint64  `json:"inode"`
			Entries *uint64 `json:"entries"`
			Drops   *uint64 `json:"drops"`
			Active  bool    `json:"active"`
		} `json:"namespaces"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	pos := map[string]int{}
	var sum uint64
	for i, ns := range doc.Namespaces {
		pos[ns.Name] = i
		if ns.Entries != nil {
			sum += *ns.Entries
		}
		if i > 0 && ns.Entries != nil && doc.Namespaces[i-1].Entries != nil && *ns.Entries > *doc.Namespaces[i-1].Entries {
			t.Errorf("not fullest first at %d: %s", i, ns.Name)
		}
	}
	for _, tc := range []struct {
		ns     *netnstest.NS
		active bool
	}{{big, true}, {small, true}, {idle, false}} {
		i, ok := pos[tc.ns.Name]
		if !ok {
			t.Fatalf("%s missing from %s", tc.ns.Name, out.String())
		}
		got := doc.Namespaces[i]
		want, _ := strconv.ParseUint(strings.TrimSpace(tc.ns.Run(t, "conntrack", "-C")), 10, 64)
		fi, _ := os.Stat(tc.ns.Path)
		if got.Entries == nil || *got.Entries != want || got.Active != tc.active || got.Inode != fi.Sys().(*syscall.Stat_t).Ino || got.Drops == nil {
			t.Errorf("%s: %+v, conntrack -C %d", tc.ns.Name, got, want)
		}
	}
	if pos[big.Name] > pos[small.Name] || doc.Max == 0 || doc.Entries != sum || doc.Idle < 1 {
		t.Errorf("order %d %d, max %d, entries %d (rows sum %d), idle %d", pos[big.Name], pos[small.Name], doc.Max, doc.Entries, sum, doc.Idle)
	}

	out.Reset()
	if err := runOnceAll(Config{Format: "text", All: true, Once: true}, &out); err != nil {
		t.Fatal(err)
	}
	if text := out.String(); !strings.Contains(text, big.Name) || strings.Contains(text, idle.Name) || !strings.Contains(text, "idle not listed") {
		t.Errorf("text:\n%s", text)
	}
}
