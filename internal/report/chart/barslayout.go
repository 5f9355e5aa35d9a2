package chart

import "strings"

// barsLayout is where the parts of a bar chart go.
type barsLayout struct {
	a        area
	x        scale
	ticks    []tick
	labels   []string
	lines    []refLine
	rows     []int // label row of each line
	notes    []string
	format   func(float64) string
	interval string
}

// Rows of a bar chart.
const (
	barRow    = 24.0
	barHeight = 14.0
)

// Colours of the bars: the highlighted one stands out in hue and lightness.
const (
	barColour       = "#56B4E9"
	highlightColour = "#D55E00"
)

// newBarsLayout lays out a bar chart and sets c's height from the items.
func newBarsLayout(c *canvas, s BarsSpec) *barsLayout {
	b := &barsLayout{interval: label(s.Interval, maxDescLen)}
	b.format = func(v float64) string { return fixed(v, s.Decimals, false) }
	left, right := 0.0, 24.0
	b.labels = make([]string, len(s.Items))
	for i, it := range s.Items {
		b.labels[i] = orDefault(label(it.Label, maxLabel), "item "+itoa(i+1))
		left = max(left, textWidth(b.labels[i], labelSize(it)))
		right = max(right, textWidth(b.valueText(it)+noteText(it), fontSize)+12)
	}
	left, right = min(left, 0.4*c.w)+14, min(right, 0.3*c.w)
	for i, it := range s.Items {
		b.labels[i] = fitWidth(b.labels[i], labelSize(it), left-14)
	}
	b.a = area{x: left, w: c.w - left - right}
	b.x = linearScale(s.XMin, s.XMax, b.a.x, b.a.right())
	b.ticks = linearTicks(s.XMin, s.XMax, max(3, int(b.a.w/70)), plainLabel)
	b.lines = refLines(s.Lines, b.x, b.format)
	var labelRows int
	b.rows, labelRows = stackLabels(b.lines, c.w)
	b.notes = wrapNotes(barsNotes(s, b.interval), c.w-16)
	b.a.y = titleBand + float64(labelRows)*lineLabelRow + 8
	b.a.h = barRow * float64(max(len(s.Items), 3))
	c.h = b.a.bottom() + xAxisHeight + float64(len(b.notes))*noteLine + 6
	return b
}

// labelSize is the font size to measure an item's label with: bold letters,
// the highlighted item's, are wider.
func labelSize(it Bar) float64 {
	if it.Highlight {
		return fontSize * 1.1
	}
	return fontSize
}

// valueText is the value printed at a bar's end.
func (b *barsLayout) valueText(it Bar) string {
	if !finite(it.Value) {
		return "no value"
	}
	return b.format(it.Value)
}

// noteText is an item's note as printed after its value.
func noteText(it Bar) string {
	if note := label(it.Note, maxLabel); note != "" {
		return " (" + note + ")"
	}
	return ""
}

// barsNotes are the notes under a bar chart: what the whiskers are, which item
// is highlighted, and values beyond the axis.
func barsNotes(s BarsSpec, intervalName string) []string {
	var notes, lit []string
	whiskers, beyond := false, false
	for _, it := range s.Items {
		l, h, has := interval(it.Lo, it.Hi)
		whiskers = whiskers || has
		out := func(v float64) bool { return v < s.XMin || v > s.XMax }
		beyond = beyond || (finite(it.Value) && out(it.Value)) || (has && (out(l) || out(h)))
		if it.Highlight {
			lit = append(lit, label(it.Label, maxLabel))
		}
	}
	if whiskers {
		notes = append(notes, "Whiskers: "+intervalName+".")
	}
	if len(lit) > 0 {
		notes = append(notes, "Highlighted (bold): "+strings.Join(lit, ", ")+".")
	}
	if beyond {
		notes = append(notes, "Values beyond the axis are drawn at its edge.")
	}
	return notes
}

// bar draws item i: its label, bar, whisker and value.
func (b *barsLayout) bar(c *canvas, i int, it Bar) {
	cy := b.a.y + barRow*(float64(i)+0.5)
	colour, weight := barColour, "normal"
	if it.Highlight {
		colour, weight = highlightColour, "bold"
	}
	c.body.elem("text", b.labels[i], "x", num(b.a.x-8), "y", num(cy), "dy", "0.35em",
		"text-anchor", "end", "font-weight", weight)
	base := b.x.at(max(b.x.d0, min(0, b.x.d1)))
	end := base
	if finite(it.Value) {
		end = b.x.at(it.Value)
		c.body.leaf("rect", "data-label", b.labels[i], "x", num(min(base, end)), "y", num(cy-barHeight/2),
			"width", num(max(end, base)-min(end, base)), "height", num(barHeight), "fill", colour)
	}
	if lo, hi, ok := interval(it.Lo, it.Hi); ok {
		end = max(end, b.whisker(c, cy, lo, hi))
	}
	attrs := []string{"x", num(end + 6), "y", num(cy), "dy", "0.35em", "font-weight", weight}
	if !finite(it.Value) {
		attrs = append(attrs, "fill", mutedColor, "font-style", "italic")
	}
	c.body.start("text", attrs...)
	c.body.raw(xmlText(b.valueText(it)))
	if note := noteText(it); note != "" {
		c.body.elem("tspan", note, "fill", mutedColor, "font-weight", "normal", "font-style", "italic")
	}
	c.body.end("text")
}

// whisker draws an interval at height cy and returns its right end.
func (b *barsLayout) whisker(c *canvas, cy, lo, hi float64) float64 {
	x0, x1 := b.x.at(lo), b.x.at(hi)
	c.body.leaf("line", "x1", num(x0), "y1", num(cy), "x2", num(x1), "y2", num(cy), "stroke", inkColour, "stroke-width", "1.5")
	for _, x := range []float64{x0, x1} {
		c.body.leaf("line", "x1", num(x), "y1", num(cy-5), "x2", num(x), "y2", num(cy+5), "stroke", inkColour, "stroke-width", "1.5")
	}
	return x1
}
