package chart

import "sort"

// Line is a labelled reference line: an SLA, a tier boundary. Its Value is in
// the units of the axis it crosses (seconds on a duration axis). A Line whose
// Value is NaN, Inf or off the axis is not drawn.
type Line struct {
	Label string // e.g. "SLA 2m", "tier A (90)"; empty: the value itself
	Value float64
}

// refLine is a reference line ready to draw.
type refLine struct {
	value, px float64
	text      string
}

// refLines keeps the lines inside the domain of sc; format labels a line that
// has none.
func refLines(lines []Line, sc scale, format func(float64) string) []refLine {
	var out []refLine
	for _, l := range lines {
		if !finite(l.Value) || !sc.inside(l.Value) {
			continue
		}
		text := label(l.Label, maxLabel)
		if text == "" {
			text = format(l.Value)
		}
		out = append(out, refLine{value: l.Value, px: sc.at(l.Value), text: text})
	}
	return out
}

// lineLabelRow is the height of one row of vertical line labels.
const lineLabelRow = 14.0

// stackLabels gives each vertical line's label a row above the plot so that no
// two labels overlap; it returns the rows and how many there are.
func stackLabels(ls []refLine, width float64) ([]int, int) {
	order := make([]int, len(ls))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return ls[order[i]].px < ls[order[j]].px })
	rows := make([]int, len(ls))
	var ends []float64 // right edge of the last label in each row
	for _, i := range order {
		cx, w := labelCentre(ls[i], width)
		r := 0
		for r < len(ends) && ends[r]+6 > cx-w/2 {
			r++
		}
		if r == len(ends) {
			ends = append(ends, 0)
		}
		ends[r], rows[i] = cx+w/2, r
	}
	return rows, len(ends)
}

// labelCentre is where a vertical line's label is centred, kept inside the
// chart's width, and how wide the label is.
func labelCentre(l refLine, width float64) (float64, float64) {
	w := textWidth(l.text, smallSize)
	return max(w/2+4, min(width-w/2-4, l.px)), w
}

// verticalLines draws vertical reference lines across a, their labels above it
// in the given rows.
func (c *canvas) verticalLines(a area, ls []refLine, rows []int) {
	for i, l := range ls {
		x := num(l.px)
		c.body.leaf("line", "x1", x, "y1", num(a.y), "x2", x, "y2", num(a.bottom()),
			"stroke", mutedColor, "stroke-width", "1.5", "stroke-dasharray", "5 3")
		cx, _ := labelCentre(l, c.w)
		c.body.elem("text", l.text, "x", num(cx), "y", num(a.y-5-float64(rows[i])*lineLabelRow),
			"text-anchor", "middle", "font-size", num(smallSize), "fill", mutedColor)
	}
}

// horizontalLines draws horizontal reference lines across a, each labelled at
// its right end, above the line (below it when there is no room above).
func (c *canvas) horizontalLines(a area, ls []refLine) {
	for _, l := range ls {
		y := num(l.px)
		c.body.leaf("line", "x1", num(a.x), "y1", y, "x2", num(a.right()), "y2", y,
			"stroke", mutedColor, "stroke-width", "1.5", "stroke-dasharray", "5 3")
		ty := l.px - 4
		if ty-smallSize < a.y {
			ty = l.px + smallSize + 2
		}
		c.body.elem("text", fitWidth(l.text, smallSize, a.w-8), haloed("x", num(a.right()-4), "y", num(ty),
			"text-anchor", "end", "font-size", num(smallSize), "fill", mutedColor)...)
	}
}

// lineWords describes reference lines for the <desc>: "Reference lines: SLA 2m
// at 2m."
func lineWords(ls []refLine, format func(float64) string) string {
	if len(ls) == 0 {
		return ""
	}
	s := "Reference lines: "
	for i, l := range ls {
		if i > 0 {
			s += "; "
		}
		s += label(l.text, maxDescLen) + " at " + format(l.value)
	}
	return s + "."
}
