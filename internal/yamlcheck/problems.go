// Package yamlcheck holds what the strict YAML formats of stakeout share (campaign
// files, widget profiles, simulator configs): the one strict decoder (Decoder), the
// one Duration type, a collector of problems reported as FILE:LINE: field.path:
// what is wrong, the parsing of a file's one document, and the field-name helpers
// behind "unknown field" messages with a did-you-mean.
package yamlcheck

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a file.
type Problem struct {
	// File is the path of the file.
	File string
	// Line is the 1-based line of the offending YAML node.
	Line int
	// Path is the dotted field path, e.g. "targets[2].channels.email.address";
	// empty when the problem is about the file as a whole.
	Path string
	// Msg says what is wrong.
	Msg string
}

// String formats p as "FILE:LINE: field.path: what is wrong"
// (or "FILE:LINE: what is wrong" when Path is empty). A problem with no File,
// found in a value built in Go rather than read from a file, has no
// "FILE:LINE: " part.
func (p Problem) String() string {
	var where string
	if p.File != "" {
		where = fmt.Sprintf("%s:%d: ", p.File, p.Line)
	}
	if p.Path == "" {
		return where + p.Msg
	}
	return where + p.Path + ": " + p.Msg
}

// ValidationError lists every problem of a file that is not valid.
// It lists every problem found, ordered by line.
type ValidationError struct {
	// Problems found in the file, at least one.
	Problems []Problem
}

// Error joins every problem with newlines.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Problems collects the problems of one file. It remembers the line of every
// field path the decoder saw, so that semantic checks can point at the right line,
// and the paths that already failed to decode, so that a field is not reported twice.
type Problems struct {
	file     string
	lines    map[string]int
	bad      map[string]bool // paths that failed to decode
	badBelow map[string]bool // paths with a descendant that failed to decode
	list     []Problem
	dropped  int // problems past maxProblems
}

// maxProblems bounds the problems kept for one file, so that a pathological file
// cannot make a huge error; a real file has far fewer.
const maxProblems = 1000

// NewProblems returns a collector for the problems of file.
func NewProblems(file string) *Problems {
	return &Problems{file: file, lines: map[string]int{}, bad: map[string]bool{}, badBelow: map[string]bool{}}
}

// At records a problem at an explicit line and marks path as bad.
func (p *Problems) At(line int, path, format string, args ...any) {
	if !p.bad[path] {
		p.bad[path] = true
		for q := path; q != ""; {
			q = ParentPath(q)
			if p.badBelow[q] {
				break
			}
			p.badBelow[q] = true
		}
	}
	p.Record(Problem{File: p.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Record adds pr as it is.
func (p *Problems) Record(pr Problem) {
	if len(p.list) >= maxProblems {
		p.dropped++
		return
	}
	p.list = append(p.list, pr)
}

// BadUnder reports whether a field below path failed to decode.
func (p *Problems) BadUnder(path string) bool {
	return p.badBelow[path]
}

// Add records a problem at the line of path (or of its nearest ancestor that appears
// in the file), unless path or an ancestor already failed to decode.
func (p *Problems) Add(path, format string, args ...any) {
	for q := path; q != ""; q = ParentPath(q) {
		if p.bad[q] {
			return
		}
	}
	p.Record(Problem{File: p.file, Line: p.LineOf(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Seen records that path appears in the file at line.
func (p *Problems) Seen(path string, line int) {
	if _, ok := p.lines[path]; !ok {
		p.lines[path] = line
	}
}

// Present reports whether path appears in the file.
func (p *Problems) Present(path string) bool {
	_, ok := p.lines[path]
	return ok
}

// LineOf returns the line of path, or of its nearest ancestor present in the file.
func (p *Problems) LineOf(path string) int {
	for q := path; ; q = ParentPath(q) {
		if l, ok := p.lines[q]; ok {
			return l
		}
		if q == "" {
			return 1
		}
	}
}

// Err returns the collected problems as a *ValidationError, or nil when there are none.
func (p *Problems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].Line < p.list[j].Line })
	if p.dropped > 0 {
		last := p.list[len(p.list)-1]
		p.list = append(p.list, Problem{File: p.file, Line: last.Line,
			Msg: fmt.Sprintf("%d more problems not shown: fix these first", p.dropped)})
	}
	return &ValidationError{Problems: p.list}
}

// ParentPath strips the last ".field" or "[i]" from path.
func ParentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// Join appends a field name to a path.
func Join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// Index appends a list index to a path.
func Index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}
