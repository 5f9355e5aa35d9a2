package profile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes and validates the widget profile at path. A file that
// cannot be read gives the read error; a file with problems gives a
// *ValidationError listing all of them.
func Load(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load widget profile: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a widget profile's contents; file names it in
// problems. Unknown fields, values of the wrong kind, selectors, regular
// expressions, templates and every rule of the format (see
// docs/widget-profiles.md) are checked and defaults are filled. On any problem
// it returns a *ValidationError listing every problem found.
func Parse(file string, data []byte) (*Profile, error) {
	p := newProblems(file)
	root := parseYAML(p, data)
	if root == nil {
		return nil, p.err()
	}
	pr := &Profile{File: file}
	p.seen("", root.Line)
	newDecoder(p).value(root, "", reflect.ValueOf(pr).Elem())
	validate(pr, p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return pr, nil
}

// parseYAML returns the root mapping of the file's one document, or nil after
// recording why there is none.
func parseYAML(p *problems, data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, extra yaml.Node
	if err := safeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.at(1, "", "the file is empty: want a widget profile with at least name, input, send and messages")
		} else {
			line, msg := syntaxError(err)
			p.at(line, "", "invalid YAML: %s", msg)
		}
		return nil
	}
	switch err := safeDecode(dec, &extra); {
	case err == nil:
		p.at(extra.Line, "", "a second YAML document: a widget profile holds exactly one")
		return nil
	case !errors.Is(err, io.EOF):
		line, msg := syntaxError(err)
		p.at(line, "", "invalid YAML: %s", msg)
		return nil
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		line := doc.Line
		if len(doc.Content) > 0 {
			line = doc.Content[0].Line
		}
		p.at(max(line, 1), "", "the file is empty: want a widget profile with at least name, input, send and messages")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.at(root.Line, "", "want a mapping of profile fields (name, launcher, input, send, messages, ...), got %s", describe(root))
		return nil
	}
	return root
}

// safeDecode decodes the next document, turning a panic of the YAML library into an error.
func safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return dec.Decode(n)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError splits a YAML library error into the line it names (1 when it
// names none) and its message.
func syntaxError(err error) (int, string) {
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
