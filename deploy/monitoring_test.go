package deploy

import (
	"path/filepath"
	"testing"
)

// Files the checks read, from this directory.
const (
	promDir       = "prometheus"
	rulesFile     = "prometheus/rules.yml"
	ruleTestsFile = "prometheus/rules_test.yml"
	dashboardsDir = "grafana/dashboards"
	datasourceDir = "grafana/provisioning/datasources"
	monitoringDoc = "../docs/monitoring.md"
)

// TestMonitoring checks the rules, their tests and the dashboards against the metrics
// stakeout exports, and runs promtool of the Prometheus version in go.mod on the
// configuration, the rules, the rule tests and the metrics' exposition.
func TestMonitoring(t *testing.T) {
	e := exportedMetrics(t)
	c := &checker{exported: e.names}
	rules, errs := parseRules(rulesFile)
	for _, err := range errs {
		t.Errorf("%s", err)
	}
	if rules == nil {
		t.FailNow()
	}
	for _, r := range rules.records {
		c.exported[r] = true
	}
	docAnchors, err := anchors(monitoringDoc)
	if err != nil {
		t.Fatalf("anchors of %s: %v", monitoringDoc, err)
	}
	report := func(t *testing.T) {
		t.Helper()
		for _, p := range c.problems {
			t.Error(p)
		}
		c.problems = nil
	}

	t.Run("rules", func(t *testing.T) {
		c.checkRules(rules, docAnchors)
		c.checkRuleTests(ruleTestsFile, rules.alerts)
		report(t)
	})
	t.Run("dashboards", func(t *testing.T) {
		uids, err := datasourceUIDs(datasourceDir)
		if err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no dashboards in %s (%v)", dashboardsDir, err)
		}
		dc := &dashboardChecker{checker: c, uids: uids, seenUIDs: map[string]string{}}
		for _, f := range files {
			dc.checkDashboard(f)
		}
		report(t)
	})
	t.Run("promtool", func(t *testing.T) {
		bin := promtool(t)
		t.Run("check config", func(t *testing.T) { runPromtool(t, bin, promDir, nil, "check", "config", "prometheus.yml") })
		t.Run("check rules", func(t *testing.T) { runPromtool(t, bin, promDir, nil, "check", "rules", "rules.yml") })
		t.Run("test rules", func(t *testing.T) { runPromtool(t, bin, promDir, nil, "test", "rules", "rules_test.yml") })
		t.Run("check metrics", func(t *testing.T) { runPromtool(t, bin, ".", e.exposition(t), "check", "metrics") })
	})
}
