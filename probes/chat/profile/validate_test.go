package profile

import (
	"strings"
	"testing"
)

// validateCases break the rules of the format, one or several at a time.
var validateCases = []badCase{
	{
		name: "nothing but a description",
		src:  "description: a widget\n",
		want: []string{
			"p.yaml:1: name: required: a short name such as acme-chat",
			"p.yaml:1: input: required: a CSS selector for the message box",
			"p.yaml:1: send: required: selector (a button to click) or key (one of Enter, Ctrl+Enter, Meta+Enter)",
			"p.yaml:1: messages.container: required: a CSS selector for the element holding the messages",
			"p.yaml:1: messages.item: required: a CSS selector for one message, within the container",
			"p.yaml:1: messages.agent: required: how to tell a person's answers (selector, text or attribute), or default_author: agent",
		},
	},
	{
		name: "bad name and version",
		src:  "name: Acme Chat\nversion: 2\n" + okInput + okSend + okMsgs,
		want: []string{
			`p.yaml:1: name: "Acme Chat" is not a valid name: use a-z, 0-9, ".", "-" and "_", starting with a letter or digit`,
			"p.yaml:2: version: unsupported format version 2 (this stakeout reads version 1)",
		},
	},
	{
		name: "name too long, version zero written",
		src:  "name: " + strings.Repeat("a", 65) + "\nversion: 0\n" + okInput + okSend + okMsgs,
		want: []string{
			"p.yaml:1: name: too long: 65 characters, at most 64",
			"p.yaml:2: version: unsupported format version 0 (this stakeout reads version 1)",
		},
	},
	{
		name: "empty sections",
		src:  minimal + "page: {consent: {}}\nlauncher:\ntyping: {}\ncaptcha: {}\noffline: {}\n",
		want: []string{
			"p.yaml:5: page.consent.click: required: the button that dismisses the banner",
			"p.yaml:6: launcher.selector: required: a CSS selector for the button that opens the widget",
			"p.yaml:7: typing.selector: required: a CSS selector for the typing indicator",
			"p.yaml:8: captcha.selector: required: a CSS selector for the challenge",
			"p.yaml:9: offline: required: selector, text or both",
		},
	},
	{
		name: "frames: one as a mapping, then a list",
		src:  minimal + "frame: {}\n",
		want: []string{"p.yaml:5: frame: required: selector (an iframe) or shadow (a shadow root's host element)"},
	},
	{
		name: "frames: both set, neither set",
		src:  minimal + "frame:\n  - {selector: iframe, shadow: '#host'}\n  - {}\n",
		want: []string{
			"p.yaml:6: frame[0]: selector and shadow both set: one step is an iframe or a shadow root, not both; use two list items",
			"p.yaml:7: frame[1]: required: selector (an iframe) or shadow (a shadow root's host element)",
		},
	},
	{
		name: "launcher frame: steps, older form, wrong kinds",
		src: minimal + "launcher:\n  selector: button\n  frame:\n    - {selector: iframe, shadow: '#host'}\n    - {}\n    - {shadow: 'chat-['}\n" +
			"page: {consent: {click: a}}\n",
		want: []string{
			"p.yaml:8: launcher.frame[0]: selector and shadow both set: one step is an iframe or a shadow root, not both; use two list items",
			"p.yaml:9: launcher.frame[1]: required: selector (an iframe) or shadow (a shadow root's host element)",
			`p.yaml:10: launcher.frame[2].shadow: bad CSS selector "chat-[": unclosed '['`,
		},
	},
	{
		name: "launcher frame: a bad selector in the older form, a number list",
		src:  minimal + "launcher: {selector: button, frame: 'iframe['}\nframe: iframe\n",
		want: []string{
			`p.yaml:5: launcher.frame: bad CSS selector "iframe[": unclosed '['`,
			`p.yaml:6: frame: want a mapping or a list, got "iframe"`,
		},
	},
	{
		name: "launcher frame: not a path",
		src:  minimal + "launcher: {selector: button, frame: [[iframe]]}\n",
		want: []string{`p.yaml:5: launcher.frame[0]: want a mapping, got a list`},
	},
	{
		name: "default author",
		src:  okName + okInput + okSend + "messages: {container: .log, item: .msg, default_author: ours}\n",
		want: []string{
			`p.yaml:4: messages.default_author: unknown author "ours" (want one of agent, bot, system; leave it out for unknown)`,
			"p.yaml:4: messages.agent: required: how to tell a person's answers (selector, text or attribute), or default_author: agent",
		},
	},
	{
		name: "default author: a list",
		src:  okName + okInput + okSend + "messages: {container: .log, item: .msg, agent: {selector: .a}, default_author: [bot]}\n",
		want: []string{"p.yaml:4: messages.default_author: want a string, got a list"},
	},
	{
		name: "ready script: empty",
		src:  minimal + "page: {ready_script: '  '}\n",
		want: []string{"p.yaml:5: page.ready_script: empty script: leave the field out instead"},
	},
	{
		name: "ready script: a list",
		src:  minimal + "page: {ready_script: [window.ready]}\n",
		want: []string{"p.yaml:5: page.ready_script: want a JavaScript expression, got a list"},
	},
	{
		name: "ready script: a statement",
		src:  minimal + "page: {ready_script: 'return window.ready'}\n",
		want: []string{`p.yaml:5: page.ready_script: bad script "return window.ready": starts with the statement "return": write one expression, such as window.Chat && window.Chat.ready`},
	},
	{
		name: "ready script: two statements",
		src:  minimal + "page: {ready_script: 'window.a; window.b'}\n",
		want: []string{`p.yaml:5: page.ready_script: bad script "window.a; window.b": ';' at character 9 ends a statement: write one expression (combine conditions with &&)`},
	},
	{
		name: "ready script: unclosed bracket",
		src:  minimal + "page: {ready_script: '(window.Chat && window.Chat.ready'}\n",
		want: []string{`p.yaml:5: page.ready_script: bad script "(window.Chat && window.Chat.ready": unclosed '('`},
	},
	{
		name: "ready script: stray bracket",
		src:  minimal + "page: {ready_script: 'window.x)'}\n",
		want: []string{`p.yaml:5: page.ready_script: bad script "window.x)": unexpected ')' at character 9`},
	},
	{
		name: "ready script: unclosed string",
		src:  minimal + `page: {ready_script: 'document.title === "Shop'}` + "\n",
		want: []string{`p.yaml:5: page.ready_script: bad script "document.title === \"Shop": unclosed string at character 20`},
	},
	{
		name: "ready script: a comment",
		src:  minimal + "page: {ready_script: 'window.ready // set by the widget'}\n",
		want: []string{`p.yaml:5: page.ready_script: bad script "window.ready // set by the widget": a comment at character 14: write the expression alone`},
	},
	{
		name: "ready script: unclosed template literal",
		src:  minimal + "page: {ready_script: '`${window.x`'}\n",
		want: []string{"p.yaml:5: page.ready_script: bad script \"`${window.x`\": unclosed template literal"},
	},
	{
		name: "ready script too long",
		src:  minimal + "page: {ready_script: '" + strings.Repeat("a", 1001) + "'}\n",
		want: []string{"p.yaml:5: page.ready_script: too long: 1001 characters, at most 1000"},
	},
	{
		name: "prechat",
		src: minimal + "prechat:\n  rejected: {}\n  fields:\n" +
			"    - {value: x}\n" +
			"    - {selector: '#a', type: radio, value: x}\n" +
			"    - {selector: '#b', type: checkbox, value: yes}\n" +
			"    - {selector: '#c'}\n" +
			"    - {selector: '#d', value: '{{persona.nmae}}'}\n" +
			"    - {selector: '#e', value: '{{user.id}}'}\n" +
			"    - {selector: '#f', value: '{{persona.name'}\n",
		want: []string{
			"p.yaml:5: prechat.form: required: a CSS selector for the form",
			"p.yaml:5: prechat.submit: required: a CSS selector for the button that sends the form",
			"p.yaml:6: prechat.rejected: required: selector, text or both",
			"p.yaml:8: prechat.fields[0].selector: required: a CSS selector for the input, within the form",
			`p.yaml:9: prechat.fields[1].type: unknown type "radio" (want text, select or checkbox)`,
			`p.yaml:10: prechat.fields[2].value: a checkbox's value is true or false, got "yes"`,
			"p.yaml:11: prechat.fields[3].value: required: a literal or a template such as {{persona.email}}",
			"p.yaml:12: prechat.fields[4].value: unknown variable {{persona.nmae}} (did you mean {{persona.name}}?)",
			"p.yaml:13: prechat.fields[5].value: unknown variable {{user.id}} (want one of persona.email, persona.first_name, persona.last_name, persona.name, persona.phone, scenario.message)",
			`p.yaml:14: prechat.fields[6].value: "{{" without a matching "}}" in "{{persona.name"`,
		},
	},
	{
		name: "send: both, unknown key",
		src:  okName + okInput + "send: {selector: button, key: Enter}\n" + okMsgs,
		want: []string{"p.yaml:3: send: selector and key both set: want one"},
	},
	{
		name: "send: unknown key",
		src:  okName + okInput + "send: {key: Return}\n" + okMsgs,
		want: []string{`p.yaml:3: send.key: unknown key "Return" (want one of Enter, Ctrl+Enter, Meta+Enter)`},
	},
	{
		name: "messages: empty matchers and attributes",
		src: okName + okInput + okSend +
			"messages:\n  container: .log\n  item: .msg\n  agent: {}\n  ours: {attribute: {pattern: x}}\n  bot: {attribute: {name: 'data author'}}\n  system: {text: '(?i)joined'}\n",
		want: []string{
			"p.yaml:7: messages.agent: required: at least one of selector, text or attribute",
			"p.yaml:8: messages.ours.attribute.name: required: the attribute's name, e.g. data-author",
			`p.yaml:9: messages.bot.attribute.name: "data author" is not an attribute name`,
		},
	},
	{
		name: "regular expressions",
		src:  minimal + "bot_text: ['(?i)hello', 'a(b', 'x{2,1}', '', '(?<name>x)']\noffline: {text: '*closed'}\n",
		want: []string{
			"p.yaml:5: bot_text[1]: bad regular expression \"a(b\": missing closing ): `a(b`",
			"p.yaml:5: bot_text[2]: bad regular expression \"x{2,1}\": invalid repeat count: `{2,1}`",
			"p.yaml:5: bot_text[3]: empty pattern: it would match everything; leave the field out instead",
			"p.yaml:6: offline.text: bad regular expression \"*closed\": missing argument to repetition operator: `*`",
		},
	},
	{
		name: "durations",
		src:  minimal + "timeouts: {page_load: 0s, widget: -5s, form: 10, send: soon}\n",
		want: []string{
			`p.yaml:5: timeouts.page_load: must be positive, got "0s"`,
			`p.yaml:5: timeouts.widget: must be positive, got "-5s"`,
			`p.yaml:5: timeouts.form: want a duration such as 15s or 1m30s, got "10"`,
			`p.yaml:5: timeouts.send: want a duration such as 15s or 1m30s, got "soon"`,
		},
	},
	{
		name: "viewport out of range",
		src:  minimal + "viewport: {width: 100, height: 5000}\n",
		want: []string{
			"p.yaml:5: viewport.width: must be between 320 and 3840 pixels, got 100",
			"p.yaml:5: viewport.height: must be between 240 and 2160 pixels, got 5000",
		},
	},
	{
		name: "viewport zero and negative",
		src:  minimal + "viewport:\n  width: 0\n  height: -768\n",
		want: []string{
			"p.yaml:6: viewport.width: must be between 320 and 3840 pixels, got 0",
			"p.yaml:7: viewport.height: must be between 240 and 2160 pixels, got -768",
		},
	},
	{
		name: "selectors everywhere",
		src: "name: acme\ninput: ''\nsend: {selector: 'button[type=submit'}\n" +
			"messages: {container: '//div[@id=log]', item: '.msg >', agent: {selector: 'div:contains(Agent)'}}\n" +
			"page: {ready: '#1main'}\n",
		want: []string{
			`p.yaml:2: input: want a CSS selector, got ""`,
			`p.yaml:3: send.selector: bad CSS selector "button[type=submit": unclosed '['`,
			`p.yaml:4: messages.container: "//div[@id=log]" looks like XPath: want a CSS selector`,
			`p.yaml:4: messages.item: bad CSS selector ".msg >": ends with the combinator '>'`,
			`p.yaml:4: messages.agent.selector: bad CSS selector "div:contains(Agent)": :contains is jQuery, not CSS`,
			`p.yaml:5: page.ready: bad CSS selector "#1main": '#' followed by a digit: escape it (e.g. \31 ) or use an attribute test`,
		},
	},
}

func TestParseValidateProblems(t *testing.T) { runBad(t, validateCases) }
