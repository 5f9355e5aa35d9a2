package chart

import (
	"html/template"
	"math"
	"slices"
	"strings"
	"testing"
)

// chartCase is a rendered chart and what a reader must find in it.
type chartCase struct {
	name       string
	kind       string
	render     func() template.HTML
	title      string
	axisTitles []string
	lineLabels []string
	legend     []string // entries of the legend; none when nil
	ticks      []string // tick labels that must be present
	descWords  []string // words the description must contain
}

func chartCases() []chartCase {
	acme := []float64{5, 8, 12, 30, 45, 60, 90, 200, 900, 7200}
	industry := []float64{20, 40, 60, 120, 300, 600, 1800, 3600}
	return []chartCase{{
		name: "distribution, two series",
		kind: "distribution",
		render: func() template.HTML {
			return Distribution(DistributionSpec{Title: "Chat: time to a human answer",
				Series: []Series{{Name: "Acme", Values: acme}, {Name: "Retail industry", Values: industry}},
				Lines:  []Line{{Label: "SLA 2m", Value: 120}}})
		},
		title:      "Chat: time to a human answer",
		axisTitles: []string{DefaultDistributionXTitle, DefaultDistributionYTitle},
		lineLabels: []string{"SLA 2m"},
		legend:     []string{"Acme (n=10)", "Retail industry (n=8)"},
		ticks:      []string{"10s", "1m", "10m", "1h", "0%", "100%"},
		descWords:  []string{"Acme", "Retail industry", "SLA 2m", "median", "logarithmic"},
	}, {
		name: "distribution, one series, own titles",
		kind: "distribution",
		render: func() template.HTML {
			return Distribution(DistributionSpec{Title: "Email", XTitle: "first human reply (log scale)",
				YTitle: "replies within time (%)", Series: []Series{{Name: "Acme", Values: []float64{600, 3600, 86400}}}})
		},
		title:      "Email",
		axisTitles: []string{"first human reply (log scale)", "replies within time (%)"},
		ticks:      []string{"1h", "1d"},
		descWords:  []string{"Acme: 3 answers"},
	}, {
		name: "trend, score",
		kind: "trend",
		render: func() template.HTML {
			return Trend(TrendSpec{Title: "Score per run", YTitle: "score (0–100)", YMin: 0, YMax: 100,
				Points: []Point{{Label: "2026-01", Value: 62, Lo: 55, Hi: 70}, {Label: "2026-02", Value: math.NaN()},
					{Label: "2026-03", Value: 83}},
				Lines:    []Line{{Label: "tier A 90", Value: 90}, {Label: "tier B 80", Value: 80}},
				Interval: "90% confidence interval"})
		},
		title:      "Score per run",
		axisTitles: []string{"score (0–100)", DefaultTrendXTitle},
		lineLabels: []string{"tier A 90", "tier B 80"},
		ticks:      []string{"0", "100", "2026-01", "2026-02", "2026-03"},
		descWords:  []string{"2026-01: 62 (90% confidence interval 55 to 70)", "2026-02: insufficient sample", "tier A 90"},
	}, {
		name: "trend, durations",
		kind: "trend",
		render: func() template.HTML {
			return Trend(TrendSpec{Title: "Median chat response", YTitle: "median human response", XTitle: "week",
				YDuration: true, Points: []Point{{Label: "w1", Value: 30}, {Label: "w2", Value: 150}, {Label: "w3", Value: 240}},
				Lines: []Line{{Label: "SLA 2m", Value: 120}}})
		},
		title:      "Median chat response",
		axisTitles: []string{"median human response", "week"},
		lineLabels: []string{"SLA 2m"},
		ticks:      []string{"1m", "2m", "4m"},
		descWords:  []string{"w2: 2m 30s", "SLA 2m at 2m."},
	}, {
		name: "bars",
		kind: "bars",
		render: func() template.HTML {
			return Bars(BarsSpec{Title: "Industry ranking", XTitle: "score (0–100)",
				Items: []Bar{{Label: "Globex", Value: 91, Lo: 87, Hi: 95}, {Label: "Acme", Value: 82, Highlight: true},
					{Label: "Initech", Value: 74, Note: "provisional"}},
				Lines: []Line{{Label: "tier A 90", Value: 90}}})
		},
		title:      "Industry ranking",
		axisTitles: []string{"score (0–100)"},
		lineLabels: []string{"tier A 90"},
		ticks:      []string{"0", "20", "100", "Globex", "Acme", "Initech"},
		descWords:  []string{"Globex 91 (interval 87 to 95)", "Acme 82, highlighted", "Initech 74, provisional"},
	}}
}

