package profile

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// jqueryOnly are pseudo-classes that jQuery accepts but browsers' CSS does not,
// a common mistake when a selector is copied from old scripts.
var jqueryOnly = map[string]bool{
	"contains": true, "visible": true, "hidden": true, "eq": true, "gt": true, "lt": true,
	"even": true, "odd": true, "first": true, "last": true, "selected": true, "header": true,
	"animated": true, "parent": true, "input": true, "button": true, "text": true,
	"checkbox": true, "radio": true, "password": true, "submit": true, "file": true,
	"image": true, "reset": true,
}

// checkSelector says what is wrong with a CSS selector, or "" when it looks
// valid. It is no full CSS parser: it checks brackets, quotes, escapes,
// combinators, comma lists, the names after "." "#" and ":", and the shape of
// attribute tests, which catches most mistakes before a browser sees them.
func checkSelector(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return `want a CSS selector, got ""`
	}
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "(/") {
		return fmt.Sprintf("%s looks like XPath: want a CSS selector", yamlcheck.Quote(s))
	}
	c := selectorChecker{src: []rune(s)}
	if msg := c.run(); msg != "" {
		return fmt.Sprintf("bad CSS selector %s: %s", yamlcheck.Quote(s), msg)
	}
	return ""
}

// top-level token classes, to check combinators and commas.
const (
	tokStart = iota
	tokComb
	tokComma
	tokSimple
)

type selectorChecker struct {
	src   []rune
	i     int
	open  []rune // open ( and [, innermost last
	attr  int    // index in src after the innermost open "["
	prev  int    // last top-level token class
	combo rune   // last top-level combinator
}

func (c *selectorChecker) run() string {
	for ; c.i < len(c.src); c.i++ {
		r := c.src[c.i]
		var msg string
		switch {
		case r == '\\':
			msg = c.escape()
		case r == '"' || r == '\'':
			msg = c.str(r)
		case r == '(' || r == '[':
			msg = c.push(r)
		case r == ')' || r == ']':
			msg = c.pop(r)
		case len(c.open) > 0 && c.open[len(c.open)-1] == '[':
			// inside an attribute test: checked whole when it closes
		case len(c.open) > 0:
			msg = c.name(r)
		default:
			msg = c.top(r)
		}
		if msg != "" {
			return msg
		}
	}
	if len(c.open) > 0 {
		return fmt.Sprintf("unclosed %q", c.open[len(c.open)-1])
	}
	switch c.prev {
	case tokComb:
		return fmt.Sprintf("ends with the combinator %q", c.combo)
	case tokComma:
		return `ends with ","`
	}
	return ""
}

// escape skips a backslash escape.
func (c *selectorChecker) escape() string {
	if c.i+1 >= len(c.src) {
		return "ends with a backslash"
	}
	c.i++
	c.prev = tokSimple
	return ""
}

// str skips a quoted string starting at c.i.
func (c *selectorChecker) str(q rune) string {
	if len(c.open) == 0 {
		return fmt.Sprintf("quote %q outside [...] or (...)", q)
	}
	for c.i++; c.i < len(c.src); c.i++ {
		switch c.src[c.i] {
		case '\\':
			c.i++
		case '\n':
			return "unterminated string"
		case q:
			return ""
		}
	}
	return "unterminated string"
}

func (c *selectorChecker) push(r rune) string {
	if r == '[' && len(c.open) > 0 && c.open[len(c.open)-1] == '[' {
		return `"[" inside [...]`
	}
	if r == '(' && (c.i == 0 || !isNameRune(c.src[c.i-1])) {
		return `"(" must follow a pseudo-class name, as in :not(...)`
	}
	c.open = append(c.open, r)
	if r == '[' {
		c.attr = c.i + 1
	}
	c.prev = tokSimple
	return ""
}

func (c *selectorChecker) pop(r rune) string {
	want := map[rune]rune{')': '(', ']': '['}[r]
	if len(c.open) == 0 {
		return fmt.Sprintf("%q without a matching %q", r, want)
	}
	if top := c.open[len(c.open)-1]; top != want {
		return fmt.Sprintf("%q closes %q", r, top)
	}
	c.open = c.open[:len(c.open)-1]
	if r == ']' {
		return checkAttr(string(c.src[c.attr:c.i]))
	}
	return ""
}

