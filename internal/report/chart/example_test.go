package chart_test

import (
	"fmt"
	"html/template"
	"math"
	"os"
	"regexp"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/report/chart"
)

// Example renders one chart of each kind into an HTML page, as the report does,
// and prints what a screen reader reads of each: the <desc>.
func Example() {
	dist := chart.Distribution(chart.DistributionSpec{
		Title: "Chat: time to a human answer",
		Series: []chart.Series{
			{Name: "Acme", Values: []float64{12, 35, 48, 75, 110, 160, 240, 900}},
			{Name: "Retail industry", Values: []float64{30, 60, 95, 180, 300, 420, 1200, 3600, 7200}},
		},
		Lines: []chart.Line{{Label: "SLA 2m", Value: 120}},
	})
	trend := chart.Trend(chart.TrendSpec{
		Title:  "Acme: score per run",
		YTitle: "score (0–100)",
		YMin:   0, YMax: 100,
		Points: []chart.Point{
			{Label: "2026-01", Value: 64, Lo: 58, Hi: 70},
			{Label: "2026-02", Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}, // too few answers
			{Label: "2026-03", Value: 81, Lo: 76, Hi: 86},
		},
		Lines:    []chart.Line{{Label: "tier B 80", Value: 80}, {Label: "tier A 90", Value: 90}},
		Interval: "90% confidence interval",
	})
	bars := chart.Bars(chart.BarsSpec{
		Title:  "Retail ranking",
		XTitle: "score (0–100)",
		Items: []chart.Bar{
			{Label: "Globex", Value: 88, Lo: math.NaN(), Hi: math.NaN()},
			{Label: "Acme", Value: 81, Highlight: true},
			{Label: "Initech", Value: 62, Note: "provisional"},
		},
		Lines: []chart.Line{{Label: "tier B 80", Value: 80}},
	})

	page := template.Must(template.New("report").Parse(
		`<section>{{.Dist}}</section><section>{{.Trend}}</section><section>{{.Bars}}</section>`))
	var out strings.Builder
	if err := page.Execute(&out, map[string]template.HTML{"Dist": dist, "Trend": trend, "Bars": bars}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	descs := regexp.MustCompile(`<svg [^>]*data-chart="(\w+)".*?<desc [^>]*>(.*?)</desc>`)
	for _, m := range descs.FindAllStringSubmatch(out.String(), -1) {
		fmt.Printf("%s: %s\n", m[1], m[2])
	}
	// Output:
	// distribution: Cumulative distribution curves: for each time, the share of answers given within it. Y axis: answers within time (%), 0 to 100%. X axis: human response time (log scale), logarithmic, from 8s to 3h 00m. Acme: 8 answers, median 1m 15s, 90th percentile 15m; 63% within SLA 2m. Retail industry: 9 answers, median 5m 00s, 90th percentile 2h 00m; 33% within SLA 2m. Reference lines: SLA 2m at 2m.
	// trend: score (0–100) per run, 3 runs. Y axis from 0 to 100. 2026-01: 64 (90% confidence interval 58 to 70); 2026-02: insufficient sample; 2026-03: 81 (90% confidence interval 76 to 86). Reference lines: tier B 80 at 80; tier A 90 at 90.
	// bars: score (0–100), 3 items in the order shown. Axis from 0 to 100. Globex 88; Acme 81, highlighted; Initech 62, provisional. Reference lines: tier B 80 at 80.
}
