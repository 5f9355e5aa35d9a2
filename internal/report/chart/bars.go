package chart

import (
	"html/template"
	"strings"
)

// Bar is one item of a Bars chart.
type Bar struct {
	Label string
	Value float64 // NaN: no value, written as such
	// Lo and Hi bound an interval drawn as a whisker; none when either is NaN
	// or Inf, or when Lo ≥ Hi (so a Bar without them has none).
	Lo, Hi    float64
	Highlight bool   // the client's company: a distinct colour and a bold label
	Note      string // printed after the value, e.g. "provisional"
}

// BarsSpec describes a horizontal bar chart, such as the industry ranking.
type BarsSpec struct {
	Title  string // default "Ranking"
	XTitle string // carries the unit, e.g. "score (0–100)"; default "value"
	Items  []Bar  // drawn top to bottom in this order
	Lines  []Line // vertical, in the units of Value (tier boundaries)
	// XMin and XMax are the axis range when XMax > XMin; default 0 to 100.
	XMin, XMax float64
	Decimals   int    // decimals of the printed values; default 0
	Interval   string // what Lo–Hi is, for the note; default "interval"
	Width      int    // default 640; the height grows with the number of items
}

// Defaults of a BarsSpec.
const (
	DefaultBarsTitle  = "Ranking"
	DefaultBarsXTitle = "value"
)

// Bars draws a horizontal bar chart: one bar per item in the order given, its
// value printed at its end, an optional whisker per item, the highlighted item
// in a distinct colour with a bold label, and vertical reference lines.
func Bars(s BarsSpec) template.HTML {
	s = s.withDefaults()
	c := newCanvas("bars", s.Width, 0, s.Title)
	b := newBarsLayout(c, s)
	c.plotRect(b.a)
	c.xAxis(b.a, b.x, b.ticks, s.XTitle, true)
	c.describe(label(s.XTitle, maxDescLen) + ", " + plural(len(s.Items), "item") + " in the order shown.")
	if len(s.Items) == 0 {
		c.noData(b.a)
		return c.html()
	}
	c.body.start("g", "data-role", "bars")
	for i, it := range s.Items {
		b.bar(c, i, it)
	}
	c.body.end("g")
	c.verticalLines(b.a, b.lines, b.rows)
	c.notes(b.a.bottom()+xAxisHeight, b.notes)
	c.describe("Axis from "+b.format(s.XMin)+" to "+b.format(s.XMax)+".", b.itemWords(s.Items))
	c.describe(lineWords(b.lines, b.format))
	return c.html()
}

func (s BarsSpec) withDefaults() BarsSpec {
	s.Title = orDefault(s.Title, DefaultBarsTitle)
	s.XTitle = orDefault(s.XTitle, DefaultBarsXTitle)
	s.Interval = orDefault(s.Interval, DefaultInterval)
	if !(finite(s.XMin) && finite(s.XMax) && s.XMax > s.XMin) {
		s.XMin, s.XMax = 0, 100
	}
	s.Decimals = max(0, min(s.Decimals, 6))
	s.Width = sizeOr(s.Width, 640)
	return s
}

// itemWords describes every item for the <desc>.
func (b *barsLayout) itemWords(items []Bar) string {
	parts := make([]string, len(items))
	for i, it := range items {
		s := label(it.Label, maxDescLen)
		if s == "" {
			s = "item " + itoa(i+1)
		}
		s += " " + b.valueText(it)
		if lo, hi, ok := interval(it.Lo, it.Hi); ok {
			s += " (" + b.interval + " " + b.format(lo) + " to " + b.format(hi) + ")"
		}
		if note := label(it.Note, maxDescLen); note != "" {
			s += ", " + note
		}
		if it.Highlight {
			s += ", highlighted"
		}
		parts[i] = s
	}
	return strings.Join(parts, "; ") + "."
}
