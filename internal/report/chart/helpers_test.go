package chart

import (
	"encoding/xml"
	"html/template"
	"strconv"
	"strings"
	"testing"
)

// node is an element of a parsed chart.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []*node    `xml:",any"`
}

// parse parses a chart as XML, failing the test when it is not well-formed.
func parse(t *testing.T, h template.HTML) *node {
	t.Helper()
	var root node
	d := xml.NewDecoder(strings.NewReader(string(h)))
	d.Strict = true
	if err := d.Decode(&root); err != nil {
		t.Fatalf("chart is not well-formed XML: %v\n%s", err, h)
	}
	return &root
}

// attr returns the value of attribute name, "" when absent.
func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// num returns attribute name as a number, failing the test when it is not one.
func (n *node) num(t *testing.T, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr(name), 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.XMLName.Local, name, n.attr(name), err)
	}
	return v
}

// all returns every element below n (n included) for which keep is true, in
// document order.
func (n *node) all(keep func(*node) bool) []*node {
	var out []*node
	if keep(n) {
		out = append(out, n)
	}
	for _, c := range n.Children {
		out = append(out, c.all(keep)...)
	}
	return out
}

// tagged keeps elements named tag.
func tagged(tag string) func(*node) bool {
	return func(n *node) bool { return n.XMLName.Local == tag }
}

// role keeps elements with data-role="r".
func role(r string) func(*node) bool {
	return func(n *node) bool { return n.attr("data-role") == r }
}

// one returns the only element below n for which keep is true.
func (n *node) one(t *testing.T, what string, keep func(*node) bool) *node {
	t.Helper()
	found := n.all(keep)
	if len(found) != 1 {
		t.Fatalf("found %d %s, want 1", len(found), what)
	}
	return found[0]
}

// content is the text of n and its descendants.
func (n *node) content() string {
	s := n.Text
	for _, c := range n.Children {
		s += c.content()
	}
	return s
}

// texts returns the content of every <text> element.
func (n *node) texts() []string {
	var out []string
	for _, e := range n.all(tagged("text")) {
		out = append(out, e.content())
	}
	return out
}

// hasText reports whether some <text> element's content is s.
func (n *node) hasText(s string) bool {
	for _, x := range n.texts() {
		if x == s {
			return true
		}
	}
	return false
}

// plot returns the plot area's rectangle: x, y, width, height.
func (n *node) plot(t *testing.T) area {
	t.Helper()
	r := n.one(t, `data-role="plot"`, role("plot"))
	return area{x: r.num(t, "x"), y: r.num(t, "y"), w: r.num(t, "width"), h: r.num(t, "height")}
}

// near fails the test when got is more than tol from want.
func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if got < want-tol || got > want+tol {
		t.Errorf("%s = %.2f, want %.2f ± %.1f", what, got, want, tol)
	}
}
