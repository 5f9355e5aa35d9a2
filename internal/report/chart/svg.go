package chart

import (
	"html"
	"strings"
	"unicode/utf8"
)

// svgWriter builds SVG markup. Every attribute value and text goes through
// xmlText, so markup can only come from the package itself.
type svgWriter struct {
	b strings.Builder
}

// start writes an opening tag; attrs are name, value pairs.
func (w *svgWriter) start(tag string, attrs ...string) {
	w.tag(tag, attrs)
	w.b.WriteString(">")
}

// leaf writes an empty element.
func (w *svgWriter) leaf(tag string, attrs ...string) {
	w.tag(tag, attrs)
	w.b.WriteString("/>")
}

// end writes a closing tag.
func (w *svgWriter) end(tag string) {
	w.b.WriteString("</" + tag + ">")
}

// elem writes an element holding text only.
func (w *svgWriter) elem(tag, content string, attrs ...string) {
	w.start(tag, attrs...)
	w.b.WriteString(xmlText(content))
	w.end(tag)
}

// raw appends markup already built by another svgWriter.
func (w *svgWriter) raw(markup string) {
	w.b.WriteString(markup)
}

func (w *svgWriter) tag(tag string, attrs []string) {
	if len(attrs)%2 != 0 {
		panic("chart: odd attribute list for <" + tag + ">")
	}
	w.b.WriteString("<" + tag)
	for i := 0; i < len(attrs); i += 2 {
		w.b.WriteString(" " + attrs[i] + `="` + xmlText(attrs[i+1]) + `"`)
	}
}

func (w *svgWriter) String() string { return w.b.String() }

// xmlText escapes s for XML text or an attribute value, after dropping what XML
// cannot hold (invalid UTF-8 becomes U+FFFD; control characters become spaces).
func xmlText(s string) string {
	return html.EscapeString(xmlSafe(s))
}

// xmlSafe replaces invalid UTF-8 and every rune XML 1.0 forbids.
func xmlSafe(s string) string {
	ok := utf8.ValidString(s)
	for _, r := range s {
		if !ok || !xmlChar(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if !xmlChar(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return r <= 0x10FFFF
}

// label makes an outside text fit for one line of a chart: whitespace collapsed,
// at most maxRunes runes (an ellipsis marks a cut).
func label(s string, maxRunes int) string {
	s = strings.Join(strings.Fields(xmlSafe(s)), " ")
	if utf8.RuneCountInString(s) <= maxRunes || maxRunes < 2 {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:maxRunes-1])) + "…"
}

// fitWidth shortens s so that it is at most width pixels wide at size.
func fitWidth(s string, size, width float64) string {
	if textWidth(s, size) <= width+0.01 {
		return s
	}
	return label(s, max(2, int(width/(size*charWidth))))
}

// charWidth is the average advance of a sans-serif character, in ems: a
// conservative estimate (digits and capitals are wider than average text).
const charWidth = 0.6

// textWidth estimates the width in pixels of s at font size.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * charWidth
}
