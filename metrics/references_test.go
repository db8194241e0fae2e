package metrics

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"
)

// promqlMetricNames returns the metric names an expression selects: the
// identifiers that are neither functions, aggregations, keywords nor label
// names. It does not validate the expression; promtool does that (see
// TestDashboardPromtool). Hand-written because Prometheus' parser lives in
// the prometheus/prometheus module, whose dependencies would raise a dozen
// of this project's for one test.
func promqlMetricNames(expr string) ([]string, error) {
	var names []string
	isIdent := func(c byte, first bool) bool {
		return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
	}
	// skipTo returns the index after the bracket closing the one at i,
	// skipping quoted strings inside.
	skipTo := func(i int, open, close byte) (int, error) {
		depth := 0
		for ; i < len(expr); i++ {
			switch c := expr[i]; c {
			case '"', '\'', '`':
				j := i + 1
				for ; j < len(expr) && expr[j] != c; j++ {
					if expr[j] == '\\' && c != '`' {
						j++
					}
				}
				i = j
			case open:
				depth++
			case close:
				if depth--; depth == 0 {
					return i + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unclosed %c in %q", open, expr)
	}
	notMetric := map[string]bool{
		"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true,
		// aggregations, which may be followed by a grouping before "("
		"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
		"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
		"limitk": true, "limit_ratio": true,
	}
	grouping := map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '{':
			j, err := skipTo(i, '{', '}')
			if err != nil {
				return nil, err
			}
			i = j
		case c == '[':
			j, err := skipTo(i, '[', ']')
			if err != nil {
				return nil, err
			}
			i = j
		case c == '"' || c == '\'' || c == '`':
			j, err := skipTo(i, c, c) // a string outside a selector: no names in it
			if err != nil {
				return nil, err
			}
			i = j
		case c == '$': // a Grafana variable
			i++
			for i < len(expr) && (isIdent(expr[i], false) || expr[i] == '{' || expr[i] == '}') {
				i++
			}
		case c >= '0' && c <= '9' || c == '.': // a number or a duration
			for i < len(expr) && (isIdent(expr[i], false) || expr[i] == '.') {
				i++
			}
		case isIdent(c, true):
			j := i
			for j < len(expr) && isIdent(expr[j], false) {
				j++
			}
			word := expr[i:j]
			k := j
			for k < len(expr) && expr[k] == ' ' {
				k++
			}
			switch {
			case grouping[word] && (k >= len(expr) || expr[k] != '('):
				if !strings.HasPrefix(word, "group_") { // their list is optional
					return nil, fmt.Errorf("%s without a label list in %q", word, expr)
				}
			case grouping[word]:
				end, err := skipTo(k, '(', ')')
				if err != nil {
					return nil, err
				}
				j = end
			case notMetric[word], k < len(expr) && expr[k] == '(': // a function call
			default:
				names = append(names, word)
			}
			i = j
		default:
			i++
		}
	}
	return names, nil
}

func TestPromqlMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`cttop_conntrack_fill_ratio > 0.9`:                                           {"cttop_conntrack_fill_ratio"},
		`rate(cttop_conntrack_drops_total{instance=~"$instance"}[$__rate_interval])`: {"cttop_conntrack_drops_total"},
		`sum by (state) (cttop_flows{a="by (x)", b='}'})`:                            {"cttop_flows"},
		`topk(10, cttop_top_source_flows) / on (instance) group_left cttop_max`:      {"cttop_top_source_flows", "cttop_max"},
		`time() - cttop_snapshot_timestamp_seconds offset 5m > 1e3`:                  {"cttop_snapshot_timestamp_seconds"},
		`label_values(cttop_build_info, instance)`:                                   {"cttop_build_info", "instance"},
		`x and on (instance) y unless z`:                                             {"x", "y", "z"},
		`count(up == bool 1)`:                                                        {"up"},
	} {
		got, err := promqlMetricNames(expr)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("promqlMetricNames(%q) = %q, %v; want %q", expr, got, err, want)
		}
	}
	if _, err := promqlMetricNames(`rate(x[5m)`); err == nil {
		t.Error("an unclosed bracket parsed")
	}
}

// exportedNames are the metric names /metrics serves: the registry's
// families after a Snapshot with every cttop metric was published, and
// every cttop metric the exporter describes.
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	e := NewExporter("test", "")
	e.Publish(SnapshotFromTable(testTable(), 2))
	mfs, err := e.registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	// Those a Snapshot may lack (the kernel's counters without valid
	// statistics) are described all the same.
	ch := make(chan *prometheus.Desc, 64)
	e.Describe(ch)
	close(ch)
	fq := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range ch {
		names[fq.FindStringSubmatch(d.String())[1]] = true
	}
	if !names["cttop_flows_created_total"] || !names["process_resident_memory_bytes"] || !names["go_goroutines"] {
		t.Fatalf("the registry lacks expected families: %v", names)
	}
	return names
}

// dashboard is the part of contrib/grafana-dashboard.json the tests read.
type dashboard struct {
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
			Query      any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID         int    `json:"id"`
		Title      string `json:"title"`
		Type       string `json:"type"`
		Datasource struct {
			Type, UID string
		} `json:"datasource"`
		GridPos struct{ X, Y, W, H int } `json:"gridPos"`
		Targets []struct {
			Expr  string `json:"expr"`
			RefID string `json:"refId"`
		} `json:"targets"`
	} `json:"panels"`
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile("../contrib/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	return d
}

