package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/safefile"
	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a simulator config.
type Problem struct {
	// Line is the 1-based line of the offending YAML node; 0 when the config did
	// not come from a file.
	Line int
	// Path is the dotted field path, e.g. "companies[1].ack.style"; empty when
	// the problem is about the file as a whole.
	Path string
	// Msg says what is wrong.
	Msg string
}

// ConfigError lists every problem of a config, ordered by line.
type ConfigError struct {
	// File is the config file's path; empty for a Config built in Go.
	File string
	// Problems found, at least one.
	Problems []Problem
}

// Error formats each problem as "FILE:LINE: path: what is wrong", one per line.
func (e *ConfigError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		var b strings.Builder
		if e.File != "" {
			fmt.Fprintf(&b, "%s:%d: ", e.File, p.Line)
		}
		if p.Path != "" {
			b.WriteString(p.Path + ": ")
		}
		b.WriteString(p.Msg)
		lines[i] = b.String()
	}
	return strings.Join(lines, "\n")
}

// MaxConfigBytes is the largest simulator config read: a larger one is refused
// before it is parsed.
const MaxConfigBytes = 4 << 20

// Load reads and parses the simulator config at path. Only a regular file of at
// most MaxConfigBytes is read (a FIFO or a device is refused without blocking).
func Load(path string) (Config, error) {
	data, err := safefile.ReadFile(context.Background(), path, MaxConfigBytes)
	if err != nil {
		return Config{}, fmt.Errorf("load sim config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes data strictly (an unknown field is an error) and validates it;
// file names it in problems. Defaults are filled. On any problem it returns a
// *ConfigError listing all of them.
func Parse(file string, data []byte) (Config, error) {
	if len(data) > MaxConfigBytes {
		return Config{}, &ConfigError{File: file, Problems: []Problem{{Line: 1, Msg: fmt.Sprintf("file too large: %d bytes, at most %d", len(data), MaxConfigBytes)}}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Config{}, &ConfigError{File: file, Problems: []Problem{yamlProblem(err)}}
	}
	if len(root.Content) == 0 {
		return Config{}, &ConfigError{File: file, Problems: []Problem{{Line: 1, Msg: "the file is empty"}}}
	}
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, &ConfigError{File: file, Problems: decodeProblems(err)}
	}
	cfg = cfg.withDefaults()
	probs := validate(cfg)
	if len(probs) == 0 {
		return cfg, nil
	}
	for i := range probs {
		probs[i].Line = lineOf(root.Content[0], probs[i].Path)
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	return Config{}, &ConfigError{File: file, Problems: probs}
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlProblem turns a yaml.v3 syntax error into a problem with its line.
func yamlProblem(err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return Problem{Line: n, Msg: "invalid YAML: " + m[2]}
	}
	return Problem{Line: 1, Msg: "invalid YAML: " + msg}
}

// decodeProblems turns yaml.v3's collected type errors ("line N: ...") into problems.
func decodeProblems(err error) []Problem {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{yamlProblem(err)}
	}
	out := make([]Problem, 0, len(te.Errors))
	for _, e := range te.Errors {
		p := Problem{Line: 1, Msg: e}
		if m := yamlLineRE.FindStringSubmatch(e); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Msg = m[2]
		}
		p.Msg = strings.Replace(p.Msg, " in type sim.", " in ", 1)
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

var pathPartRE = regexp.MustCompile(`^([a-z0-9_]+)(?:\[(\d+)\])?$`)

// lineOf resolves a field path ("companies[1].ack.style") against the document's
// root mapping and returns the line of the deepest node found: a missing field
// points at its parent.
func lineOf(n *yaml.Node, path string) int {
	line := n.Line
	if path == "" {
		return line
	}
	for _, part := range strings.Split(path, ".") {
		m := pathPartRE.FindStringSubmatch(part)
		if m == nil || n.Kind != yaml.MappingNode {
			return line
		}
		next := mapValue(n, m[1])
		if next == nil {
			return line
		}
		n, line = next, next.Line
		if m[2] == "" {
			continue
		}
		i, _ := strconv.Atoi(m[2])
		if n.Kind != yaml.SequenceNode || i >= len(n.Content) {
			return line
		}
		n = n.Content[i]
		line = n.Line
	}
	return line
}

// mapValue returns the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
