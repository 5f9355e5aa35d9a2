package deploy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// promql parses expressions as Prometheus does, with its default functions.
var promql = parser.NewParser(parser.Options{})

// Grafana's variables, as dashboards write them: $name, ${name} or ${name:format}.
var (
	grafanaRange = regexp.MustCompile(`\[\$(\w+|\{\w+(:\w+)?\})\]`)
	grafanaVar   = regexp.MustCompile(`\$(\w+)|\$\{(\w+)(:\w+)?\}`)
)

// grafanaBuiltins are the variables Grafana defines itself, all durations.
var grafanaBuiltins = map[string]bool{"__rate_interval": true, "__interval": true, "__range": true}

// substitute replaces Grafana's variables so that the expression parses: a range
// ([$__rate_interval], [$window]) and the builtin durations become 5m, any other
// variable its name (they stand in label values). It returns the names of the
// variables the expression uses.
func substitute(expr string) (string, []string) {
	var used []string
	name := func(m []string) string {
		for _, s := range m[1:] {
			if s != "" && !strings.HasPrefix(s, ":") {
				return strings.Trim(s, "{}")
			}
		}
		return ""
	}
	expr = grafanaRange.ReplaceAllStringFunc(expr, func(s string) string {
		used = append(used, strings.SplitN(strings.Trim(s, "[]${}"), ":", 2)[0])
		return "[5m]"
	})
	expr = grafanaVar.ReplaceAllStringFunc(expr, func(s string) string {
		n := name(grafanaVar.FindStringSubmatch(s))
		used = append(used, n)
		if grafanaBuiltins[n] {
			return "5m"
		}
		return n
	})
	return expr, used
}

// checker collects the problems of the expressions it is given.
type checker struct {
	exported map[string]bool
	problems []string
}

// check parses expr (found at where) and reports a parse error, a selector without a
// metric name, and every metric name that is not exported.
func (c *checker) check(where, expr string) {
	names, err := metricNames(expr)
	if err != nil {
		c.problems = append(c.problems, fmt.Sprintf("%s: %v", where, err))
		return
	}
	for _, n := range names {
		if !c.exported[n] {
			c.problems = append(c.problems, fmt.Sprintf("%s: %s is not a metric stakeout exports", where, n))
		}
	}
}

// metricNames returns the metric names the selectors of expr select.
func metricNames(expr string) ([]string, error) {
	e, err := promql.ParseExpr(expr)
	if err != nil {
		return nil, fmt.Errorf("%q does not parse: %w", expr, err)
	}
	seen := map[string]bool{}
	var nameless []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
		if name == "" {
			nameless = append(nameless, vs.String())
		} else {
			seen[name] = true
		}
		return nil
	})
	if len(nameless) > 0 {
		return nil, fmt.Errorf("%s: a selector without a metric name", strings.Join(nameless, ", "))
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}
