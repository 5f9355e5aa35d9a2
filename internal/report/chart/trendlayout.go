package chart

import (
	"math"
	"strings"
)

// trendLayout is where the parts of a trend chart go.
type trendLayout struct {
	a         area
	y         scale
	yTicks    []tick
	xs        []float64 // the centre of each point's slot
	labels    []string  // the label under each point
	rotated   bool      // labels turned 45° to fit
	every     int       // one label in every: the others would overlap
	labelBand float64   // height of the labels under the axis
	lines     []refLine
	notes     []string
	notesY    float64
	hasData   bool
	format    func(float64) string // a value in words
	interval  string
}

// maxCategory is the length, in runes, of a run's label under the axis.
const maxCategory = 24

// newTrendLayout lays out a trend chart; c's height grows if the plot would be
// too small.
func newTrendLayout(c *canvas, s TrendSpec) *trendLayout {
	lo, hi, ok := trendRange(s)
	t := &trendLayout{hasData: ok, interval: label(s.Interval, maxDescLen)}
	if ok {
		t.yTicks = trendTicks(s.YDuration, lo, hi, max(3, min(6, int((c.h-120)/45))))
	}
	t.format = valueFormat(s.YDuration, t.yTicks)
	left := yAxisWidth(t.yTicks)
	t.a = area{x: left, w: c.w - left - 16}
	t.categories(s.Points)
	if ok {
		t.notes = wrapNotes(trendNotes(s, lo, hi, t.interval), c.w-16)
	}
	top := titleBand + 8
	bottom := t.xTitleY() + float64(len(t.notes))*noteLine + 6
	c.h = max(c.h, top+bottom+minPlotHeight(s.YTitle))
	t.a.y, t.a.h = top, c.h-top-bottom
	t.y = linearScale(lo, hi, t.a.bottom(), t.a.y)
	t.lines = refLines(s.Lines, t.y, t.format)
	t.notesY = t.a.bottom() + t.xTitleY() + 4
	return t
}

// xTitleY is the distance from the plot's bottom to the x title's baseline.
func (t *trendLayout) xTitleY() float64 {
	return tickLen + t.labelBand + fontSize + 6
}

// trendTicks returns the y ticks: durations or plain numbers.
func trendTicks(duration bool, lo, hi float64, target int) []tick {
	if duration {
		if ts := durationTicks(lo, hi, target); ts != nil {
			return ts
		}
		return linearTicks(lo, hi, target, durationLabel)
	}
	return linearTicks(lo, hi, target, plainLabel)
}

// valueFormat writes a value for words: a duration, or a number with one
// decimal more than the ticks.
func valueFormat(duration bool, ticks []tick) func(float64) string {
	if duration {
		return lineDuration
	}
	d := 1
	if len(ticks) > 1 {
		d = min(3, decimals(ticks[1].value-ticks[0].value)+1)
	}
	return func(v float64) string { return short(v, d) }
}

// categories places a slot per point and fits the labels under them: level,
// turned 45°, or one in every few.
func (t *trendLayout) categories(ps []Point) {
	slot := t.a.w / float64(max(len(ps), 1))
	t.xs, t.labels, t.every = make([]float64, len(ps)), make([]string, len(ps)), 1
	widest := 0.0
	for i, p := range ps {
		t.xs[i] = t.a.x + slot*(float64(i)+0.5)
		t.labels[i] = label(p.Label, maxCategory)
		if t.labels[i] == "" {
			t.labels[i] = itoa(i + 1)
		}
		widest = max(widest, textWidth(t.labels[i], fontSize))
	}
	t.labelBand = fontSize + 2
	if widest <= slot-6 {
		return
	}
	t.rotated, t.every = true, max(1, int(math.Ceil(16/slot)))
	widest = 0
	for i := range t.labels {
		t.labels[i] = fitWidth(t.labels[i], fontSize, (t.xs[i]-4)/math.Sqrt2)
		widest = max(widest, textWidth(t.labels[i], fontSize))
	}
	t.labelBand = widest/math.Sqrt2 + fontSize
}

