package deploy

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"go.yaml.in/yaml/v3"
)

// runbookBase is where every alert's runbook annotation points, followed by the
// anchor of the alert's section.
const runbookBase = "https://github.com/stakeoutcx/stakeout/blob/main/docs/monitoring.md#"

// severities are the values an alert's severity label may take.
var severities = []string{"critical", "warning", "info"}

// ruleFile is a parsed rules file with the names of its recording rules and alerts.
type ruleFile struct {
	path    string
	groups  *rulefmt.RuleGroups
	records []string
	alerts  []string
}

// parseRules parses a rules file as Prometheus does, with strict fields.
func parseRules(path string) (*ruleFile, []string) {
	rgs, errs := rulefmt.ParseFile(path, false, model.LegacyValidation, promql, slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		var out []string
		for _, err := range errs {
			out = append(out, err.Error())
		}
		return nil, out
	}
	f := &ruleFile{path: path, groups: rgs}
	for _, g := range rgs.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				f.records = append(f.records, r.Record)
			} else {
				f.alerts = append(f.alerts, r.Alert)
			}
		}
	}
	return f, nil
}

// checkRules checks every expression of f's rules, and that every alert has a severity,
// a summary, a description and a runbook whose anchor is a section of the docs.
func (c *checker) checkRules(f *ruleFile, anchors map[string]bool) {
	for _, g := range f.groups.Groups {
		for _, r := range g.Rules {
			name := "record " + r.Record
			if r.Alert != "" {
				name = "alert " + r.Alert
			}
			where := fmt.Sprintf("%s: group %s: %s", f.path, g.Name, name)
			c.check(where, r.Expr)
			if r.Alert == "" {
				continue
			}
			if !slices.Contains(severities, r.Labels["severity"]) {
				c.problems = append(c.problems, fmt.Sprintf("%s: severity %q, want one of %v", where, r.Labels["severity"], severities))
			}
			for _, a := range []string{"summary", "description", "runbook"} {
				if r.Annotations[a] == "" {
					c.problems = append(c.problems, fmt.Sprintf("%s: no %s annotation", where, a))
				}
			}
			if rb := r.Annotations["runbook"]; rb != "" && (!strings.HasPrefix(rb, runbookBase) || !anchors[strings.TrimPrefix(rb, runbookBase)]) {
				c.problems = append(c.problems, fmt.Sprintf("%s: runbook %s is not a section of docs/monitoring.md", where, rb))
			}
		}
	}
}

// ruleTests is the part of a promtool rule test file the checks read.
type ruleTests struct {
	Tests []struct {
		Name        string `yaml:"name"`
		InputSeries []struct {
			Series string `yaml:"series"`
		} `yaml:"input_series"`
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// checkRuleTests checks that the input series of the tests at path are exported
// metrics, and that each of alerts is tested firing and tested quiet.
func (c *checker) checkRuleTests(path string, alerts []string) {
	b, err := os.ReadFile(path)
	if err != nil {
		c.problems = append(c.problems, err.Error())
		return
	}
	var rt ruleTests
	if err := yaml.Unmarshal(b, &rt); err != nil {
		c.problems = append(c.problems, fmt.Sprintf("%s: %v", path, err))
		return
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range rt.Tests {
		for _, in := range tc.InputSeries {
			where := fmt.Sprintf("%s: test %q: series %s", path, tc.Name, in.Series)
			ms, err := promql.ParseMetricSelector(in.Series)
			if err != nil {
				c.problems = append(c.problems, fmt.Sprintf("%s: %v", where, err))
				continue
			}
			for _, m := range ms {
				if m.Name == model.MetricNameLabel && !c.exported[m.Value] {
					c.problems = append(c.problems, fmt.Sprintf("%s: %s is not a metric stakeout exports", where, m.Value))
				}
			}
		}
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	for _, a := range alerts {
		if !fires[a] {
			c.problems = append(c.problems, fmt.Sprintf("%s: no test where %s fires", path, a))
		}
		if !quiet[a] {
			c.problems = append(c.problems, fmt.Sprintf("%s: no near miss where %s stays quiet", path, a))
		}
	}
}

// slugPunct is what GitHub drops from a heading to make its anchor.
var slugPunct = regexp.MustCompile(`[^\p{L}\p{N} _-]`)

// anchors returns the anchors of the headings of the Markdown file at path, as GitHub
// makes them.
func anchors(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	fenced := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(line, "#"))
		h = slugPunct.ReplaceAllString(strings.ToLower(h), "")
		out[strings.ReplaceAll(h, " ", "-")] = true
	}
	return out, sc.Err()
}
