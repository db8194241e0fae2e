package app

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cttop/cttop/metrics"
)

// scrape fetches url and returns its samples by series ("name{labels}").
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape: %s: %s", resp.Status, b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape: bad line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// startHeadless runs headless with cfg on a loopback port of its own and
// returns the metrics URL and a function that stops it and returns its error.
func startHeadless(t *testing.T, cfg Config) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := metrics.Listen(ctx, "127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MetricsAddr, cfg.Headless, cfg.Version, cfg.Commit = ln.Addr().String(), true, "v-test", "c-test"
	done := make(chan error, 1)
	go func() { done <- headless(ctx, cfg, slog.New(slog.DiscardHandler), ln) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("headless did not stop")
			return nil
		}
	}
	t.Cleanup(func() { cancel() })
	return "http://" + ln.Addr().String() + "/metrics", stop
}

// waitFor scrapes until ok accepts the samples, for up to 10 seconds.
func waitFor(t *testing.T, url string, ok func(map[string]float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := scrape(t, url)
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never became right; last scrape:\n%v", m)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestHeadlessDemo serves the demo's table: no root, no kernel.
func TestHeadlessDemo(t *testing.T) {
	url, stop := startHeadless(t, Config{Demo: true, Seed: 1, Interval: 20 * time.Millisecond, TopN: 3})
	m := waitFor(t, url, func(m map[string]float64) bool {
		return m["cttop_conntrack_entries"] > 0 && m["cttop_flows_created_total"] > 0
	})
	tops := 0
	for k := range m {
		if strings.HasPrefix(k, "cttop_top_source_flows{") {
			tops++
		}
	}
	if tops != 3 {
		t.Errorf("%d top sources, want 3 (--top 3)", tops)
	}
	if build := `cttop_build_info{goversion="` + runtime.Version() + `",revision="c-test",version="v-test"}`; m[build] != 1 {
		t.Errorf("no %s", build)
	}
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func TestHeadlessNeedsMetrics(t *testing.T) {
	err := runHeadless(context.Background(), Config{Headless: true, Demo: true}, slog.New(slog.DiscardHandler))
	if !errors.Is(err, ErrHeadlessNeedsMetrics) {
		t.Errorf("runHeadless without --metrics: %v", err)
	}
	err = runHeadless(context.Background(), Config{Headless: true, Demo: true, MetricsAddr: "0.0.0.0:0"}, slog.New(slog.DiscardHandler))
	var nl *metrics.NotLoopbackError
	if !errors.As(err, &nl) {
		t.Errorf("runHeadless --metrics 0.0.0.0:0: %v, want a refusal", err)
	}
}