func TestChartsReadAlone(t *testing.T) {
	for _, tc := range chartCases() {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.render()
			root := parse(t, h)
			checkRoot(t, root, tc.kind, tc.title)
			desc := root.Children[1].content()
			for _, w := range tc.descWords {
				if !strings.Contains(desc, w) {
					t.Errorf("desc %q does not mention %q", desc, w)
				}
			}
			for _, s := range slices.Concat(tc.axisTitles, tc.lineLabels, tc.ticks) {
				if !root.hasText(s) {
					t.Errorf("no text %q in %q", s, root.texts())
				}
			}
			checkLegend(t, root, tc.legend)
			checkClean(t, h)
			if again := tc.render(); again != h {
				t.Errorf("second rendering differs:\n%s\n%s", h, again)
			}
		})
	}
}

// checkRoot checks the root element and its accessible name and description.
func checkRoot(t *testing.T, root *node, kind, title string) {
	t.Helper()
	if root.XMLName.Local != "svg" || root.attr("data-chart") != kind || root.attr("role") != "img" {
		t.Fatalf("root <%s data-chart=%q role=%q>, want <svg data-chart=%q role=\"img\">",
			root.XMLName.Local, root.attr("data-chart"), root.attr("role"), kind)
	}
	if len(root.Children) < 2 || root.Children[0].XMLName.Local != "title" || root.Children[1].XMLName.Local != "desc" {
		t.Fatalf("first children are not <title>, <desc>")
	}
	tt, dd := root.Children[0], root.Children[1]
	if got := tt.content(); got != title {
		t.Errorf("<title> = %q, want %q", got, title)
	}
	if strings.TrimSpace(dd.content()) == "" {
		t.Errorf("<desc> is empty")
	}
	if want := tt.attr("id") + " " + dd.attr("id"); tt.attr("id") == "" || root.attr("aria-labelledby") != want {
		t.Errorf("aria-labelledby = %q, want %q", root.attr("aria-labelledby"), want)
	}
	if !root.hasText(title) {
		t.Errorf("title %q is not shown", title)
	}
}

// checkLegend checks the legend's entries, and that there is none when want is nil.
func checkLegend(t *testing.T, root *node, want []string) {
	t.Helper()
	legends := root.all(role("legend"))
	if want == nil {
		if len(legends) != 0 {
			t.Errorf("a legend for one series: %q", legends[0].texts())
		}
		return
	}
	if len(legends) != 1 {
		t.Fatalf("found %d legends, want 1", len(legends))
	}
	if got := legends[0].texts(); !slices.Equal(got, want) {
		t.Errorf("legend = %q, want %q", got, want)
	}
}

// checkClean checks that a chart refers to nothing outside and holds no
// unprintable number.
func checkClean(t *testing.T, h template.HTML) {
	t.Helper()
	for _, bad := range []string{"<script", "href", "src", "url(", "NaN", "Inf", "<style", "@import"} {
		if strings.Contains(strings.ToLower(string(h)), strings.ToLower(bad)) {
			t.Errorf("chart contains %q", bad)
		}
	}
}

func TestChartIDsDiffer(t *testing.T) {
	a := parse(t, Bars(BarsSpec{Title: "A", Items: []Bar{{Label: "x", Value: 1}}}))
	b := parse(t, Bars(BarsSpec{Title: "B", Items: []Bar{{Label: "x", Value: 1}}}))
	if a.Children[0].attr("id") == b.Children[0].attr("id") {
		t.Errorf("two different charts share the id %q", a.Children[0].attr("id"))
	}
}
