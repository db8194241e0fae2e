package metrics

import (
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// requireTool skips t when a tool is missing, or fails it when the
// environment forces the kernel tests (CTTOP_KERNEL_TESTS=1, as make test
// and CI run them, after scripts/deps.sh installed the tool).
func requireTool(t *testing.T, tool string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CTTOP_KERNEL_TESTS") == "1" {
			t.Fatalf("%s is not installed (scripts/deps.sh installs it; CTTOP_KERNEL_TESTS=1 forbids skipping)", tool)
		}
		t.Skipf("%s is not installed (scripts/deps.sh installs it)", tool)
	}
	return path
}

// TestAlertRulesPromtool checks contrib/cttop-alerts.yml with Prometheus'
// own parser: promtool check rules parses every expression and template.
func TestAlertRulesPromtool(t *testing.T) {
	promtool := requireTool(t, "promtool")
	out, err := exec.Command(promtool, "check", "rules", "../contrib/cttop-alerts.yml").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS: 4 rules found") {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
}

// TestMetricsPromtool lints a real scrape of /metrics, every cttop metric
// present, with promtool check metrics (Prometheus' naming and type rules).
func TestMetricsPromtool(t *testing.T) {
	promtool := requireTool(t, "promtool")
	e := NewExporter("v1.2.3", "0123abc")
	e.Publish(SnapshotFromTable(testTable(), 2))
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"cttop_flows_created_total", "cttop_conntrack_fill_ratio", "cttop_top_source_flows"} {
		if !strings.Contains(string(body), "\n"+m) {
			t.Fatalf("scrape lacks %s:\n%s", m, body)
		}
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(body))
	if out, err := cmd.CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
