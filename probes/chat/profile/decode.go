package profile

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

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

// decoder fills the model from a yaml.Node tree, reporting every unknown field,
// duplicate key and wrong kind with its line, and going on after each.
type decoder struct {
	*yamlcheck.Walker
}

func newDecoder(p *problems) *decoder {
	w := yamlcheck.NewWalker(p, maxNodes)
	w.MaxText = MaxTextLen
	return &decoder{w}
}

// value decodes n into v, which has a type of the model.
func (d *decoder) value(n *yaml.Node, path string, v reflect.Value) {
	if !d.Spend(n, path) {
		return
	}
	if n.Kind == yaml.AliasNode {
		d.Alias(n, path, func(t *yaml.Node) { d.value(t, path, v) })
		return
	}
	if d.special(n, path, v) {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.structure(n, path, v)
	case reflect.Pointer:
		// A section written with no settings ("launcher:") is still present,
		// so that validation reports its missing settings.
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, path, v.Elem())
	case reflect.Slice:
		d.list(n, path, v)
	default:
		d.scalar(n, path, v)
	}
}

// mismatch reports a node of the wrong kind.
func (d *decoder) mismatch(n *yaml.Node, path string, t reflect.Type) {
	d.P.At(n.Line, path, "want %s, got %s", want(t), yamlcheck.Describe(n))
}

func (d *decoder) structure(n *yaml.Node, path string, v reflect.Value) {
	if yamlcheck.IsNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.mismatch(n, path, v.Type())
		return
	}
	fields := yamlcheck.FieldsOf(v.Type())
	for _, kv := range d.Pairs(n, path) {
		fpath := yamlcheck.Join(path, kv.Name)
		i, ok := fields[kv.Name]
		if !ok {
			d.unknown(kv.Key, fpath, kv.Name, fields)
			continue
		}
		d.P.Seen(fpath, kv.Key.Line)
		d.value(kv.Val, fpath, v.Field(i))
	}
}

// unknown reports a field the type does not have.
func (d *decoder) unknown(k *yaml.Node, path, name string, fields map[string]int) {
	if s := yamlcheck.Closest(name, fields); s != "" {
		d.P.At(k.Line, path, "unknown field %q (did you mean %q?)", name, s)
		return
	}
	d.P.At(k.Line, path, "unknown field %q (want one of %s)", name, yamlcheck.FieldList(fields))
}

func (d *decoder) list(n *yaml.Node, path string, v reflect.Value) {
	if yamlcheck.IsNull(n) {
		return
	}
	isPath := v.Type() == framesType || v.Type() == pathType
	if isPath && n.Kind == yaml.MappingNode {
		// One frame may be written as a mapping rather than a list of one.
		s := reflect.MakeSlice(v.Type(), 1, 1)
		d.structure(n, path, s.Index(0))
		v.Set(s)
		return
	}
	if v.Type() == pathType && n.Kind == yaml.ScalarNode {
		// launcher.frame's older form: one iframe selector.
		sel := reflect.New(selectorType).Elem()
		d.special(n, path, sel)
		if sel.String() != "" {
			v.Set(reflect.ValueOf(Path{{Selector: Selector(sel.String())}}))
		}
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.mismatch(n, path, v.Type())
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		ipath := yamlcheck.Index(path, i)
		d.P.Seen(ipath, item.Line)
		d.value(item, ipath, s.Index(i))
	}
	v.Set(s)
}

// scalar decodes a string, int or bool.
func (d *decoder) scalar(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.mismatch(n, path, v.Type())
		return
	}
	if yamlcheck.IsNull(n) {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
	case reflect.Int:
		var i int
		if n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			d.P.At(n.Line, path, "want a whole number, got %s", yamlcheck.Quote(n.Value))
			return
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		var b bool
		if n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.P.At(n.Line, path, "want true or false, got %s", yamlcheck.Quote(n.Value))
			return
		}
		v.SetBool(b)
	default:
		d.P.At(n.Line, path, "cannot decode into %s", v.Type())
	}
}

// special decodes the types written as one scalar with a syntax of their own.
func (d *decoder) special(n *yaml.Node, path string, v reflect.Value) bool {
	t := v.Type()
	if t != durationType && t != selectorType && t != templateType && t != patternType && t != scriptType {
		return false
	}
	if n.Kind != yaml.ScalarNode {
		d.mismatch(n, path, t)
		return true
	}
	if yamlcheck.IsNull(n) {
		return true
	}
	val, msg := parseSpecial(t, n.Value)
	if msg != "" {
		d.P.At(n.Line, path, "%s", msg)
		return true
	}
	v.Set(reflect.ValueOf(val))
	return true
}

// parseSpecial parses s as a value of type t, or says what is wrong with it.
func parseSpecial(t reflect.Type, s string) (any, string) {
	switch t {
	case durationType:
		dd, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Sprintf("want a duration such as 15s or 1m30s, got %s", yamlcheck.Quote(s))
		}
		if dd <= 0 {
			return nil, fmt.Sprintf("must be positive, got %s", yamlcheck.Quote(s))
		}
		return Duration(dd), ""
	case selectorType:
		if msg := checkSelector(s); msg != "" {
			return nil, msg
		}
		return Selector(strings.TrimSpace(s)), ""
	case templateType:
		if msg := checkTemplate(s); msg != "" {
			return nil, msg
		}
		return Template(s), ""
	case scriptType:
		if msg := checkScript(s); msg != "" {
			return nil, msg
		}
		return Script(strings.TrimSpace(s)), ""
	default: // patternType
		if s == "" {
			return nil, "empty pattern: it would match everything; leave the field out instead"
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fmt.Sprintf("bad regular expression %s: %s", yamlcheck.Quote(s), reError(err))
		}
		return Pattern{re: re}, ""
	}
}

// reError is the part of a regexp error after its "error parsing regexp: " prefix.
func reError(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// want names what a value of type t is written as.
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
	switch t.Kind() {
	case reflect.Struct:
		return "a mapping"
	case reflect.Slice:
		return "a list"
	case reflect.Int:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Pointer:
		return want(t.Elem())
	}
	return "a string"
}
