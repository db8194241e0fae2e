package metrics

import (
	"os"
	"strings"
	"testing"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func readRules(t *testing.T) ruleFile {
	t.Helper()
	b, err := os.ReadFile("../contrib/cttop-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&rf); err != nil {
		t.Fatalf("parse cttop-alerts.yml: %v", err)
	}
	return rf
}

// TestAlertRules checks contrib/cttop-alerts.yml without promtool: it is
// YAML of the rule file's shape, each rule has a valid duration and its
// templates parse (TestReferencedMetricsExist checks the metrics it uses,
// TestAlertRulesPromtool the rest with Prometheus' own parser).
func TestAlertRules(t *testing.T) {
	rf := readRules(t)
	// Prometheus runs annotation templates with these variables defined.
	const prelude = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$value := .Value}}"
	stub := func(any) string { return "" }
	funcs := template.FuncMap{"humanize": stub, "humanizePercentage": stub, "humanizeDuration": stub,
		"query": stub, "first": stub, "value": stub}
	rules := map[string]string{}
	for _, g := range rf.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: no name or no rules", g.Name)
		}
		for _, r := range g.Rules {
			rules[r.Alert] = r.Expr + " for " + r.For
			if r.Alert == "" || r.Expr == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("rule %q: alert, expr, severity and summary are required", r.Alert)
			}
			if d, err := time.ParseDuration(r.For); err != nil || d <= 0 {
				t.Errorf("rule %s: for %q: %v", r.Alert, r.For, err)
			}
			for k, v := range r.Annotations {
				if _, err := template.New(k).Funcs(funcs).Parse(prelude + v); err != nil {
					t.Errorf("rule %s annotation %s: %v", r.Alert, k, err)
				}
			}
		}
	}
	for name, want := range map[string]string{
		"ConntrackTableNearlyFull": "cttop_conntrack_fill_ratio > 0.9 for 2m",
		"ConntrackDropping":        "rate(cttop_conntrack_drops_total[2m]) > 0 for 1m",
		"CttopLosingEvents":        "increase(cttop_resyncs_total[15m]) > 3 for 5m",
	} {
		if rules[name] != want {
			t.Errorf("rule %s: %q, want %q", name, rules[name], want)
		}
	}
}
