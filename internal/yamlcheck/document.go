package yamlcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Format names a file format in the messages of ParseDocument.
type Format struct {
	// Name is the format with its article, e.g. "a campaign file".
	Name string
	// Least says what a file needs at least, e.g. "a campaign with at least id, schedule and targets".
	Least string
	// Fields names the fields of the root mapping, e.g. "campaign fields (id, name, ...)".
	Fields string
	// Root, when set, is the type of the root mapping: a file none of whose top-level
	// keys is a field of Root is refused as not of this format, without quoting it
	// (it may be any file, e.g. /etc/shadow, that happens to parse as YAML).
	Root reflect.Type
	// MaxBytes, when positive, is the largest file accepted: a larger one is
	// refused before it is parsed.
	MaxBytes int
}

// ParseDocument returns the root mapping of the file's one document, or nil after
// recording in p why there is none.
func ParseDocument(p *Problems, data []byte, f Format) *yaml.Node {
	if f.MaxBytes > 0 && len(data) > f.MaxBytes {
		p.At(1, "", "file too large: %d bytes, at most %d", len(data), f.MaxBytes)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, extra yaml.Node
	if err := SafeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.At(1, "", "the file is empty: want %s", f.Least)
		} else {
			line, msg := SyntaxError(err)
			p.At(line, "", "invalid YAML: %s", msg)
		}
		return nil
	}
	switch err := SafeDecode(dec, &extra); {
	case err == nil:
		p.At(extra.Line, "", "a second YAML document: %s holds exactly one", f.Name)
		return nil
	case !errors.Is(err, io.EOF):
		line, msg := SyntaxError(err)
		p.At(line, "", "invalid YAML: %s", msg)
		return nil
	}
	if len(doc.Content) == 0 || IsNull(doc.Content[0]) {
		line := doc.Line
		if len(doc.Content) > 0 {
			line = doc.Content[0].Line
		}
		p.At(max(line, 1), "", "the file is empty: want %s", f.Least)
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.At(root.Line, "", "want a mapping of %s, got %s", f.Fields, kindOf(root))
		return nil
	}
	if f.Root != nil && !anyKnownKey(root, FieldsOf(f.Root)) {
		p.At(root.Line, "", "not %s: none of its top-level keys is one of the %s", f.Name, f.Fields)
		return nil
	}
	return root
}

// kindOf names what kind of node n is, without quoting it.
func kindOf(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode, yaml.AliasNode:
		return Describe(n)
	}
	return "a single value"
}

// anyKnownKey reports whether mapping n has a key in fields, or a merge key.
func anyKnownKey(n *yaml.Node, fields map[string][]int) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if _, ok := fields[k.Value]; ok || k.ShortTag() == "!!merge" {
			return true
		}
	}
	return false
}

// SafeDecode decodes the next document, turning a panic of the YAML library into an error.
func SafeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return dec.Decode(n)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// SyntaxError splits a YAML library error into the line it names (1 when it
// names none) and its message.
func SyntaxError(err error) (int, string) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
			line = n
		}
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return line, msg
}

func IsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// Describe names what a node is, for "want X, got Y" messages.
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return Quote(n.Value)
}

// Quote quotes s, shortened to a readable length.
func Quote(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "..."
	}
	return fmt.Sprintf("%q", s)
}
