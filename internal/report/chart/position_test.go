package chart

import (
	"html/template"
	"math"
	"strings"
	"testing"
)

func TestTrendPointPositions(t *testing.T) {
	root := parse(t, Trend(TrendSpec{Title: "Score", YTitle: "score (0–100)", YMin: 0, YMax: 100,
		Points: []Point{{Label: "a", Value: 50}, {Label: "b", Value: 0}, {Label: "c", Value: 100}, {Label: "d", Value: 25}}}))
	a := root.plot(t)
	pts := root.one(t, "points", role("points")).all(tagged("circle"))
	if len(pts) != 4 {
		t.Fatalf("found %d points, want 4", len(pts))
	}
	for i, want := range []float64{a.y + a.h/2, a.bottom(), a.y, a.bottom() - a.h/4} {
		near(t, "point "+pts[i].attr("data-label")+" cy", pts[i].num(t, "cy"), want, 0.5)
		near(t, "point "+pts[i].attr("data-label")+" cx", pts[i].num(t, "cx"), a.x+a.w*(float64(i)+0.5)/4, 0.5)
	}
}

func TestTrendGapBreaksTheLine(t *testing.T) {
	root := parse(t, Trend(TrendSpec{Points: []Point{{Label: "a", Value: 1}, {Label: "b", Value: 2},
		{Label: "gap run", Value: math.NaN()}, {Label: "d", Value: 3}}}))
	line := root.all(func(n *node) bool { return n.XMLName.Local == "path" })
	if len(line) != 1 {
		t.Fatalf("found %d paths, want 1", len(line))
	}
	if d := line[0].attr("d"); strings.Count(d, "M") != 2 || strings.Count(d, "L") != 1 {
		t.Errorf("line d = %q, want two pieces: M…L… and M…", d)
	}
	if n := len(root.one(t, "points", role("points")).all(tagged("circle"))); n != 3 {
		t.Errorf("found %d points, want 3", n)
	}
	if !root.hasText("No point (insufficient sample): gap run.") {
		t.Errorf("no note on the gap in %q", root.texts())
	}
	if desc := root.Children[1].content(); !strings.Contains(desc, "gap run: insufficient sample") {
		t.Errorf("desc %q does not explain the gap", desc)
	}
}

func TestTrendAutoRange(t *testing.T) {
	root := parse(t, Trend(TrendSpec{Points: []Point{{Label: "a", Value: 20}, {Label: "b", Value: 70}}}))
	a := root.plot(t)
	pts := root.all(tagged("circle"))
	// Range 20..70 with a 10% margin: 15..75, so 20 lies 5/60 of the height up.
	near(t, "cy of 20", pts[0].num(t, "cy"), a.bottom()-a.h*5/60, 0.5)
	near(t, "cy of 70", pts[1].num(t, "cy"), a.y+a.h*5/60, 0.5)
}

func TestBarsPositions(t *testing.T) {
	root := parse(t, Bars(BarsSpec{Items: []Bar{{Label: "half", Value: 50}, {Label: "Acme", Value: 100, Highlight: true}},
		Lines: []Line{{Label: "tier B 80", Value: 80}}}))
	a := root.plot(t)
	rects := root.one(t, "bars", role("bars")).all(tagged("rect"))
	if len(rects) != 2 {
		t.Fatalf("found %d bars, want 2", len(rects))
	}
	near(t, "bar x", rects[0].num(t, "x"), a.x, 0.5)
	near(t, "width of 50", rects[0].num(t, "width"), a.w/2, 0.5)
	near(t, "width of 100", rects[1].num(t, "width"), a.w, 0.5)
	if rects[0].num(t, "y") >= rects[1].num(t, "y") {
		t.Errorf("bars not in the order given")
	}
	line := root.one(t, "reference line", func(n *node) bool {
		return n.XMLName.Local == "line" && n.attr("stroke-dasharray") != ""
	})
	near(t, "x of line 80", line.num(t, "x1"), a.x+a.w*0.8, 0.5)
}

