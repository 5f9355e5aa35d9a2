package profile

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// maxScript is the longest script a profile may hold, in characters.
const maxScript = 1000

// statementRE finds a script that starts with a statement rather than an
// expression.
var statementRE = regexp.MustCompile(`^(return|var|let|const|if|for|while|do|try|throw|switch|class|import|export)\b`)

// checkScript says what is wrong with a JavaScript expression, or "" when it
// looks valid. It is no JavaScript parser: it checks that the script is one
// expression (no statement keyword first, no ";" outside brackets, no
// comment), with its brackets, quotes and template literals balanced. The
// browser has the last word (a syntax error it reports fails the step at
// once).
func checkScript(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "empty script: leave the field out instead"
	case len([]rune(s)) > maxScript:
		return fmt.Sprintf("too long: %d characters, at most %d", len([]rune(s)), maxScript)
	case statementRE.MatchString(s):
		return fmt.Sprintf("bad script %s: starts with the statement %q: write one expression, such as window.Chat && window.Chat.ready", yamlcheck.Quote(s), statementRE.FindString(s))
	}
	if msg := scanScript([]rune(s)); msg != "" {
		return fmt.Sprintf("bad script %s: %s", yamlcheck.Quote(s), msg)
	}
	return ""
}

// scanScript checks the brackets, quotes and separators of src.
func scanScript(src []rune) string {
	var open []rune // open brackets, innermost last; '`' for a template literal, '$' for its ${
	closer := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for i := 0; i < len(src); i++ {
		r := src[i]
		if len(open) > 0 && open[len(open)-1] == '`' {
			switch {
			case r == '\\':
				i++
			case r == '`':
				open = open[:len(open)-1]
			case r == '$' && i+1 < len(src) && src[i+1] == '{':
				open = append(open, '$')
				i++
			}
			continue
		}
		switch r {
		case '\\':
			i++ // an escape in a regular expression literal
		case '"', '\'':
			end := stringEnd(src, i)
			if end < 0 {
				return fmt.Sprintf("unclosed string at character %d", i+1)
			}
			i = end
		case '`':
			open = append(open, '`')
		case '(', '[', '{':
			open = append(open, r)
		case ')', ']', '}':
			want := closer[r]
			top := rune(0)
			if len(open) > 0 {
				top = open[len(open)-1]
			}
			if top == '$' && r == '}' {
				open = open[:len(open)-1] // back in the template literal
				continue
			}
			if top != want {
				return fmt.Sprintf("unexpected %q at character %d", r, i+1)
			}
			open = open[:len(open)-1]
		case ';':
			if len(open) == 0 {
				return fmt.Sprintf("%q at character %d ends a statement: write one expression (combine conditions with &&)", r, i+1)
			}
		case '/':
			if i+1 < len(src) && (src[i+1] == '/' || src[i+1] == '*') {
				return fmt.Sprintf("a comment at character %d: write the expression alone", i+1)
			}
		}
	}
	if len(open) > 0 {
		switch o := open[len(open)-1]; o {
		case '`', '$':
			return "unclosed template literal"
		default:
			return fmt.Sprintf("unclosed %q", o)
		}
	}
	return ""
}

// stringEnd returns the index of the quote closing the string that starts at
// src[i], or -1 when the string does not end on its line.
func stringEnd(src []rune, i int) int {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case q:
			return j
		case '\n':
			return -1
		}
	}
	return -1
}