// DashboardExprs returns the dashboard's PromQL expressions, each with the
// place it is used, Grafana's variables left in.
func dashboardExprs(d dashboard) map[string]string {
	exprs := map[string]string{}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			exprs[fmt.Sprintf("panel %q target %s", p.Title, tg.RefID)] = tg.Expr
		}
	}
	for _, v := range d.Templating.List {
		if v.Definition != "" {
			exprs["variable "+v.Name] = v.Definition
		}
		if q, ok := v.Query.(map[string]any); ok {
			exprs["variable "+v.Name+" query"] = fmt.Sprint(q["query"])
		}
	}
	return exprs
}

// TestReferencedMetricsExist: every metric the dashboard and the alert
// rules (expressions and the queries in their annotations) use is one
// cttop's /metrics serves, so renaming a metric breaks this test, not a
// user's dashboard.
func TestReferencedMetricsExist(t *testing.T) {
	known := exportedNames(t)
	d := readDashboard(t)
	exprs := dashboardExprs(d)
	for _, g := range readRules(t).Groups {
		for _, r := range g.Rules {
			exprs["alert "+r.Alert] = r.Expr
			for k, v := range r.Annotations {
				// Queries inside templates: {{ ... printf "EXPR" ... | query }}.
				for i, m := range regexp.MustCompile(`printf "([^"]*)"`).FindAllStringSubmatch(v, -1) {
					exprs[fmt.Sprintf("alert %s annotation %s query %d", r.Alert, k, i)] = strings.ReplaceAll(m[1], "%q", `"x"`)
				}
			}
		}
	}
	used := map[string]bool{}
	for where, expr := range exprs {
		names, err := promqlMetricNames(expr)
		if err != nil {
			t.Errorf("%s: %v", where, err)
		}
		if len(names) == 0 {
			t.Errorf("%s: %q selects no metric", where, expr)
		}
		for _, n := range names {
			if n == "instance" && strings.HasPrefix(expr, "label_values(") {
				continue // label_values(METRIC, LABEL)
			}
			used[n] = true
			if !known[n] {
				t.Errorf("%s uses %s, which cttop does not export", where, n)
			}
		}
	}
	// The dashboard shows what the issue asks for: fill, drops,
	// insert_failed, churn, top sources, resyncs.
	for _, m := range []string{"cttop_conntrack_fill_ratio", "cttop_conntrack_drops_total", "cttop_conntrack_insert_failed_total",
		"cttop_flows_created_total", "cttop_flows_removed_total", "cttop_top_source_flows", "cttop_resyncs_total"} {
		if !used[m] {
			t.Errorf("neither the dashboard nor the alerts use %s", m)
		}
	}
}

// TestDashboardShape checks what Grafana needs to import the dashboard:
// unique panel ids inside a 24-column grid without overlaps, every panel
// and target on the datasource variable, and a refId per target.
func TestDashboardShape(t *testing.T) {
	d := readDashboard(t)
	if d.UID == "" || len(d.Panels) < 8 {
		t.Fatalf("uid %q, %d panels", d.UID, len(d.Panels))
	}
	ids := map[int]bool{}
	type cell struct{ x, y int }
	taken := map[cell]string{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, g)
		}
		for x := g.X; x < g.X+g.W; x++ {
			for y := g.Y; y < g.Y+g.H; y++ {
				if other, ok := taken[cell{x, y}]; ok {
					t.Fatalf("panels %q and %q overlap at %d,%d", other, p.Title, x, y)
				}
				taken[cell{x, y}] = p.Title
			}
		}
		if p.Datasource.Type != "prometheus" || p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: datasource %+v, %d targets", p.Title, p.Datasource, len(p.Targets))
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.RefID == "" || refs[tg.RefID] || tg.Expr == "" {
				t.Errorf("panel %q: target %q with expr %q", p.Title, tg.RefID, tg.Expr)
			}
			refs[tg.RefID] = true
		}
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
	}
	if vars["datasource"] != "datasource" || vars["instance"] != "query" {
		t.Errorf("variables %v: want datasource and instance", vars)
	}
}

// GrafanaToPromQL replaces Grafana's variables in expr with values
// Prometheus accepts, so that promtool and a real server can run it.
func grafanaToPromQL(expr string) string {
	return strings.NewReplacer("$__rate_interval", "1m", "$__range", "1h", "$instance", ".*").Replace(expr)
}

// TestDashboardPromtool parses every dashboard expression with
// Prometheus' parser: promtool check rules on recording rules made of
// them.
func TestDashboardPromtool(t *testing.T) {
	promtool := requireTool(t, "promtool")
	d := readDashboard(t)
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	n := 0
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			n++
			q, _ := yaml.Marshal(grafanaToPromQL(tg.Expr))
			fmt.Fprintf(&rules, "      - record: dashboard:panel%d:%s\n        expr: %s", p.ID, strings.ToLower(tg.RefID), q)
		}
	}
	file := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	if err := os.WriteFile(file, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("SUCCESS: %d rules found", n)) {
		t.Errorf("promtool check rules on the dashboard's expressions: %v\n%s\n%s", err, out, rules.String())
	}
}
