package yamlcheck

import (
	"fmt"
	"reflect"

	"go.yaml.in/yaml/v3"
)

// Parser parses one scalar of a type with a syntax of its own (a duration, a
// timestamp): it returns the value, of that type, or says what is wrong.
type Parser func(s string) (any, string)

// Decoder fills a Go value from a YAML node tree by reflection, strictly: every
// unknown field, duplicate key and value of the wrong kind is reported to P with
// its line and field path, and decoding goes on after each, so that one pass lists
// every problem. Struct fields are named by their yaml tags; structs, pointers,
// slices, maps with string keys, strings, ints, floats and bools are decoded, and
// the types in Parsers by their parser. It is the one strict decoder of campaign
// files, widget profiles and simulator configs; each fills the hooks it needs.
type Decoder struct {
	*Walker
	// Parsers decode the types written as one scalar with a syntax of their own.
	Parsers map[reflect.Type]Parser
	// Want names what a value of type t is written as, for "want X, got Y"
	// messages; nil, or "", names it by its kind ("a mapping", "a number").
	Want func(t reflect.Type) string
	// Unknown says what is wrong with a field name that struct type t does not
	// have; nil, or "", says `unknown field "x" (did you mean "y"?)`, or lists
	// the known fields when none is close.
	Unknown func(t reflect.Type, name string, fields map[string][]int) string
	// Key checks the key of a map entry of map type t; a non-empty answer is
	// reported and the entry skipped. Nil accepts every key.
	Key func(t reflect.Type, name string) string
	// Before, when set, sees every node first and reports whether it decoded v
	// itself (a short form of a type, such as one item for a list).
	Before func(n *yaml.Node, path string, v reflect.Value) bool
	// NullIsAbsent leaves a nil pointer nil when its value is null ("chat:"), as
	// if the field were not there. When false, the pointer is allocated, so that
	// validation can report the missing settings of a section written empty.
	NullIsAbsent bool
}

// NewDecoder returns a Decoder reporting to p that allows maxNodes nodes.
func NewDecoder(p *Problems, maxNodes int) *Decoder {
	return &Decoder{Walker: NewWalker(p, maxNodes)}
}

// Decode decodes the document's root mapping into v, a pointer; the root's line
// becomes the line of problems about the file as a whole.
func (d *Decoder) Decode(root *yaml.Node, v any) {
	d.P.Seen("", root.Line)
	d.Value(root, "", reflect.ValueOf(v).Elem())
}

// Value decodes n into v, found at path.
func (d *Decoder) Value(n *yaml.Node, path string, v reflect.Value) {
	if !d.Spend(n, path) {
		return
	}
	if n.Kind == yaml.AliasNode {
		d.Alias(n, path, func(t *yaml.Node) { d.Value(t, path, v) })
		return
	}
	if d.Before != nil && d.Before(n, path, v) {
		return
	}
	if parse, ok := d.Parsers[v.Type()]; ok {
		d.Scalar(n, path, v, parse)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.Struct(n, path, v)
	case reflect.Pointer:
		if IsNull(n) && d.NullIsAbsent {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.Value(n, path, v.Elem())
	case reflect.Slice:
		d.List(n, path, v)
	case reflect.Map:
		d.Map(n, path, v)
	default:
		d.basic(n, path, v)
	}
}

// Mismatch reports a node of the wrong kind for type t.
func (d *Decoder) Mismatch(n *yaml.Node, path string, t reflect.Type) {
	d.P.At(n.Line, path, "want %s, got %s", d.want(t), Describe(n))
}

// Struct decodes mapping n into struct v.
func (d *Decoder) Struct(n *yaml.Node, path string, v reflect.Value) {
	if IsNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.Mismatch(n, path, v.Type())
		return
	}
	fields := FieldsOf(v.Type())
	for _, kv := range d.Pairs(n, path) {
		fpath := Join(path, kv.Name)
		i, ok := fields[kv.Name]
		if !ok {
			d.P.At(kv.Key.Line, fpath, "%s", d.unknown(v.Type(), kv.Name, fields))
			continue
		}
		d.P.Seen(fpath, kv.Key.Line)
		d.Value(kv.Val, fpath, v.FieldByIndex(i))
	}
}

// List decodes sequence n into slice v.
func (d *Decoder) List(n *yaml.Node, path string, v reflect.Value) {
	if IsNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.Mismatch(n, path, v.Type())
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		ipath := Index(path, i)
		d.P.Seen(ipath, item.Line)
		d.Value(item, ipath, s.Index(i))
	}
	v.Set(s)
}

// Map decodes mapping n into map v, whose keys are strings.
func (d *Decoder) Map(n *yaml.Node, path string, v reflect.Value) {
	if IsNull(n) {
		return
	}
	t := v.Type()
	if n.Kind != yaml.MappingNode || t.Key().Kind() != reflect.String {
		d.Mismatch(n, path, t)
		return
	}
	m := reflect.MakeMap(t)
	for _, kv := range d.Pairs(n, path) {
		kpath := Join(path, kv.Name)
		d.P.Seen(kpath, kv.Key.Line)
		if d.Key != nil {
			if msg := d.Key(t, kv.Name); msg != "" {
				d.P.At(kv.Key.Line, kpath, "%s", msg)
				continue
			}
		}
		e := reflect.New(t.Elem()).Elem()
		d.Value(kv.Val, kpath, e)
		m.SetMapIndex(reflect.ValueOf(kv.Name).Convert(t.Key()), e)
	}
	v.Set(m)
}

// Scalar decodes scalar n into v with parse; a null leaves v as it is.
func (d *Decoder) Scalar(n *yaml.Node, path string, v reflect.Value, parse Parser) {
	if n.Kind != yaml.ScalarNode {
		d.Mismatch(n, path, v.Type())
		return
	}
	if IsNull(n) {
		return
	}
	val, msg := parse(n.Value)
	if msg != "" {
		d.P.At(n.Line, path, "%s", msg)
		return
	}
	v.Set(reflect.ValueOf(val))
}

func (d *Decoder) want(t reflect.Type) string {
	if d.Want != nil {
		if s := d.Want(t); s != "" {
			return s
		}
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "a mapping"
	case reflect.Slice:
		return "a list"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Pointer:
		return d.want(t.Elem())
	}
	return "a string"
}

func (d *Decoder) unknown(t reflect.Type, name string, fields map[string][]int) string {
	if d.Unknown != nil {
		if s := d.Unknown(t, name, fields); s != "" {
			return s
		}
	}
	if s := Closest(name, fields); s != "" {
		return fmt.Sprintf("unknown field %q (did you mean %q?)", name, s)
	}
	return fmt.Sprintf("unknown field %q (want one of %s)", name, FieldList(fields))
}
