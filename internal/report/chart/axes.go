package chart

// xAxis draws the bottom axis of a: tick marks and labels at the pixels sc
// gives, vertical grid lines when grid is set, and the axis title below.
func (c *canvas) xAxis(a area, sc scale, ticks []tick, title string, grid bool) {
	for _, t := range ticks {
		x := num(sc.at(t.value))
		if grid {
			c.body.leaf("line", "x1", x, "y1", num(a.y), "x2", x, "y2", num(a.bottom()), "stroke", gridColour)
		}
		c.body.leaf("line", "x1", x, "y1", num(a.bottom()), "x2", x, "y2", num(a.bottom()+tickLen), "stroke", inkColour)
		c.body.elem("text", t.label, "x", x, "y", num(a.bottom()+tickLen+fontSize+1), "text-anchor", "middle")
	}
	c.body.leaf("line", "x1", num(a.x), "y1", num(a.bottom()), "x2", num(a.right()), "y2", num(a.bottom()), "stroke", inkColour)
	c.xTitle(a, title, a.bottom()+tickLen+2*fontSize+8)
}

// xTitle writes an x axis title centred under a, its baseline at y.
func (c *canvas) xTitle(a area, title string, y float64) {
	c.body.elem("text", fitWidth(title, fontSize, c.w-16), "x", num(a.x+a.w/2), "y", num(y),
		"text-anchor", "middle", "font-weight", "bold")
}

// xAxisHeight is the space under the plot that xAxis uses.
const xAxisHeight = tickLen + 2*fontSize + 14

// yAxis draws the left axis of a: tick marks and labels, horizontal grid lines
// when grid is set, and the axis title turned a quarter left.
func (c *canvas) yAxis(a area, sc scale, ticks []tick, title string, grid bool) {
	for _, t := range ticks {
		y := num(sc.at(t.value))
		if grid {
			c.body.leaf("line", "x1", num(a.x), "y1", y, "x2", num(a.right()), "y2", y, "stroke", gridColour)
		}
		c.body.leaf("line", "x1", num(a.x-tickLen), "y1", y, "x2", num(a.x), "y2", y, "stroke", inkColour)
		c.body.elem("text", t.label, "x", num(a.x-tickLen-3), "y", y, "dy", "0.35em", "text-anchor", "end")
	}
	c.body.leaf("line", "x1", num(a.x), "y1", num(a.y), "x2", num(a.x), "y2", num(a.bottom()), "stroke", inkColour)
	x, y := num(yTitleX), num(a.y+a.h/2)
	c.body.elem("text", fitWidth(title, fontSize, a.h), "x", x, "y", y, "text-anchor", "middle",
		"font-weight", "bold", "transform", "rotate(-90 "+x+" "+y+")")
}

// minPlotHeight is the least height of a plot with a y axis: enough for the
// axis title, which is written along it.
func minPlotHeight(title string) float64 {
	return min(max(100, textWidth(label(title, maxLabel), fontSize)+12), 400)
}

// yTitleX is the x of the (turned) y axis title's baseline.
const yTitleX = 8 + fontSize

// yAxisWidth is the space left of the plot that yAxis needs for ticks.
func yAxisWidth(ticks []tick) float64 {
	w := 0.0
	for _, t := range ticks {
		w = max(w, textWidth(t.label, fontSize))
	}
	return yTitleX + 8 + w + tickLen + 3
}
