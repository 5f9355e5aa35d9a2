package chart

import (
	"html/template"
	"math"
	"strings"
	"testing"
)

const nasty = `<Acme & "Co">`

func TestEscaping(t *testing.T) {
	for name, h := range map[string]template.HTML{
		"distribution": Distribution(DistributionSpec{Title: nasty,
			Series: []Series{{Name: nasty, Values: []float64{1, 2}}, {Name: "b", Values: []float64{3}}},
			Lines:  []Line{{Label: nasty, Value: 2}}}),
		"trend": Trend(TrendSpec{Title: nasty, YTitle: nasty, Points: []Point{{Label: nasty, Value: 1}},
			Lines: []Line{{Label: nasty, Value: 1}}}),
		"bars": Bars(BarsSpec{Title: nasty, XTitle: nasty, Items: []Bar{{Label: nasty, Value: 1, Note: nasty}},
			Lines: []Line{{Label: nasty, Value: 50}}}),
	} {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(string(h), "<Acme") {
				t.Fatalf("%s: name not escaped:\n%s", name, h)
			}
			root := parse(t, h)
			if got := root.Children[0].content(); got != nasty {
				t.Errorf("<title> = %q, want %q", got, nasty)
			}
			if !root.hasText(nasty) {
				t.Errorf("no text %q in %q", nasty, root.texts())
			}
			if !strings.Contains(root.Children[1].content(), nasty) {
				t.Errorf("desc does not name %q", nasty)
			}
		})
	}
}

func TestControlCharactersKeepXMLValid(t *testing.T) {
	name := "Ac\x00me\x1b \xff\uFFFE"
	h := Bars(BarsSpec{Title: name, Items: []Bar{{Label: name, Value: 3}}})
	root := parse(t, h)
	if got, want := root.Children[0].content(), "Ac me \uFFFD"; got != want {
		t.Errorf("<title> = %q, want %q", got, want)
	}
}

func TestNoData(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for name, h := range map[string]template.HTML{
		"distribution, no series":    Distribution(DistributionSpec{}),
		"distribution, empty series": Distribution(DistributionSpec{Series: []Series{{Name: "a"}, {Name: "b"}}}),
		"distribution, all NaN":      Distribution(DistributionSpec{Series: []Series{{Name: "a", Values: []float64{nan, inf, -1}}}}),
		"trend, no points":           Trend(TrendSpec{YMin: 0, YMax: 100}),
		"trend, all NaN":             Trend(TrendSpec{Points: []Point{{Label: "r1", Value: nan}, {Label: "r2", Value: inf}}}),
		"bars, no items":             Bars(BarsSpec{Title: "Ranking"}),
	} {
		t.Run(name, func(t *testing.T) {
			root := parse(t, h)
			if !root.hasText("no data") {
				t.Errorf("no %q in %q", "no data", root.texts())
			}
			if !strings.Contains(root.Children[1].content(), "No data.") {
				t.Errorf("desc %q does not say there is no data", root.Children[1].content())
			}
			root.plot(t)
			checkClean(t, h)
		})
	}
}

func TestBadNumbers(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	bad := []float64{nan, inf, -inf, -5, 0, -0.0, math.MaxFloat64, math.SmallestNonzeroFloat64}
	lines := []Line{{Label: "a", Value: nan}, {Label: "b", Value: -inf}, {Label: "", Value: -3}, {Value: math.MaxFloat64}}
	var points []Point
	var bars []Bar
	for _, v := range bad {
		points = append(points, Point{Label: "p", Value: v, Lo: v, Hi: -v})
		bars = append(bars, Bar{Label: "b", Value: v, Lo: -v, Hi: v})
	}
	for name, h := range map[string]template.HTML{
		"distribution": Distribution(DistributionSpec{Series: []Series{{Name: "a", Values: bad}, {Name: "b", Values: bad}},
			Lines: lines, Width: -3, Height: math.MaxInt}),
		"trend":          Trend(TrendSpec{Points: points, Lines: lines, YMin: nan, YMax: inf}),
		"trend, fixed":   Trend(TrendSpec{Points: points, Lines: lines, YMin: 0, YMax: 100}),
		"trend, seconds": Trend(TrendSpec{Points: points, Lines: lines, YDuration: true}),
		"bars":           Bars(BarsSpec{Items: bars, Lines: lines, XMin: -inf, XMax: nan, Decimals: -4, Width: 1}),
		"bars, range":    Bars(BarsSpec{Items: bars, Lines: lines, XMin: -50, XMax: 50}),
	} {
		t.Run(name, func(t *testing.T) {
			parse(t, h)
			checkClean(t, h)
		})
	}
}

func TestZerosDrawAtTheAxisMinimum(t *testing.T) {
	root := parse(t, Distribution(DistributionSpec{Series: []Series{{Name: "a", Values: []float64{0, 0, 10}}}}))
	a := root.plot(t)
	d := root.one(t, "curve", tagged("path")).attr("d")
	// Two thirds of the answers are at the left edge: the curve rises there first.
	want := "M" + num(a.x) + " " + num(a.bottom()) + "H" + num(a.x) + "V" + num(a.bottom()-a.h*2/3)
	if !strings.HasPrefix(d, want) {
		t.Errorf("curve d = %q, want it to start %q", d, want)
	}
}

func FuzzLabels(f *testing.F) {
	for _, s := range []string{nasty, "", "\x00", "]]>", "&amp;", "\xff\xfe", strings.Repeat("é", 300), "a\nb\tc"} {
		f.Add(s, 12.5)
	}
	f.Fuzz(func(t *testing.T, s string, v float64) {
		for _, h := range []template.HTML{
			Distribution(DistributionSpec{Title: s, Series: []Series{{Name: s, Values: []float64{v, 1}}, {Name: s}},
				Lines: []Line{{Label: s, Value: v}}}),
			Trend(TrendSpec{Title: s, YTitle: s, Points: []Point{{Label: s, Value: v, Lo: v, Hi: v + 1}},
				Lines: []Line{{Label: s, Value: v}}}),
			Bars(BarsSpec{Title: s, Items: []Bar{{Label: s, Value: v, Note: s, Highlight: true}},
				Lines: []Line{{Label: s, Value: v}}}),
		} {
			parse(t, h)
			if strings.Contains(string(h), "NaN") && !strings.Contains(s, "NaN") {
				t.Fatalf("NaN in the chart of %q, %v", s, v)
			}
		}
	})
}