func TestBarsHighlight(t *testing.T) {
	root := parse(t, Bars(BarsSpec{Items: []Bar{{Label: "Globex", Value: 90}, {Label: "Acme", Value: 80, Highlight: true}}}))
	for _, tc := range []struct {
		label, fill, weight string
	}{{"Globex", barColour, "normal"}, {"Acme", highlightColour, "bold"}} {
		bar := root.one(t, "bar "+tc.label, func(n *node) bool { return n.attr("data-label") == tc.label })
		if got := bar.attr("fill"); got != tc.fill {
			t.Errorf("bar %s fill = %q, want %q", tc.label, got, tc.fill)
		}
		text := root.one(t, "label "+tc.label, func(n *node) bool { return n.XMLName.Local == "text" && n.content() == tc.label })
		if got := text.attr("font-weight"); got != tc.weight {
			t.Errorf("label %s font-weight = %q, want %q", tc.label, got, tc.weight)
		}
	}
	if !root.hasText("Highlighted (bold): Acme.") {
		t.Errorf("no note on the highlight in %q", root.texts())
	}
}

func TestDistributionGeometry(t *testing.T) {
	root := parse(t, Distribution(DistributionSpec{Series: []Series{{Name: "a", Values: []float64{5, 30, 90, 400, 7200}}},
		Lines: []Line{{Label: "SLA 1m", Value: 60}}}))
	a := root.plot(t)
	line := root.one(t, "reference line", func(n *node) bool {
		return n.XMLName.Local == "line" && n.attr("stroke-dasharray") != ""
	})
	tick := root.one(t, "tick 1m", func(n *node) bool { return n.XMLName.Local == "text" && n.content() == "1m" })
	near(t, "x of the 1m line", line.num(t, "x1"), tick.num(t, "x"), 0.5)
	d := root.one(t, "curve", tagged("path")).attr("d")
	if want := "V" + num(a.y) + "H" + num(a.right()); !strings.HasSuffix(d, want) {
		t.Errorf("curve d = %q, want it to reach 100%% and end %q", d, want)
	}
	// Two of five answers came within 1m: the crossing is marked 40%.
	mark := root.one(t, "crossing", tagged("circle"))
	near(t, "crossing cy", mark.num(t, "cy"), a.bottom()-0.4*a.h, 0.5)
	if !root.hasText("40%") {
		t.Errorf("crossing not labelled 40%%: %q", root.texts())
	}
}

// textBox is the estimated extent of a <text>.
func textBox(t *testing.T, n *node) area {
	t.Helper()
	size := fontSize
	if n.attr("font-size") != "" {
		size = n.num(t, "font-size")
	}
	w := textWidth(n.content(), size)
	x := n.num(t, "x")
	switch n.attr("text-anchor") {
	case "end":
		x -= w
	case "middle":
		x -= w / 2
	}
	return area{x: x, y: n.num(t, "y") - size, w: w, h: size}
}

func overlap(a, b area) bool {
	return a.x < b.right() && b.x < a.right() && a.y < b.bottom() && b.y < a.bottom()
}

func TestCrowdedLabelsDoNotOverlap(t *testing.T) {
	var acme, industry []float64
	for i := range 30 {
		acme = append(acme, 30*math.Pow(1.2, float64(i)))
		industry = append(industry, 60*math.Pow(1.2, float64(i)))
	}
	lines := []Line{{Label: "SLA 1h", Value: hour}, {Label: "SLA 4h", Value: 4 * hour}, {Label: "next day", Value: day}}
	for name, h := range map[string]template.HTML{
		"distribution": Distribution(DistributionSpec{Width: 420, Lines: lines,
			Series: []Series{{Name: "Acme", Values: acme}, {Name: "Retail industry", Values: industry}}}),
		"bars": Bars(BarsSpec{Width: 420, Items: []Bar{{Label: "Acme", Value: 75}},
			Lines: []Line{{Label: "tier C 70", Value: 70}, {Label: "tier B 80", Value: 80}, {Label: "tier A 90", Value: 90}}}),
	} {
		t.Run(name, func(t *testing.T) {
			texts := parse(t, h).all(func(n *node) bool {
				return n.XMLName.Local == "text" && n.attr("transform") == "" && n.attr("x") != ""
			})
			for i, a := range texts {
				for _, b := range texts[i+1:] {
					if overlap(textBox(t, a), textBox(t, b)) {
						t.Errorf("labels %q and %q overlap", a.content(), b.content())
					}
				}
			}
		})
	}
}
