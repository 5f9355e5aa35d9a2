package chart

import (
	"fmt"
	"hash/fnv"
	"html/template"
	"strconv"
	"strings"
)

// Sizes, in pixels, shared by every chart.
const (
	titleSize  = 14.0
	fontSize   = 12.0
	smallSize  = 11.0
	titleBand  = 28.0 // the title line at the top
	noteLine   = 15.0 // one note under the plot
	tickLen    = 4.0
	maxLabel   = 60 // runes of an outside label on the chart
	maxDescLen = 80 // runes of an outside label in the description
)

// Colours: the Okabe–Ito palette (safe for colour-blind readers) without its
// yellow, which is too light on white.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"}

// dashes tell series apart without colour (and in black-and-white print).
var dashes = []string{"", "6 3", "2 2", "8 3 2 3"}

const (
	inkColour  = "#222222" // axes
	mutedColor = "#555555" // notes, reference lines
	gridColour = "#E3E3E3"
)

// canvas is a chart being drawn: its size, its words and its body.
type canvas struct {
	kind, title string
	w, h        float64
	desc        []string // sentences of the <desc>
	body        svgWriter
}

// newCanvas starts a chart of kind with a visible title.
func newCanvas(kind string, w, h int, title string) *canvas {
	return &canvas{kind: kind, title: label(title, 200), w: float64(w), h: float64(h)}
}

// describe adds sentences to the chart's description.
func (c *canvas) describe(sentences ...string) {
	c.desc = append(c.desc, sentences...)
}

// html returns the finished <svg>. Its ids are a hash of the content, so a
// report holding several charts has unique ids and the output stays deterministic.
func (c *canvas) html() template.HTML {
	desc := strings.Join(c.desc, " ")
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s", c.kind, c.title, desc, c.body.String())
	id := fmt.Sprintf("chart-%s-%016x", c.kind, h.Sum64())
	var w svgWriter
	w.start("svg", "xmlns", "http://www.w3.org/2000/svg", "data-chart", c.kind,
		"role", "img", "aria-labelledby", id+"-title "+id+"-desc",
		"width", num(c.w), "height", num(c.h), "viewBox", "0 0 "+num(c.w)+" "+num(c.h),
		"font-family", "sans-serif", "font-size", num(fontSize))
	w.elem("title", c.title, "id", id+"-title")
	w.elem("desc", desc, "id", id+"-desc")
	w.leaf("rect", "x", "0", "y", "0", "width", num(c.w), "height", num(c.h), "fill", "#FFFFFF")
	w.elem("text", fitWidth(c.title, titleSize, c.w-16), "x", "8", "y", "19",
		"font-size", num(titleSize), "font-weight", "bold")
	w.raw(c.body.String())
	w.end("svg")
	return template.HTML(w.String()) // safe: svgWriter escapes every text
}

// plotRect draws the plot area's rectangle, which tests use to find it.
func (c *canvas) plotRect(a area) {
	c.body.leaf("rect", "data-role", "plot", "x", num(a.x), "y", num(a.y),
		"width", num(a.w), "height", num(a.h), "fill", "none", "stroke", gridColour)
}

// noData writes "no data" in the middle of the plot area.
func (c *canvas) noData(a area) {
	c.body.elem("text", "no data", "x", num(a.x+a.w/2), "y", num(a.y+a.h/2),
		"dy", "0.35em", "text-anchor", "middle", "font-size", num(titleSize), "fill", mutedColor)
	c.describe("No data.")
}

// notes writes lines of small text from y down, noteLine apart.
func (c *canvas) notes(y float64, lines []string) {
	for i, s := range lines {
		c.body.elem("text", fitWidth(s, smallSize, c.w-16), "x", "8",
			"y", num(y+float64(i)*noteLine+smallSize), "font-size", num(smallSize), "fill", mutedColor)
	}
}

// haloed are the attributes of a label drawn over the plot: a white outline
// keeps it readable over lines and points.
func haloed(attrs ...string) []string {
	return append(attrs, "stroke", "#FFFFFF", "stroke-width", "3", "paint-order", "stroke")
}

// itoa is strconv.Itoa, short.
func itoa(n int) string { return strconv.Itoa(n) }

// plural writes n and a noun, "1 run", "3 runs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return itoa(n) + " " + noun + "s"
}

// wrapNotes breaks notes into lines that fit width pixels of small text.
func wrapNotes(notes []string, width float64) []string {
	var out []string
	for _, n := range notes {
		line := ""
		for _, w := range strings.Fields(n) {
			if line != "" && textWidth(line+" "+w, smallSize) > width {
				out, line = append(out, line), ""
			}
			line = strings.TrimSpace(line + " " + w)
		}
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}
