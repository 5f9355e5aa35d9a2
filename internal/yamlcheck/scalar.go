package yamlcheck

import (
	"fmt"
	"reflect"

	"go.yaml.in/yaml/v3"
)

// basic decodes a string, int, float or bool.
func (d *Decoder) basic(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.Mismatch(n, path, v.Type())
		return
	}
	if IsNull(n) {
		return
	}
	var msg string
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		msg = decodeNumber(n, v, "!!int")
	case reflect.Float32, reflect.Float64:
		msg = decodeNumber(n, v, "!!int", "!!float")
	case reflect.Bool:
		if n.ShortTag() != "!!bool" || n.Decode(v.Addr().Interface()) != nil {
			msg = fmt.Sprintf("want true or false, got %s", Quote(n.Value))
		}
	default:
		msg = fmt.Sprintf("cannot decode into %s", v.Type())
	}
	if msg != "" {
		d.P.At(n.Line, path, "%s", msg)
	}
}

// decodeNumber decodes a number whose tag is one of tags into v, or says what is wrong.
func decodeNumber(n *yaml.Node, v reflect.Value, tags ...string) string {
	tag := n.ShortTag()
	for _, t := range tags {
		if tag != t {
			continue
		}
		p := reflect.New(v.Type())
		if err := n.Decode(p.Interface()); err != nil {
			return fmt.Sprintf("number %s is out of range", Quote(n.Value))
		}
		v.Set(p.Elem())
		return ""
	}
	if len(tags) == 1 { // an integer type
		return fmt.Sprintf("want a whole number, got %s", Quote(n.Value))
	}
	return fmt.Sprintf("want a number, got %s", Quote(n.Value))
}
