package profile

import (
	"fmt"
	"strings"
	"testing"
)

// decodeCases break the file's structure: syntax, kinds, unknown fields.
var decodeCases = []badCase{
	{
		name: "empty file",
		src:  "",
		want: []string{"p.yaml:1: the file is empty: want a widget profile with at least name, input, send and messages"},
	},
	{
		name: "not a mapping",
		src:  "- a\n- b\n",
		want: []string{`p.yaml:1: want a mapping of profile fields (name, launcher, input, send, messages, ...), got a list`},
	},
	{
		name: "syntax error",
		src:  minimal + "page: {ready: [\n",
		want: []string{"p.yaml:5: invalid YAML: did not find expected node content"},
	},
	{
		name: "two documents",
		src:  minimal + "---\nname: b\n",
		want: []string{"p.yaml:5: a second YAML document: a widget profile holds exactly one"},
	},
	{
		name: "unknown fields with and without a near name",
		src:  minimal + "lancher: {selector: .open}\ntimeouts: {widgit: 5s}\ncolour: red\n",
		want: []string{
			`p.yaml:5: lancher: unknown field "lancher" (did you mean "launcher"?)`,
			`p.yaml:6: timeouts.widgit: unknown field "widgit" (did you mean "widget"?)`,
			`p.yaml:7: colour: unknown field "colour" (want one of bot_text, captcha, description, frame, input, launcher, messages, name, offline, page, prechat, send, timeouts, typing, version, viewport)`,
		},
	},
	{
		name: "set twice",
		src:  minimal + "input: textarea\n",
		want: []string{"p.yaml:5: input: set twice (first on line 2)"},
	},
	{
		name: "wrong kinds",
		src: minimal + "version: one\nlauncher: {selector: .open, optional: maybe}\nbot_text: hello\n" +
			"frame: iframe\ninput2: x\ntyping: [a]\n",
		want: []string{
			`p.yaml:5: version: want a whole number, got "one"`,
			`p.yaml:6: launcher.optional: want true or false, got "maybe"`,
			`p.yaml:7: bot_text: want a list, got "hello"`,
			`p.yaml:8: frame: want a mapping or a list, got "iframe"`,
			`p.yaml:9: input2: unknown field "input2" (did you mean "input"?)`,
			`p.yaml:10: typing: want a mapping, got a list`,
		},
	},
	{
		name: "viewport: wrong kinds",
		src:  minimal + "viewport: {width: wide, height: 7.5, depth: 3}\nviewport2: 800x600\n",
		want: []string{
			`p.yaml:5: viewport.width: want a whole number, got "wide"`,
			`p.yaml:5: viewport.height: want a whole number, got "7.5"`,
			`p.yaml:5: viewport.depth: unknown field "depth" (want one of height, width)`,
			`p.yaml:6: viewport2: unknown field "viewport2" (did you mean "viewport"?)`,
		},
	},
	{
		name: "scalar fields given mappings",
		src:  "name: acme\ninput: {css: textarea}\n" + okSend + okMsgs + "timeouts: {send: [1s]}\n",
		want: []string{
			`p.yaml:2: input: want a CSS selector, got a mapping`,
			`p.yaml:5: timeouts.send: want a duration, got a list`,
		},
	},
	{
		name: "alias to the list holding it",
		src:  minimal + "bot_text: &a [*a]\n",
		want: []string{"p.yaml:5: bot_text[0]: want a regular expression, got a list"},
	},
	{
		name: "merge keys and anchors are followed",
		src:  minimal + "page: {consent: &c {click: .ok}}\nlauncher: {<<: *c}\n",
		want: []string{
			`p.yaml:5: launcher.click: unknown field "click" (want one of frame, optional, selector)`,
			"p.yaml:6: launcher.selector: required: a CSS selector for the button that opens the widget",
		},
	},
}

func TestParseDecodeProblems(t *testing.T) { runBad(t, decodeCases) }

func TestParseNodeBudget(t *testing.T) {
	src := minimal + "bot_text: [" + strings.Repeat("a, ", maxNodes) + "a]\n"
	want := fmt.Sprintf("p.yaml:5: bot_text[%d]: file too large: more than %d YAML nodes, counting aliases", maxNodes-13, maxNodes)
	got := problemsOf(t, src)
	if len(got) != 1 || got[0] != want {
		t.Fatalf("Parse(huge list) problems = %q, want [%q]", got, want)
	}
}
