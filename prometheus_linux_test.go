package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cttop/cttop/internal/netnstest"
	"github.com/cttop/cttop/source/sourcetest"
	"gopkg.in/yaml.v3"
)

// TestPrometheus is how a fleet uses cttop: a real Prometheus server (the
// Debian package's) scrapes cttop --headless every second with the alert
// rules of contrib/cttop-alerts.yml loaded. Through Prometheus' HTTP API
// the entries series equals the namespace's conntrack -C, the flows created
// counter counts every flow the test creates, ConntrackTableNearlyFull
// fires when the table fills (its for: lowered to 1s in the test's copy),
// and every expression of the Grafana dashboard returns data.
func TestPrometheus(t *testing.T) {
	netnstest.Require(t, "conntrack", "prometheus", "promtool")
	bin := binary(t)
	ns := netnstest.New(t)
	const max = 1000
	netnstest.SetConntrackMax(t, max)
	c := sourcetest.Dial(t, ns.Path)
	if err := sourcetest.Fill(c, 0, 100, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	cttopAddr, promAddr := freeAddr(t), freeAddr(t)
	rules := alertRulesFor(t, map[string]string{"ConntrackTableNearlyFull": "1s"})
	writeFile(t, filepath.Join(dir, "rules.yml"), rules)
	writeFile(t, filepath.Join(dir, "prometheus.yml"), fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: cttop
    static_configs:
      - targets: [%q]
`, cttopAddr))
	out, err := exec.Command("promtool", "check", "config", filepath.Join(dir, "prometheus.yml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	var promLog strings.Builder
	prom := exec.Command("prometheus", "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+promAddr, "--log.level=warn")
	prom.Stdout, prom.Stderr = &promLog, &promLog
	var cttopLog strings.Builder
	ct := exec.Command(bin, "--headless", "--metrics", cttopAddr, "--netns", ns.Name, "--interval", "100ms")
	ct.Stdout, ct.Stderr = &cttopLog, &cttopLog
	startSupervised(t, ct, prom)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cttop's output:\n%s\nprometheus' output:\n%s", cttopLog.String(), promLog.String())
		}
	})
	api := promAPI{t: t, base: "http://" + promAddr}

	api.waitFor("prometheus ready", 30*time.Second, func() bool {
		resp, err := http.Get(api.base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	// A scrape: up, and the entries series is the kernel's count.
	api.waitFor("cttop scraped", 30*time.Second, func() bool {
		v, ok := api.scalar(`up{job="cttop"}`)
		return ok && v == 1
	})
	kernelCount := func() float64 {
		n, err := strconv.Atoi(strings.TrimSpace(ns.Run(t, "conntrack", "-C")))
		if err != nil {
			t.Fatalf("conntrack -C: %v", err)
		}
		return float64(n)
	}
	want := kernelCount()
	if want != 100 {
		t.Fatalf("conntrack -C says %v, want the 100 flows made", want)
	}
	api.waitFor("cttop_conntrack_entries = conntrack -C", 10*time.Second, func() bool {
		v, ok := api.scalar(`cttop_conntrack_entries{job="cttop"}`)
		return ok && v == want
	})
	if v, _ := api.scalar(`cttop_conntrack_max{job="cttop"}`); v != max {
		t.Errorf("cttop_conntrack_max = %v, want %d", v, max)
	}
	// The build info says what --version says.
	ver, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := api.vector(`cttop_build_info{job="cttop"}`); len(b) != 1 ||
		string(ver) != fmt.Sprintf("cttop %s (commit %s, %s %s/%s)\n", b[0].Metric["version"], b[0].Metric["revision"],
			b[0].Metric["goversion"], runtime.GOOS, runtime.GOARCH) {
		t.Errorf("cttop_build_info %v, --version %q", b, ver)
	}
	created0, _ := api.scalar(`cttop_flows_created_total{job="cttop"}`)
	if v, ok := api.alert("ConntrackTableNearlyFull"); ok {
		t.Fatalf("ConntrackTableNearlyFull is %s at 10%% full", v.State)
	}

	// Fill the table to 95%: the alert fires, and says how fast flows came.
	if err := sourcetest.Fill(c, 100, 850, "198.51.100.1", 80); err != nil {
		t.Fatal(err)
	}
	want = kernelCount()
	if want != 950 {
		t.Fatalf("conntrack -C says %v, want 950", want)
	}
	api.waitFor("cttop_conntrack_entries = conntrack -C after the fill", 10*time.Second, func() bool {
		v, ok := api.scalar(`cttop_conntrack_entries{job="cttop"}`)
		return ok && v == want
	})
	if v, _ := api.scalar(`cttop_conntrack_fill_ratio{job="cttop"}`); v != 0.95 {
		t.Errorf("cttop_conntrack_fill_ratio = %v, want 0.95", v)
	}
	api.waitFor("the flows created counter counts the 850 new flows", 10*time.Second, func() bool {
		v, ok := api.scalar(`cttop_flows_created_total{job="cttop"}`)
		return ok && v-created0 == 850
	})
	var firing promAlert
	api.waitFor("ConntrackTableNearlyFull firing", 20*time.Second, func() bool {
		a, ok := api.alert("ConntrackTableNearlyFull")
		firing = a
		return ok && a.State == "firing"
	})
	if !strings.Contains(firing.Annotations["summary"], "95% full") ||
		!strings.Contains(firing.Annotations["description"], "flows were created at") ||
		strings.Contains(firing.Annotations["description"], "(unknown)") {
		t.Errorf("the alert's annotations: %q", firing.Annotations)
	}

	// Every expression of the Grafana dashboard returns data.
	for where, expr := range dashboardQueries(t) {
		if n := api.count(expr); n == 0 {
			t.Errorf("dashboard %s: %s returns nothing", where, expr)
		}
	}

	// A real scrape of cttop passes promtool check metrics.
	resp, err := http.Get("http://" + cttopAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	check := exec.Command("promtool", "check", "metrics")
	check.Stdin = strings.NewReader(string(body))
	if out, err := check.CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("promtool check metrics on cttop's /metrics: %v\n%s", err, out)
	}
}

// startSupervised starts the commands from an OS thread of their own,
// which lives until the test ends, with Pdeathsig set: the kernel kills
// them when that thread, and so the test process, dies in any way (a panic,
// a timeout's SIGKILL, netnstest's exit on SIGTERM). A Go thread that
// started them and went away first would kill them early, so the thread is
// locked and kept. The test's cleanup kills them and reaps them.
func startSupervised(t *testing.T, cmds ...*exec.Cmd) {
	t.Helper()
	started := make(chan error, 1)
	release := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		for i, c := range cmds {
			c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			if err := c.Start(); err != nil {
				for _, s := range cmds[:i] {
					s.Process.Kill()
					s.Wait()
				}
				started <- fmt.Errorf("start %s: %w", c.Path, err)
				return
			}
		}
		started <- nil
		<-release
	}()
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
		close(release)
	})
}

// freeAddr returns a loopback address with a port nobody listens on now,
// below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768
// and up here), so that no connection or ":0" listener of a concurrent test
// takes it before cttop or Prometheus binds it.
func freeAddr(t *testing.T) string {
	t.Helper()
	for range 100 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("no free port in 20000-31999")
	return ""
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// alertRulesFor returns contrib/cttop-alerts.yml with the for: of the
// named alerts replaced.
func alertRulesFor(t *testing.T, forOf map[string]string) string {
	t.Helper()
	b, err := os.ReadFile("contrib/cttop-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, g := range doc["groups"].([]any) {
		for _, r := range g.(map[string]any)["rules"].([]any) {
			rule := r.(map[string]any)
			if d, ok := forOf[fmt.Sprint(rule["alert"])]; ok {
				rule["for"] = d
				changed++
			}
		}
	}
	if changed != len(forOf) {
		t.Fatalf("changed %d rules' for:, want %d", changed, len(forOf))
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// dashboardQueries returns contrib/grafana-dashboard.json's panel
// expressions with Grafana's variables replaced as Grafana would for one
// host over the last hour.
func dashboardQueries(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("contrib/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr, RefID string }
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer("$__rate_interval", "1m", "$__range", "1h", "$instance", ".*")
	q := map[string]string{}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			q[fmt.Sprintf("panel %q %s", p.Title, tg.RefID)] = vars.Replace(tg.Expr)
		}
	}
	if len(q) < 10 {
		t.Fatalf("%d dashboard expressions", len(q))
	}
	return q
}

// promAPI queries a Prometheus server's HTTP API.
type promAPI struct {
	t    *testing.T
	base string
}

func (p promAPI) get(path string, params url.Values, into any) bool {
	p.t.Helper()
	resp, err := http.Get(p.base + path + "?" + params.Encode())
	if err != nil {
		return false // not listening yet
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusServiceUnavailable {
		return false // starting: "Service Unavailable" until its storage is ready
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatalf("%s: %v", path, err)
	}
	var r struct {
		Status string
		Error  string
		Data   json.RawMessage
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Status != "success" {
		p.t.Fatalf("%s %v: %s %v: %.300s", path, params, resp.Status, err, body)
	}
	if err := json.Unmarshal(r.Data, into); err != nil {
		p.t.Fatalf("%s: %v", path, err)
	}
	return true
}

type promSample struct {
	Metric map[string]string
	Value  [2]any // time, "value"
}

// vector runs an instant query; ok is false while the server is not up.
func (p promAPI) vector(query string) ([]promSample, bool) {
	var data struct {
		ResultType string
		Result     json.RawMessage
	}
	if !p.get("/api/v1/query", url.Values{"query": {query}}, &data) {
		return nil, false
	}
	if data.ResultType == "scalar" {
		var s [2]any
		json.Unmarshal(data.Result, &s)
		return []promSample{{Value: s}}, true
	}
	var v []promSample
	if err := json.Unmarshal(data.Result, &v); err != nil {
		p.t.Fatalf("%s: %v", query, err)
	}
	return v, true
}

// scalar returns the one value of an instant query (ok false when the
// query returns nothing or several series).
func (p promAPI) scalar(query string) (float64, bool) {
	v, ok := p.vector(query)
	if !ok || len(v) != 1 {
		return 0, false
	}
	f, err := strconv.ParseFloat(fmt.Sprint(v[0].Value[1]), 64)
	return f, err == nil
}

func (p promAPI) count(query string) int {
	v, _ := p.vector(query)
	return len(v)
}

type promAlert struct {
	Labels      map[string]string
	Annotations map[string]string
	State       string
}

// alert returns the named alert, if it is pending or firing.
func (p promAPI) alert(name string) (promAlert, bool) {
	var data struct{ Alerts []promAlert }
	if !p.get("/api/v1/alerts", nil, &data) {
		return promAlert{}, false
	}
	for _, a := range data.Alerts {
		if a.Labels["alertname"] == name {
			return a, true
		}
	}
	return promAlert{}, false
}

func (p promAPI) waitFor(what string, timeout time.Duration, ok func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	start := time.Now()
	for !ok() {
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Logf("%s: after %v", what, time.Since(start).Round(time.Millisecond))
}
