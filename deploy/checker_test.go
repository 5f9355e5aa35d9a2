package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSubstitute(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		used     []string
	}{
		{`rate(x{channel=~"$channel"}[$__rate_interval])`, `rate(x{channel=~"channel"}[5m])`, []string{"__rate_interval", "channel"}},
		{`increase(x[${window}]) > $__range`, `increase(x[5m]) > 5m`, []string{"window", "__range"}},
		{`x{target=~"${target:regex}"} offset $__interval`, `x{target=~"target"} offset 5m`, []string{"target", "__interval"}},
		{`sum(x)`, `sum(x)`, nil},
	} {
		got, used := substitute(tc.in)
		if got != tc.want || !cmp.Equal(used, tc.used) {
			t.Errorf("substitute(%q) = %q, %q; want %q, %q", tc.in, got, used, tc.want, tc.used)
		}
	}
}

// The checks name the file, the panel or rule, and the metric of every problem.
func TestCheckerReportsProblems(t *testing.T) {
	dir := t.TempDir()
	dash := filepath.Join(dir, "bad.json")
	write(t, dash, `{"uid": "bad", "schemaVersion": 38,
	  "templating": {"list": [{"name": "channel", "type": "query", "datasource": {"type": "prometheus", "uid": "prometheus"},
	    "query": {"query": "label_values(stakeout_nope, channel)"}}]},
	  "panels": [
	    {"id": 1, "type": "timeseries", "title": "Good", "datasource": {"type": "prometheus", "uid": "prometheus"},
	     "targets": [{"refId": "A", "expr": "sum(rate(stakeout_probe_results_total{channel=~\"$channel\"}[$__rate_interval]))"}]},
	    {"id": 2, "type": "row", "title": "Row", "collapsed": true, "panels": [
	      {"id": 1, "type": "stat", "title": "Nested", "datasource": {"type": "prometheus", "uid": "other"},
	       "targets": [{"refId": "A", "expr": "stakeout_gone{target=~\"$target\"} or {job=\"stakeout\"}"}]}]}]}`)
	c := &dashboardChecker{checker: &checker{exported: map[string]bool{"stakeout_probe_results_total": true}},
		uids: map[string]bool{"prometheus": true}, seenUIDs: map[string]string{}}
	c.checkDashboard(dash)
	want := []string{
		dash + ": schemaVersion 38, want 39 or later",
		dash + ": variable channel: stakeout_nope is not a metric stakeout exports",
		dash + `: panel 1 "Nested": id 1 is panel "Good"'s too`,
		dash + `: panel 1 "Nested": datasource prometheus "other" is not a provisioned Prometheus data source`,
		dash + `: panel 1 "Nested": target A: variable $target is not defined`,
		dash + `: panel 1 "Nested": target A: {job="stakeout"}: a selector without a metric name`,
	}
	if diff := cmp.Diff(want, c.problems); diff != "" {
		t.Errorf("dashboard problems (-want +got):\n%s", diff)
	}

	rules := filepath.Join(dir, "rules.yml")
	write(t, rules, `groups:
  - name: g
    rules:
      - alert: Bad
        expr: stakeout_nope_total > 0
        labels: {severity: page}
        annotations: {summary: s, runbook: "`+runbookBase+`nowhere"}
`)
	f, errs := parseRules(rules)
	if len(errs) > 0 {
		t.Fatalf("parseRules: %v", errs)
	}
	rc := &checker{exported: map[string]bool{}}
	rc.checkRules(f, map[string]bool{"somewhere": true})
	want = []string{
		rules + ": group g: alert Bad: stakeout_nope_total is not a metric stakeout exports",
		rules + `: group g: alert Bad: severity "page", want one of [critical warning info]`,
		rules + ": group g: alert Bad: no description annotation",
		rules + ": group g: alert Bad: runbook " + runbookBase + "nowhere is not a section of docs/monitoring.md",
	}
	if diff := cmp.Diff(want, rc.problems); diff != "" {
		t.Errorf("rule problems (-want +got):\n%s", diff)
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