// categoryAxis draws the x axis: a tick and a label per point, and the title.
func (t *trendLayout) categoryAxis(c *canvas, title string) {
	b := t.a.bottom()
	c.body.leaf("line", "x1", num(t.a.x), "y1", num(b), "x2", num(t.a.right()), "y2", num(b), "stroke", inkColour)
	for i, x := range t.xs {
		c.body.leaf("line", "x1", num(x), "y1", num(b), "x2", num(x), "y2", num(b+tickLen), "stroke", inkColour)
		if i%t.every != 0 {
			continue
		}
		if !t.rotated {
			c.body.elem("text", t.labels[i], "x", num(x), "y", num(b+tickLen+fontSize+1), "text-anchor", "middle")
			continue
		}
		ty := num(b + tickLen + 8)
		c.body.elem("text", t.labels[i], "x", num(x), "y", ty, "text-anchor", "end",
			"transform", "rotate(-45 "+num(x)+" "+ty+")")
	}
	c.xTitle(t.a, title, b+t.xTitleY())
}

// trendNotes are the notes under a trend: what the error bars are, which runs
// have no point, and values beyond a fixed axis.
func trendNotes(s TrendSpec, lo, hi float64, intervalName string) []string {
	var notes, gaps []string
	bars, beyond := false, false
	for i, p := range s.Points {
		if !finite(p.Value) {
			gaps = append(gaps, orDefault(label(p.Label, maxCategory), itoa(i+1)))
			continue
		}
		l, h, has := interval(p.Lo, p.Hi)
		bars = bars || has
		beyond = beyond || p.Value < lo || p.Value > hi || (has && (l < lo || h > hi))
	}
	if bars {
		notes = append(notes, "Error bars: "+intervalName+".")
	}
	if len(gaps) > 0 {
		notes = append(notes, "No point (insufficient sample): "+strings.Join(gaps, ", ")+".")
	}
	if beyond {
		notes = append(notes, "Values beyond the axis are drawn at its edge.")
	}
	return notes
}

// errorBars draws the interval of each point that has one.
func (t *trendLayout) errorBars(c *canvas, ps []Point) {
	for i, p := range ps {
		lo, hi, ok := interval(p.Lo, p.Hi)
		if !finite(p.Value) || !ok {
			continue
		}
		x, y0, y1 := t.xs[i], t.y.at(lo), t.y.at(hi)
		c.body.leaf("line", "x1", num(x), "y1", num(y0), "x2", num(x), "y2", num(y1), "stroke", palette[0], "stroke-width", "1.5")
		for _, y := range []float64{y0, y1} {
			c.body.leaf("line", "x1", num(x-4), "y1", num(y), "x2", num(x+4), "y2", num(y), "stroke", palette[0], "stroke-width", "1.5")
		}
	}
}

// series draws the line through consecutive values, broken at a missing one,
// and a marker per value.
func (t *trendLayout) series(c *canvas, ps []Point) {
	var d strings.Builder
	move := true
	for i, p := range ps {
		if !finite(p.Value) {
			move = true
			continue
		}
		cmd := "L"
		if move {
			cmd, move = "M", false
		}
		d.WriteString(cmd + num(t.xs[i]) + " " + num(t.y.at(p.Value)))
	}
	c.body.leaf("path", "d", d.String(), "fill", "none", "stroke", palette[0], "stroke-width", "2", "stroke-linejoin", "round")
	c.body.start("g", "data-role", "points")
	for i, p := range ps {
		if finite(p.Value) {
			c.body.leaf("circle", "data-label", t.labels[i], "data-value", t.format(p.Value),
				"cx", num(t.xs[i]), "cy", num(t.y.at(p.Value)), "r", "4", "fill", palette[0], "stroke", "#FFFFFF", "stroke-width", "1.5")
		}
	}
	c.body.end("g")
}
