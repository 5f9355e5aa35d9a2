package profile

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a widget profile.
type Problem struct {
	// File is the path of the profile file.
	File string
	// Line is the 1-based line of the offending YAML node.
	Line int
	// Path is the dotted field path, e.g. "messages.agent.text";
	// empty when the problem is about the file as a whole.
	Path string
	// Msg says what is wrong.
	Msg string
}

// String formats p as "FILE:LINE: field.path: what is wrong"
// (or "FILE:LINE: what is wrong" when Path is empty).
func (p Problem) String() string {
	if p.Path == "" {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Path, p.Msg)
}

// ValidationError is returned by Load and Parse when a widget profile is not valid.
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

// problems collects the problems of one file. It remembers the line of every
// field path the decoder saw, so that semantic checks can point at the right line,
// and the paths that already failed to decode, so that a field is not reported twice.
type problems struct {
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

func newProblems(file string) *problems {
	return &problems{file: file, lines: map[string]int{}, bad: map[string]bool{}, badBelow: map[string]bool{}}
}

// at records a problem at an explicit line and marks path as bad.
func (p *problems) at(line int, path, format string, args ...any) {
	if !p.bad[path] {
		p.bad[path] = true
		for q := path; q != ""; {
			q = parentPath(q)
			if p.badBelow[q] {
				break
			}
			p.badBelow[q] = true
		}
	}
	p.record(Problem{File: p.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) record(pr Problem) {
	if len(p.list) >= maxProblems {
		p.dropped++
		return
	}
	p.list = append(p.list, pr)
}

// badUnder reports whether a field below path failed to decode.
func (p *problems) badUnder(path string) bool {
	return p.badBelow[path]
}

// add records a problem at the line of path (or of its nearest ancestor that appears
// in the file), unless path or an ancestor already failed to decode.
func (p *problems) add(path, format string, args ...any) {
	for q := path; q != ""; q = parentPath(q) {
		if p.bad[q] {
			return
		}
	}
	p.record(Problem{File: p.file, Line: p.lineOf(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// seen records that path appears in the file at line.
func (p *problems) seen(path string, line int) {
	if _, ok := p.lines[path]; !ok {
		p.lines[path] = line
	}
}

// present reports whether path appears in the file.
func (p *problems) present(path string) bool {
	_, ok := p.lines[path]
	return ok
}

// lineOf returns the line of path, or of its nearest ancestor present in the file.
func (p *problems) lineOf(path string) int {
	for q := path; ; q = parentPath(q) {
		if l, ok := p.lines[q]; ok {
			return l
		}
		if q == "" {
			return 1
		}
	}
}

// err returns the collected problems as a *ValidationError, or nil when there are none.
func (p *problems) err() error {
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

// parentPath strips the last ".field" or "[i]" from path.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// join appends a field name to a path.
func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// index appends a list index to a path.
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}