// top checks one rune outside any brackets.
func (c *selectorChecker) top(r rune) string {
	switch {
	case unicode.IsSpace(r):
		return ""
	case r == '>' || r == '+' || r == '~':
		switch c.prev {
		case tokStart:
			return fmt.Sprintf("starts with the combinator %q", r)
		case tokComma:
			return fmt.Sprintf(`combinator %q right after ","`, r)
		case tokComb:
			return fmt.Sprintf("combinator %q right after %q", r, c.combo)
		}
		c.prev, c.combo = tokComb, r
		return ""
	case r == ',':
		switch c.prev {
		case tokStart, tokComma:
			return `empty selector in a "," list`
		case tokComb:
			return fmt.Sprintf(`combinator %q right before ","`, c.combo)
		}
		c.prev = tokComma
		return ""
	case r == '.' || r == '#' || r == ':' || r == '*' || r == '|' || isNameRune(r):
		c.prev = tokSimple
		return c.name(r)
	}
	return fmt.Sprintf("unexpected %q", r)
}

// name checks that ".", "#" and ":" are followed by a name.
func (c *selectorChecker) name(r rune) string {
	if r != '.' && r != '#' && r != ':' {
		return ""
	}
	j := c.i + 1
	if r == ':' && j < len(c.src) && c.src[j] == ':' {
		j++
	}
	if j >= len(c.src) || !(isNameStart(c.src[j]) || c.src[j] == '\\') {
		what := map[rune]string{'.': "a class name", '#': "an id", ':': "a pseudo-class name"}[r]
		if j < len(c.src) && unicode.IsDigit(c.src[j]) && r != ':' {
			return fmt.Sprintf(`%q followed by a digit: escape it (e.g. \31 ) or use an attribute test`, r)
		}
		return fmt.Sprintf("%q must be followed by %s", r, what)
	}
	if r == ':' && c.src[c.i+1] != ':' && (c.i == 0 || c.src[c.i-1] != ':') {
		k := j
		for k < len(c.src) && isNameRune(c.src[k]) {
			k++
		}
		if p := strings.ToLower(string(c.src[j:k])); jqueryOnly[p] {
			return fmt.Sprintf(":%s is jQuery, not CSS", p)
		}
	}
	c.i = j - 1
	return ""
}

// checkAttr checks the inside of an attribute test, e.g. `data-author="bot" i`.
func checkAttr(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "empty attribute test []"
	}
	rs := []rune(s)
	k := 0
	for k < len(rs) && (isNameRune(rs[k]) || rs[k] == '|' || rs[k] == '*' || rs[k] == '\\') {
		if rs[k] == '\\' {
			k++
		}
		k++
	}
	if k == 0 || !isNameStart(rs[0]) && rs[0] != '*' && rs[0] != '|' && rs[0] != '\\' {
		return fmt.Sprintf("attribute test [%s] must start with an attribute name", s)
	}
	rest := strings.TrimSpace(string(rs[min(k, len(rs)):]))
	if rest == "" {
		return ""
	}
	op, value, found := strings.Cut(rest, "=")
	if !found || len(op) > 1 || op != "" && !strings.ContainsAny(op, "~|^$*") {
		return fmt.Sprintf("attribute test [%s]: want an operator =, ~=, |=, ^=, $= or *=", s)
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return fmt.Sprintf("attribute test [%s] has no value", s)
	}
	if value[0] == '"' || value[0] == '\'' {
		end := strings.LastIndexByte(value, value[0])
		if end > 0 {
			if flag := strings.TrimSpace(value[end+1:]); flag != "" && !strings.EqualFold(flag, "i") && !strings.EqualFold(flag, "s") {
				return fmt.Sprintf("attribute test [%s]: unexpected %q after the value", s, flag)
			}
		}
		return ""
	}
	fields := strings.Fields(value)
	if len(fields) > 2 || len(fields) == 2 && !strings.EqualFold(fields[1], "i") && !strings.EqualFold(fields[1], "s") {
		return fmt.Sprintf("attribute test [%s]: quote a value with spaces", s)
	}
	for _, r := range fields[0] {
		if !isNameRune(r) && r != '\\' {
			return fmt.Sprintf("attribute test [%s]: quote a value holding %q", s, r)
		}
	}
	return ""
}

func isNameStart(r rune) bool {
	return r == '_' || r == '-' || unicode.IsLetter(r) || r >= 0x80
}

func isNameRune(r rune) bool {
	return isNameStart(r) || unicode.IsDigit(r)
}
