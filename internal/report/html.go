package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/internal/report/chart"
	"github.com/stakeoutcx/stakeout/internal/scoring"
)

//go:embed report.html.tmpl
var pageSource string

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":     pctText,
	"dur":     durText,
	"score":   scoreText,
	"ivpct":   func(iv scoring.Interval) string { return ivText(iv, "pct") },
	"ivdur":   func(iv scoring.Interval) string { return ivText(iv, "dur") },
	"ivscore": func(iv scoring.Interval) string { return ivText(iv, "score") },
	"num2":    func(n scoring.Num) string { return numText(n, 2) },
	"date":    func(t time.Time) string { return dateText(t) },
	"tierclass": func(t scoring.Tier) string {
		return strings.ToLower(strings.ReplaceAll(t.String(), " ", "-"))
	},
	"distribution": distributionChart,
	"scoretrend":   scoreTrendChart,
	"mediantrend":  medianTrendChart,
	"ranking":      rankingChart,
	"channelname":  channelName,
	"add":          func(a, b int) int { return a + b },
	"stars":        starsText,
	"slarate":      func(c scoring.Card) string { return pctText(scoring.Num(c.SLA.ResponseRate)) },
	"slatime":      func(c scoring.Card) string { return chart.ThresholdDuration(c.SLA.HumanS) },
}).Parse(pageSource))

// WriteHTML writes the report as one self-contained HTML page: styles inline, charts as
// inline SVG, no scripts, nothing fetched.
func WriteHTML(w io.Writer, r *Report) error {
	if err := pageTemplate.Execute(w, r); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func channelName(ch string) string {
	switch ch {
	case "chat":
		return "Live chat"
	case "email":
		return "Email"
	}
	return ch
}

func pctText(n scoring.Num) string {
	if !n.Valid() {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*n.F())
}

func durText(n scoring.Num) string {
	if !n.Valid() {
		return "–"
	}
	return chart.HumanDuration(n.F())
}

func scoreText(n scoring.Num) string {
	if !n.Valid() {
		return "–"
	}
	return fmt.Sprintf("%.1f", n.F())
}

func numText(n scoring.Num, digits int) string {
	if !n.Valid() {
		return "–"
	}
	return fmt.Sprintf("%.*f", digits, n.F())
}

func starsText(n scoring.Num) string {
	if !n.Valid() {
		return "–"
	}
	full := int(n.F())
	s := strings.Repeat("★", full)
	if n.F()-float64(full) >= 0.5 {
		s += "½"
	}
	return s + fmt.Sprintf(" (%.1f of 5)", n.F())
}

func ivText(iv scoring.Interval, kind string) string {
	f := map[string]func(scoring.Num) string{"pct": pctText, "dur": durText, "score": scoreText}[kind]
	if !iv.Lo.Valid() || !iv.Hi.Valid() {
		return "no interval (too few values)"
	}
	return f(iv.Lo) + " to " + f(iv.Hi)
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// tierLines are the tier boundaries drawn on score charts.
var tierLines = []chart.Line{{Label: "Approved 70", Value: 70}, {Label: "Excellent 80", Value: 80}, {Label: "Elite 90", Value: 90}}

func slaLine(c scoring.Card) []chart.Line {
	if c.SLA.HumanS <= 0 {
		return nil
	}
	return []chart.Line{{Label: "SLA " + chart.ThresholdDuration(c.SLA.HumanS), Value: c.SLA.HumanS}}
}

func distributionChart(name string, ch Channel) template.HTML {
	return chart.Distribution(chart.DistributionSpec{
		Title:  channelName(ch.Card.Channel) + ": time to a human answer, " + name + " against " + ch.PeerLabel,
		Series: []chart.Series{{Name: name, Values: ch.Human}, {Name: ch.PeerLabel, Values: ch.Peers}},
		Lines:  slaLine(ch.Card),
	})
}

func scoreTrendChart(name string, ch Channel) template.HTML {
	var pts []chart.Point
	for _, p := range ch.Trend {
		pts = append(pts, chart.Point{Label: trendLabel(p), Value: p.Score.Value.F(), Lo: p.Score.Lo.F(), Hi: p.Score.Hi.F()})
	}
	return chart.Trend(chart.TrendSpec{
		Title: channelName(ch.Card.Channel) + ": score of " + name + " per run", YTitle: "score (0–100)",
		Points: pts, Lines: tierLines, YMin: 0, YMax: 100, Interval: "95% bootstrap interval",
	})
}

func medianTrendChart(name string, ch Channel) template.HTML {
	var pts []chart.Point
	for _, p := range ch.Trend {
		pts = append(pts, chart.Point{Label: trendLabel(p), Value: p.HumanMedian.Value.F(), Lo: p.HumanMedian.Lo.F(), Hi: p.HumanMedian.Hi.F()})
	}
	return chart.Trend(chart.TrendSpec{
		Title: channelName(ch.Card.Channel) + ": median time to a human answer of " + name + " per run", YTitle: "median human response time",
		Points: pts, Lines: slaLine(ch.Card), YDuration: true, Interval: "95% bootstrap interval",
	})
}

func trendLabel(p TrendPoint) string {
	if !p.From.IsZero() {
		return p.From.UTC().Format("2 Jan 2006")
	}
	return p.Run
}

func rankingChart(ch Channel) template.HTML {
	var bars []chart.Bar
	for _, r := range ch.Ranking {
		b := chart.Bar{Label: r.Label, Value: r.Score.Value.F(), Lo: r.Score.Lo.F(), Hi: r.Score.Hi.F(), Highlight: r.Self}
		switch {
		case r.Insufficient:
			b.Value, b.Note = math.NaN(), fmt.Sprintf("insufficient sample (%d probes)", r.Reached)
		case r.Provisional:
			b.Note = r.Tier.String() + ", provisional"
		default:
			b.Note = r.Tier.String()
		}
		bars = append(bars, b)
	}
	title := channelName(ch.Card.Channel) + ": ranking in " + ch.Card.Industry
	if ch.Card.Industry == "" {
		title = channelName(ch.Card.Channel) + ": ranking among all targets"
	}
	return chart.Bars(chart.BarsSpec{Title: title, XTitle: "score (0–100)", Items: bars, Lines: tierLines, Decimals: 1,
		Interval: "95% bootstrap interval"})
}
