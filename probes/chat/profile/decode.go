package profile

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the YAML nodes one file may expand to, aliases and merges
// included, so that a small file cannot make decoding take forever.
const maxNodes = 50_000

var (
	durationType = reflect.TypeFor[Duration]()
	selectorType = reflect.TypeFor[Selector]()
	templateType = reflect.TypeFor[Template]()
	patternType  = reflect.TypeFor[Pattern]()
	framesType   = reflect.TypeFor[[]Frame]()
	pathType     = reflect.TypeFor[Path]()
	scriptType   = reflect.TypeFor[Script]()
)

// newDecoder returns the strict decoder of widget profiles: yamlcheck's, with
// the profile's scalar types, messages and short forms.
func newDecoder(p *problems) *yamlcheck.Decoder {
	d := yamlcheck.NewDecoder(p, maxNodes)
	d.MaxText = MaxTextLen
	d.Parsers = map[reflect.Type]yamlcheck.Parser{
		durationType: parseDuration,
		selectorType: parseSelector,
		templateType: parseTemplate,
		scriptType:   parseScript,
		patternType:  parsePattern,
	}
	d.Want = want
	d.Before = func(n *yaml.Node, path string, v reflect.Value) bool { return shortForm(d, n, path, v) }
	return d
}

// shortForm decodes the short forms of a path of frames: one frame written as a
// mapping rather than a list of one, and launcher.frame's older form, one iframe
// selector. It reports whether n was one.
func shortForm(d *yamlcheck.Decoder, n *yaml.Node, path string, v reflect.Value) bool {
	t := v.Type()
	if (t != framesType && t != pathType) || yamlcheck.IsNull(n) {
		return false
	}
	switch {
	case n.Kind == yaml.MappingNode:
		s := reflect.MakeSlice(t, 1, 1)
		d.Struct(n, path, s.Index(0))
		v.Set(s)
		return true
	case t == pathType && n.Kind == yaml.ScalarNode:
		sel := reflect.New(selectorType).Elem()
		d.Scalar(n, path, sel, parseSelector)
		if sel.String() != "" {
			v.Set(reflect.ValueOf(Path{{Selector: Selector(sel.String())}}))
		}
		return true
	}
	return false
}

func parseDuration(s string) (any, string) {
	dd, err := yamlcheck.ParseDuration(s)
	if err != nil {
		return nil, fmt.Sprintf("want a duration such as 15s or 1m30s, got %s", yamlcheck.Quote(s))
	}
	if dd <= 0 {
		return nil, fmt.Sprintf("must be positive, got %s", yamlcheck.Quote(s))
	}
	return Duration(dd), ""
}

func parseSelector(s string) (any, string) {
	if msg := checkSelector(s); msg != "" {
		return nil, msg
	}
	return Selector(strings.TrimSpace(s)), ""
}

func parseTemplate(s string) (any, string) {
	if msg := checkTemplate(s); msg != "" {
		return nil, msg
	}
	return Template(s), ""
}

func parseScript(s string) (any, string) {
	if msg := checkScript(s); msg != "" {
		return nil, msg
	}
	return Script(strings.TrimSpace(s)), ""
}

func parsePattern(s string) (any, string) {
	if s == "" {
		return nil, "empty pattern: it would match everything; leave the field out instead"
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Sprintf("bad regular expression %s: %s", yamlcheck.Quote(s), reError(err))
	}
	return Pattern{re: re}, ""
}

// reError is the part of a regexp error after its "error parsing regexp: " prefix.
func reError(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// want names what a value of type t is written as; "" for yamlcheck's default.
func want(t reflect.Type) string {
	switch t {
	case durationType:
		return "a duration"
	case selectorType:
		return "a CSS selector"
	case templateType:
		return "a string"
	case patternType:
		return "a regular expression"
	case framesType:
		return "a mapping or a list"
	case pathType:
		return "an iframe selector, a mapping or a list"
	case scriptType:
		return "a JavaScript expression"
	}
	return ""
}
