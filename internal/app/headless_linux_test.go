package app

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/source/sourcetest"
)

// TestHeadlessMetricsKernel runs --headless on a namespace with known flows,
// scrapes /metrics over HTTP and checks it against the kernel.
func TestHeadlessMetricsKernel(t *testing.T) {
	netnstest.Require(t, "conntrack")
	ns := netnstest.New(t)
	c := sourcetest.Dial(t, ns.Path)
	if err := sourcetest.Fill(c, 0, 300, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	// 40 flows from one source: the top source, then 5 UDP flows.
	var specs []sourcetest.Spec
	for i := range 40 {
		specs = append(specs, sourcetest.Spec{Src: "192.0.2.77", Dst: "198.51.100.2", SrcPort: uint16(20000 + i), DstPort: 443})
	}
	for i := range 5 {
		specs = append(specs, sourcetest.Spec{Proto: 17, Src: "192.0.2.88", Dst: "198.51.100.53", SrcPort: uint16(30000 + i), DstPort: 53})
	}
	sourcetest.Create(t, c, specs...)
	count, err := strconv.Atoi(strings.TrimSpace(ns.Run(t, "conntrack", "-C")))
	if err != nil || count != 345 {
		t.Fatalf("conntrack -C: %d, %v; want 345", count, err)
	}
	max, _ := strconv.Atoi(strings.TrimSpace(ns.Run(t, "cat", "/proc/sys/net/netfilter/nf_conntrack_max")))

	url, stop := startHeadless(t, Config{NetNS: ns.Name, Interval: 50 * time.Millisecond, TopN: 2})
	m := waitFor(t, url, func(m map[string]float64) bool {
		return m["cttop_conntrack_entries"] == float64(count) && m[`cttop_top_source_flows{source="192.0.2.77"}`] == 40
	})
	for series, want := range map[string]float64{
		"cttop_conntrack_max":                             float64(max),
		"cttop_conntrack_fill_ratio":                      float64(count) / float64(max),
		`cttop_flows{protocol="tcp",state="ESTABLISHED"}`: 340,
		`cttop_flows{protocol="tcp",state="SYN_SENT"}`:    0,
		`cttop_flows_by_protocol{protocol="tcp"}`:         340,
		`cttop_flows_by_protocol{protocol="udp"}`:         5,
		`cttop_top_source_flows{source="192.0.2.88"}`:     5,
		"cttop_conntrack_drops_total":                     0,
		"cttop_resyncs_total":                             0,
	} {
		if got, ok := m[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	tops := 0
	for k := range m {
		if strings.HasPrefix(k, "cttop_top_source_flows{") {
			tops++
		}
	}
	if tops != 2 {
		t.Errorf("%d top source series, want 2 (--top 2)", tops)
	}

	// A new flow shows up as an event, and in the count.
	sourcetest.Create(t, c, sourcetest.Spec{Src: "192.0.2.77", Dst: "198.51.100.2", SrcPort: 29999, DstPort: 443})
	waitFor(t, url, func(m map[string]float64) bool {
		return m["cttop_conntrack_entries"] == float64(count+1) && m[`cttop_top_source_flows{source="192.0.2.77"}`] == 41
	})
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("still serving after stop: %s", resp.Status)
	}
}
