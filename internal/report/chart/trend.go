package chart

import (
	"html/template"
	"math"
	"strings"
)

// Point is the value of one run in a Trend.
type Point struct {
	Label string  // the run, e.g. "2026-03" or "run 4"
	Value float64 // NaN: no value (an insufficient sample), drawn as a gap
	// Lo and Hi bound an interval drawn as an error bar; none when either is
	// NaN or Inf, or when Lo ≥ Hi (so a Point without them has none).
	Lo, Hi float64
}

// TrendSpec describes a chart of a value per run over time.
type TrendSpec struct {
	Title  string // default "<YTitle> per run"
	YTitle string // carries the unit, e.g. "score (0–100)"; default "value"
	XTitle string // default "run"
	Points []Point
	Lines  []Line // horizontal, in the units of Value
	// YMin and YMax fix the range when YMax > YMin; otherwise it is the data's
	// (values, intervals, lines) with a 10% margin, not below 0 for data ≥ 0.
	YMin, YMax float64
	YDuration  bool   // values are seconds: ticks labelled as durations ("2m")
	Interval   string // what Lo–Hi is, for the note; default "interval"
	Width      int    // default 640
	Height     int    // default 320; grows when labels need room
}

// Defaults of a TrendSpec.
const (
	DefaultTrendYTitle = "value"
	DefaultTrendXTitle = "run"
)

// DefaultInterval names the Lo–Hi interval of a Trend or Bars chart when its
// spec does not.
const DefaultInterval = "interval"

// Trend draws a value per run: points joined by a line, an error bar per point
// that has an interval, horizontal reference lines and the run's label under
// each point. A point without a value leaves a gap in the line, and a note
// under the chart names the runs with an insufficient sample.
func Trend(s TrendSpec) template.HTML {
	s = s.withDefaults()
	c := newCanvas("trend", s.Width, s.Height, s.Title)
	t := newTrendLayout(c, s)
	c.plotRect(t.a)
	c.yAxis(t.a, t.y, t.yTicks, s.YTitle, true)
	t.categoryAxis(c, s.XTitle)
	c.describe(label(s.YTitle, maxDescLen) + " per run, " + plural(len(s.Points), "run") + ".")
	if !t.hasData {
		c.noData(t.a)
		return c.html()
	}
	c.horizontalLines(t.a, t.lines)
	t.errorBars(c, s.Points)
	t.series(c, s.Points)
	c.notes(t.notesY, t.notes)
	c.describe("Y axis from "+t.format(t.y.domainLo())+" to "+t.format(t.y.domainHi())+".", t.pointWords(s.Points))
	c.describe(lineWords(t.lines, t.format))
	return c.html()
}

func (s TrendSpec) withDefaults() TrendSpec {
	s.YTitle = orDefault(s.YTitle, DefaultTrendYTitle)
	s.Title = orDefault(s.Title, label(s.YTitle, maxLabel)+" per run")
	s.XTitle = orDefault(s.XTitle, DefaultTrendXTitle)
	s.Interval = orDefault(s.Interval, DefaultInterval)
	s.Width = sizeOr(s.Width, 640)
	s.Height = sizeOr(s.Height, 320)
	return s
}

// trendRange is the y range of a trend: fixed, or the data's with a margin.
// ok is false when there is no value to draw.
func trendRange(s TrendSpec) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range s.Points {
		if finite(p.Value) {
			lo, hi, ok = min(lo, p.Value), max(hi, p.Value), true
			if l, h, has := interval(p.Lo, p.Hi); has {
				lo, hi = min(lo, l), max(hi, h)
			}
		}
	}
	if finite(s.YMin) && finite(s.YMax) && s.YMax > s.YMin {
		return s.YMin, s.YMax, ok
	}
	if !ok {
		return 0, 1, false
	}
	for _, l := range s.Lines {
		if finite(l.Value) {
			lo, hi = min(lo, l.Value), max(hi, l.Value)
		}
	}
	return margin(lo, hi)
}

// margin widens [lo, hi] by 10% each side, not below 0 when lo ≥ 0.
func margin(lo, hi float64) (float64, float64, bool) {
	pad := (hi - lo) / 10
	if pad == 0 {
		pad = max(math.Abs(hi)/10, 1)
	}
	nlo := lo - pad
	if lo >= 0 && nlo < 0 {
		nlo = 0
	}
	return nlo, hi + pad, true
}

// pointWords describes every point for the <desc>.
func (t *trendLayout) pointWords(ps []Point) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		s := label(p.Label, maxDescLen)
		if s == "" {
			s = "run " + itoa(i+1)
		}
		if !finite(p.Value) {
			parts[i] = s + ": insufficient sample"
			continue
		}
		s += ": " + t.format(p.Value)
		if lo, hi, ok := interval(p.Lo, p.Hi); ok {
			s += " (" + t.interval + " " + t.format(lo) + " to " + t.format(hi) + ")"
		}
		parts[i] = s
	}
	return strings.Join(parts, "; ") + "."
}
