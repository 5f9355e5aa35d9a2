package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// minSchemaVersion is the oldest dashboard schema the dashboards may have.
const minSchemaVersion = 39

// grafanaBuiltinDatasource is the data source of Grafana's own annotations.
const grafanaBuiltinDatasource = "-- Grafana --"

// datasourceUIDs returns the uids of the data sources provisioned in dir.
func datasourceUIDs(dir string) (map[string]bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no data source provisioning in %s (%v)", dir, err)
	}
	uids := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var p struct {
			Datasources []struct {
				UID string `yaml:"uid"`
			} `yaml:"datasources"`
		}
		if err := yaml.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, d := range p.Datasources {
			if d.UID == "" {
				return nil, fmt.Errorf("%s: a data source without a fixed uid", f)
			}
			uids[d.UID] = true
		}
	}
	return uids, nil
}

// dashboard is the part of a dashboard's JSON the checks read.
type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	Targets    []struct {
		RefID      string      `json:"refId"`
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Datasource *datasource     `json:"datasource"`
	Query      json.RawMessage `json:"query"`
	Definition string          `json:"definition"`
}

// Grafana's Prometheus variable queries.
var (
	labelValuesOf = regexp.MustCompile(`^\s*label_values\((.+),\s*\w+\s*\)\s*$`)
	labelValues   = regexp.MustCompile(`^\s*label_values\(\s*\w+\s*\)\s*$`)
	queryResult   = regexp.MustCompile(`^\s*query_result\((.+)\)\s*$`)
)

// dashboardChecker checks dashboards against the exported metrics and the provisioned
// data sources.
type dashboardChecker struct {
	*checker
	uids     map[string]bool // provisioned data sources
	seenUIDs map[string]string
}

// checkDashboard checks the dashboard at path: its schema, uid, variables, panel ids,
// data sources and every query.
func (c *dashboardChecker) checkDashboard(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		c.problems = append(c.problems, err.Error())
		return
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		c.problems = append(c.problems, fmt.Sprintf("%s: %v", path, err))
		return
	}
	if d.SchemaVersion < minSchemaVersion {
		c.problems = append(c.problems, fmt.Sprintf("%s: schemaVersion %d, want %d or later", path, d.SchemaVersion, minSchemaVersion))
	}
	if d.UID == "" {
		c.problems = append(c.problems, fmt.Sprintf("%s: no uid", path))
	} else if other, ok := c.seenUIDs[d.UID]; ok {
		c.problems = append(c.problems, fmt.Sprintf("%s: uid %s is %s's too", path, d.UID, other))
	}
	c.seenUIDs[d.UID] = path
	defined := map[string]bool{}
	for _, v := range d.Templating.List {
		defined[v.Name] = true
	}
	for _, v := range d.Templating.List {
		c.checkVariable(fmt.Sprintf("%s: variable %s", path, v.Name), v, defined)
	}
	ids := map[int]string{}
	c.checkPanels(path, d.Panels, ids, defined)
}

// checkVariable checks a query variable's data source and query.
func (c *dashboardChecker) checkVariable(where string, v variable, defined map[string]bool) {
	if v.Type != "query" {
		return
	}
	c.checkDatasource(where, v.Datasource)
	var q struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(v.Query, &q); err != nil {
		if err := json.Unmarshal(v.Query, &q.Query); err != nil {
			c.problems = append(c.problems, fmt.Sprintf("%s: query is neither a string nor an object with a query", where))
			return
		}
	}
	for _, query := range []string{q.Query, v.Definition} {
		switch m := labelValuesOf.FindStringSubmatch(query); {
		case m != nil:
			c.checkExpr(where, m[1], defined)
		case queryResult.MatchString(query):
			c.checkExpr(where, queryResult.FindStringSubmatch(query)[1], defined)
		case labelValues.MatchString(query) || query == "":
		default:
			c.problems = append(c.problems, fmt.Sprintf("%s: query %q is not label_values(...) or query_result(...)", where, query))
		}
	}
}

// checkPanels checks panels and the panels of their rows, recording ids.
func (c *dashboardChecker) checkPanels(path string, panels []panel, ids map[int]string, defined map[string]bool) {
	for _, p := range panels {
		where := fmt.Sprintf("%s: panel %d %q", path, p.ID, p.Title)
		if other, ok := ids[p.ID]; ok {
			c.problems = append(c.problems, fmt.Sprintf("%s: id %d is panel %q's too", where, p.ID, other))
		}
		ids[p.ID] = p.Title
		if p.Type != "row" {
			c.checkDatasource(where, p.Datasource)
		}
		for _, t := range p.Targets {
			tw := fmt.Sprintf("%s: target %s", where, t.RefID)
			if t.Datasource != nil {
				c.checkDatasource(tw, t.Datasource)
			}
			c.checkExpr(tw, t.Expr, defined)
		}
		c.checkPanels(path, p.Panels, ids, defined)
	}
}

// checkDatasource checks that ds names a provisioned Prometheus by uid.
func (c *dashboardChecker) checkDatasource(where string, ds *datasource) {
	switch {
	case ds == nil:
		c.problems = append(c.problems, fmt.Sprintf("%s: no datasource", where))
	case ds.Type != "prometheus" || !c.uids[ds.UID]:
		c.problems = append(c.problems, fmt.Sprintf("%s: datasource %s %q is not a provisioned Prometheus data source", where, ds.Type, ds.UID))
	}
}

// checkExpr checks a query once Grafana's variables are substituted, and that every
// variable it uses is defined.
func (c *dashboardChecker) checkExpr(where, expr string, defined map[string]bool) {
	if expr == "" {
		c.problems = append(c.problems, fmt.Sprintf("%s: no expression", where))
		return
	}
	e, used := substitute(expr)
	for _, v := range used {
		if !defined[v] && !grafanaBuiltins[v] {
			c.problems = append(c.problems, fmt.Sprintf("%s: variable $%s is not defined", where, v))
		}
	}
	c.check(where, e)
}
