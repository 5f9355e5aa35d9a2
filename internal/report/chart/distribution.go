package chart

import (
	"html/template"
	"math"
	"sort"
)

// Series is one group of measurements, e.g. the target's answers or its
// industry's.
type Series struct {
	Name   string    // shown in the legend and the description
	Values []float64 // one value per answer; negative, NaN and Inf are ignored
}

// DistributionSpec describes a chart of response-time distributions.
type DistributionSpec struct {
	Title  string   // default "Human response times"
	XTitle string   // default "human response time (log scale)"
	YTitle string   // default "answers within time (%)"
	Series []Series // values in seconds, > 0; 0 is drawn at the axis minimum
	Lines  []Line   // vertical, Value in seconds
	Width  int      // default 640
	Height int      // default 320; grows when legend and labels need room
}

// Defaults of a DistributionSpec.
const (
	DefaultDistributionTitle  = "Human response times"
	DefaultDistributionXTitle = "human response time (log scale)"
	DefaultDistributionYTitle = "answers within time (%)"
)

// Distribution draws response-time distributions as empirical cumulative
// distribution curves on a logarithmic time axis: for each series, the share of
// answers (y, 0–100 %) given within each time (x). Where a curve crosses a
// reference line, a marker shows the share within that line ("81%"). The package
// documentation says why curves rather than a histogram.
func Distribution(s DistributionSpec) template.HTML {
	s = s.withDefaults()
	gs := ecdfGroups(s.Series)
	c := newCanvas("distribution", s.Width, s.Height, s.Title)
	lo, hi, ok := timeRange(gs, s.Lines)
	d := newDistLayout(c, s, gs, lo, hi, ok)
	c.describe("Cumulative distribution curves: for each time, the share of answers given within it.",
		"Y axis: "+label(s.YTitle, maxDescLen)+", 0 to 100%.")
	if !ok {
		d.frame(c, s, nil)
		c.noData(d.a)
		return c.html()
	}
	d.frame(c, s, d.xTicks)
	c.verticalLines(d.a, d.lines, d.rows)
	for _, g := range gs {
		d.curve(c, g)
	}
	d.crossings(c, gs)
	if len(gs) > 1 {
		c.legend(d.legend, titleBand)
	}
	c.notes(d.a.bottom()+xAxisHeight, d.notes)
	c.describe("X axis: " + label(s.XTitle, maxDescLen) + ", logarithmic, from " +
		humanDuration(d.x.domainLo()) + " to " + humanDuration(d.x.domainHi()) + ".")
	for _, g := range gs {
		c.describe(g.words(d.lines))
	}
	c.describe(lineWords(d.lines, lineDuration))
	return c.html()
}

func (s DistributionSpec) withDefaults() DistributionSpec {
	s.Title = orDefault(s.Title, DefaultDistributionTitle)
	s.XTitle = orDefault(s.XTitle, DefaultDistributionXTitle)
	s.YTitle = orDefault(s.YTitle, DefaultDistributionYTitle)
	s.Width = sizeOr(s.Width, 640)
	s.Height = sizeOr(s.Height, 320)
	return s
}

// group is one series ready to draw: valid values sorted, its colour and dash.
type group struct {
	name         string
	values       []float64
	colour, dash string
}

// ecdfGroups keeps each series' valid values (finite, ≥ 0), sorted.
func ecdfGroups(ss []Series) []group {
	gs := make([]group, len(ss))
	for i, s := range ss {
		name := label(s.Name, maxLabel)
		if name == "" {
			name = "series " + itoa(i+1)
		}
		gs[i] = group{name: name, colour: palette[i%len(palette)], dash: dashes[i%len(dashes)]}
		for _, v := range s.Values {
			if finite(v) && v >= 0 {
				gs[i].values = append(gs[i].values, v)
			}
		}
		sort.Float64s(gs[i].values)
	}
	return gs
}

// timeRange is the range of the positive values and lines, and whether there is
// any value to draw at all.
func timeRange(gs []group, lines []Line) (float64, float64, bool) {
	lo, hi, has := math.Inf(1), math.Inf(-1), false
	for _, g := range gs {
		has = has || len(g.values) > 0
		for _, v := range g.values {
			if v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	for _, l := range lines {
		if finite(l.Value) && l.Value > 0 {
			lo, hi = min(lo, l.Value), max(hi, l.Value)
		}
	}
	if lo > hi { // only zeros: any axis will do
		lo, hi = 1, 60
	}
	return lo, hi, has
}

// within is the share of sorted values ≤ t.
func within(sorted []float64, t float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	k := sort.Search(len(sorted), func(i int) bool { return sorted[i] > t })
	return float64(k) / float64(len(sorted))
}

// quantile is the q-quantile of sorted values, nearest rank.
func quantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// words describes a group for the <desc>.
func (g group) words(lines []refLine) string {
	name := label(g.name, maxDescLen)
	if len(g.values) == 0 {
		return name + ": no answers."
	}
	s := name + ": " + plural(len(g.values), "answer") + ", median " + humanDuration(quantile(g.values, 0.5)) +
		", 90th percentile " + humanDuration(quantile(g.values, 0.9))
	for _, l := range lines {
		s += "; " + percent(within(g.values, l.value)) + " within " + label(l.text, maxDescLen)
	}
	return s + "."
}

// orDefault returns s, or def when s is blank.
func orDefault(s, def string) string {
	if label(s, 1000) == "" {
		return def
	}
	return s
}

// sizeOr returns n within sane bounds, or def when n is not positive.
func sizeOr(n, def int) int {
	if n <= 0 {
		return def
	}
	return max(240, min(n, 4000))
}
