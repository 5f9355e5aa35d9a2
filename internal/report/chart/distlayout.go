package chart

import (
	"sort"
	"strings"
)

// distLayout is where the parts of a distribution chart go.
type distLayout struct {
	a              area
	x, y           scale
	xTicks, yTicks []tick
	lines          []refLine
	rows           []int // label row of each line
	legend         []legendItem
	notes          []string
}

// readingHint tells a reader who never saw such a chart how to read it.
const readingHint = "How to read: a curve's height at a time is the share of answers given within that time; " +
	"further left and higher means faster."

// newDistLayout lays out a distribution chart over the data range [lo, hi]
// seconds; c's height grows if the plot would be too small. Without data (ok
// false) there are no lines, legend or notes.
func newDistLayout(c *canvas, s DistributionSpec, gs []group, lo, hi float64, ok bool) *distLayout {
	d := &distLayout{}
	left := yAxisWidth([]tick{{label: percentLabel(100, 0)}})
	d.a = area{x: left, w: c.w - left - 24}
	d0, d1 := logDomain(lo, hi)
	d.xTicks, d0, d1 = logTicks(d0, d1, max(3, int(d.a.w/55)))
	d.x = logScale(d0, d1, d.a.x, d.a.right())
	legendRows, labelRows := 0, 0
	if ok {
		d.lines = refLines(s.Lines, d.x, lineDuration)
		d.rows, labelRows = stackLabels(d.lines, c.w)
		d.notes = wrapNotes([]string{readingHint}, c.w-16)
		if len(gs) > 1 {
			d.legend = legendItems(gs)
			legendRows = layoutLegend(d.legend, 8, c.w-8)
		}
	}
	top := titleBand + float64(legendRows)*legendRow + float64(labelRows)*lineLabelRow + 8
	if legendRows > 0 {
		top += 4
	}
	bottom := xAxisHeight + float64(len(d.notes))*noteLine + 6
	c.h = max(c.h, top+bottom+minPlotHeight(s.YTitle))
	d.a.y, d.a.h = top, c.h-top-bottom
	d.y = linearScale(0, 100, d.a.bottom(), d.a.y)
	d.yTicks = linearTicks(0, 100, max(2, min(5, int(d.a.h/40))), percentLabel)
	return d
}

// legendItems names each group with its number of answers.
func legendItems(gs []group) []legendItem {
	items := make([]legendItem, len(gs))
	for i, g := range gs {
		items[i] = legendItem{text: g.name + " (n=" + itoa(len(g.values)) + ")", colour: g.colour, dash: g.dash}
	}
	return items
}

// frame draws the plot area and both axes, with x ticks xt.
func (d *distLayout) frame(c *canvas, s DistributionSpec, xt []tick) {
	c.plotRect(d.a)
	c.yAxis(d.a, d.y, d.yTicks, s.YTitle, true)
	c.xAxis(d.a, d.x, xt, s.XTitle, true)
}

// curve draws the step curve of group g.
func (d *distLayout) curve(c *canvas, g group) {
	if len(g.values) == 0 {
		return
	}
	var p strings.Builder
	p.WriteString("M" + num(d.a.x) + " " + num(d.a.bottom()))
	n := len(g.values)
	for k := 0; k < n; k++ {
		px := num(d.x.at(g.values[k]))
		if k+1 < n && num(d.x.at(g.values[k+1])) == px {
			continue // the next answer is on the same pixel: one step for both
		}
		p.WriteString("H" + px + "V" + num(d.y.at(100*float64(k+1)/float64(n))))
	}
	p.WriteString("H" + num(d.a.right()))
	attrs := []string{"data-series", g.name, "d", p.String(), "fill", "none", "stroke", g.colour,
		"stroke-width", "2", "stroke-linejoin", "round"}
	if g.dash != "" {
		attrs = append(attrs, "stroke-dasharray", g.dash)
	}
	c.body.leaf("path", attrs...)
}

// mark is a labelled crossing of a curve and a reference line.
type mark struct {
	y, ty  float64 // the crossing, and the label's baseline
	text   string
	colour string
}

// maxMarked is how many series get their crossings marked: more would crowd
// the lines (the description still gives every share).
const maxMarked = 3

// crossings marks where the first curves cross each reference line, labelled
// with the share of answers within the line. Labels go right of the line, or
// left when there is no room; a line with room on neither side keeps its
// markers only.
func (d *distLayout) crossings(c *canvas, gs []group) {
	for _, l := range d.lines {
		var ms []mark
		for _, g := range gs[:min(len(gs), maxMarked)] {
			if len(g.values) > 0 {
				share := within(g.values, l.value)
				ms = append(ms, mark{y: d.y.at(100 * share), text: percent(share), colour: g.colour})
			}
		}
		sort.SliceStable(ms, func(i, j int) bool { return ms[i].y < ms[j].y })
		left, right := d.room(l)
		d.drawMarks(c, l, ms, left, right)
	}
}

// room is the free width left and right of line l: up to the plot's edge, or
// half the way to the next line, whose labels may take the other half.
func (d *distLayout) room(l refLine) (float64, float64) {
	left, right := l.px-d.a.x, d.a.right()-l.px
	for _, o := range d.lines {
		if o.px > l.px {
			right = min(right, (o.px-l.px)/2)
		} else if o.px < l.px {
			left = min(left, (l.px-o.px)/2)
		}
	}
	return left, right
}

// drawMarks draws the marks of line l, their labels 12px apart on the side
// that has room for them.
func (d *distLayout) drawMarks(c *canvas, l refLine, ms []mark, left, right float64) {
	need := textWidth("100%", smallSize) + 10
	x, anchor, labelled := l.px+6, "start", true
	switch {
	case right >= need:
	case left >= need:
		x, anchor = l.px-6, "end"
	default:
		labelled = false
	}
	for i := range ms {
		ms[i].ty = max(ms[i].y+4, d.a.y+smallSize) // inside the plot, clear of the line labels
		if i > 0 && ms[i].ty-ms[i-1].ty < 12 {
			ms[i].ty = ms[i-1].ty + 12
		}
		c.body.leaf("circle", "cx", num(l.px), "cy", num(ms[i].y), "r", "3.5",
			"fill", ms[i].colour, "stroke", "#FFFFFF", "stroke-width", "1")
		if labelled {
			c.body.elem("text", ms[i].text, haloed("x", num(x), "y", num(ms[i].ty), "text-anchor", anchor,
				"font-size", num(smallSize), "font-weight", "bold", "fill", ms[i].colour)...)
		}
	}
}
