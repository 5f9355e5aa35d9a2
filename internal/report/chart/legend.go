package chart

// legendItem is one entry of a legend: a line sample and a name.
type legendItem struct {
	text         string
	colour, dash string
	x, width     float64 // placed by layoutLegend
	row          int
}

// legendRow is the height of one row of the legend.
const legendRow = 16.0

// swatch is the length of a legend's line sample and the gap after it.
const swatch, swatchGap, itemGap = 22.0, 5.0, 16.0

// layoutLegend places items left to right from x0, wrapping at width; it
// returns how many rows it takes.
func layoutLegend(items []legendItem, x0, width float64) int {
	x, row := x0, 0
	for i := range items {
		it := &items[i]
		it.text = fitWidth(it.text, fontSize, width-x0-swatch-swatchGap)
		it.width = swatch + swatchGap + textWidth(it.text, fontSize)
		if x > x0 && x+it.width > width {
			x, row = x0, row+1
		}
		it.x, it.row = x, row
		x += it.width + itemGap
	}
	if len(items) == 0 {
		return 0
	}
	return row + 1
}

// legend draws placed items with the top of their first row at y.
func (c *canvas) legend(items []legendItem, y float64) {
	c.body.start("g", "data-role", "legend")
	for _, it := range items {
		cy := y + float64(it.row)*legendRow + legendRow/2
		attrs := []string{"x1", num(it.x), "y1", num(cy), "x2", num(it.x + swatch), "y2", num(cy),
			"stroke", it.colour, "stroke-width", "2.5"}
		if it.dash != "" {
			attrs = append(attrs, "stroke-dasharray", it.dash)
		}
		c.body.leaf("line", attrs...)
		c.body.elem("text", it.text, "x", num(it.x+swatch+swatchGap), "y", num(cy), "dy", "0.35em")
	}
	c.body.end("g")
}
