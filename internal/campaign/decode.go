package campaign

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the YAML nodes one file may expand to, aliases and merges
// included, so that a small file cannot make decoding take forever.
const maxNodes = 200_000

var (
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[Duration]()
	windowType   = reflect.TypeFor[Window]()
	channelType  = reflect.TypeFor[Channel]()
	serverType   = reflect.TypeFor[Server]()
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
		// A channel written with no settings ("chat:") is still configured,
		// so that validation reports its missing settings.
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, path, v.Elem())
	case reflect.Slice:
		d.list(n, path, v)
	case reflect.Map:
		d.mapping(n, path, v)
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
			d.unknown(kv.Key, fpath, kv.Name, v.Type(), fields)
			continue
		}
		d.P.Seen(fpath, kv.Key.Line)
		d.value(kv.Val, fpath, v.Field(i))
	}
}

// unknown reports a field the type does not have.
func (d *decoder) unknown(k *yaml.Node, path, name string, t reflect.Type, fields map[string]int) {
	if t == serverType && name == "password" {
		d.P.At(k.Line, path, "passwords never go in a campaign file: use password_env or password_file")
		return
	}
	if s := yamlcheck.Closest(name, fields); s != "" {
		d.P.At(k.Line, path, "unknown field %q (did you mean %q?)", name, s)
		return
	}
	d.P.At(k.Line, path, "unknown field %q", name)
}

func (d *decoder) list(n *yaml.Node, path string, v reflect.Value) {
	if yamlcheck.IsNull(n) {
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

func (d *decoder) mapping(n *yaml.Node, path string, v reflect.Value) {
	if yamlcheck.IsNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.mismatch(n, path, v.Type())
		return
	}
	t := v.Type()
	m := reflect.MakeMap(t)
	for _, kv := range d.Pairs(n, path) {
		kpath := yamlcheck.Join(path, kv.Name)
		d.P.Seen(kpath, kv.Key.Line)
		if t.Key() == channelType && !knownChannel(Channel(kv.Name)) {
			d.P.At(kv.Key.Line, kpath, "%s", unknownChannel(kv.Name))
			continue
		}
		e := reflect.New(t.Elem()).Elem()
		d.value(kv.Val, kpath, e)
		m.SetMapIndex(reflect.ValueOf(kv.Name).Convert(t.Key()), e)
	}
	v.Set(m)
}

// scalar decodes a string, int or float.
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
		i, msg := scalarInt(n)
		if msg != "" {
			d.P.At(n.Line, path, "%s", msg)
			return
		}
		v.SetInt(int64(i))
	case reflect.Float64:
		f, msg := scalarFloat(n)
		if msg != "" {
			d.P.At(n.Line, path, "%s", msg)
			return
		}
		v.SetFloat(f)
	default:
		d.P.At(n.Line, path, "cannot decode into %s", v.Type())
	}
}

// special decodes the types written as one scalar with a syntax of their own.
func (d *decoder) special(n *yaml.Node, path string, v reflect.Value) bool {
	t := v.Type()
	if t != timeType && t != durationType && t != windowType && t != channelType {
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
	case timeType:
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, fmt.Sprintf("want an RFC 3339 timestamp such as 2026-12-01T00:00:00Z, got %s", yamlcheck.Quote(s))
		}
		return ts, ""
	case durationType:
		dd, err := ParseDuration(s)
		if err != nil {
			return nil, err.Error()
		}
		if dd < 0 {
			return nil, fmt.Sprintf("must not be negative, got %s", yamlcheck.Quote(s))
		}
		return Duration(dd), ""
	case windowType:
		w, err := ParseWindow(s)
		if err != nil {
			return nil, err.Error()
		}
		return w, ""
	default: // channelType
		if !knownChannel(Channel(s)) {
			return nil, unknownChannel(s)
		}
		return Channel(s), ""
	}
}

func scalarInt(n *yaml.Node) (int, string) {
	switch n.ShortTag() {
	case "!!int":
		var i int
		if err := n.Decode(&i); err != nil {
			return 0, fmt.Sprintf("number %s is out of range", yamlcheck.Quote(n.Value))
		}
		return i, ""
	case "!!float":
		return 0, fmt.Sprintf("want a whole number, got %s", yamlcheck.Quote(n.Value))
	}
	return 0, fmt.Sprintf("want a number, got %s", yamlcheck.Quote(n.Value))
}

func scalarFloat(n *yaml.Node) (float64, string) {
	switch n.ShortTag() {
	case "!!int", "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return 0, fmt.Sprintf("number %s is out of range", yamlcheck.Quote(n.Value))
		}
		return f, ""
	}
	return 0, fmt.Sprintf("want a number, got %s", yamlcheck.Quote(n.Value))
}

// want names what a value of type t is written as.
func want(t reflect.Type) string {
	switch t {
	case timeType:
		return "an RFC 3339 timestamp"
	case durationType:
		return "a duration"
	case windowType:
		return "a duration or a number of months"
	case channelType:
		return "a channel name"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "a mapping"
	case reflect.Slice:
		return "a list"
	case reflect.Int, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return want(t.Elem())
	}
	return "a string"
}

func knownChannel(ch Channel) bool {
	for _, c := range Channels {
		if c == ch {
			return true
		}
	}
	return false
}

func unknownChannel(s string) string {
	names := make([]string, len(Channels))
	for i, c := range Channels {
		names[i] = string(c)
	}
	return fmt.Sprintf("unknown channel %s (want %s)", yamlcheck.Quote(s), strings.Join(names, " or "))
}
