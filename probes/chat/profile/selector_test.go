package profile

import "testing"

func TestCheckSelectorValid(t *testing.T) {
	for _, s := range []string{
		"textarea",
		"  #chat .composer  ",
		"div > ul + li ~ p",
		"a, b,c",
		"*",
		"svg|circle",
		"button[type=submit]",
		"button[type='submit']",
		`[data-x="a]b"]`,
		`[aria-label*="chat" i]`,
		"[aria-label*=chat i]",
		"[data-author]",
		"[ data-author = bot ]",
		"li:not(.mine, .system)",
		"li:nth-child(2n+1)",
		"div:has(> .agent)",
		"p::before",
		"input:checked",
		`#\31 23`,
		`.a\:b`,
		"é.ünïcode",
		"div:is(.a, .b) > span",
	} {
		if msg := checkSelector(s); msg != "" {
			t.Errorf("checkSelector(%q) = %q, want valid", s, msg)
		}
	}
}

func TestCheckSelectorInvalid(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"   ", `want a CSS selector, got ""`},
		{"//div", `"//div" looks like XPath: want a CSS selector`},
		{"div[", `bad CSS selector "div[": unclosed '['`},
		{"div:not(a", `bad CSS selector "div:not(a": unclosed '('`},
		{"div]", `bad CSS selector "div]": ']' without a matching '['`},
		{"div:not(a])", `bad CSS selector "div:not(a])": ']' closes '('`},
		{"[a[b]]", `bad CSS selector "[a[b]]": "[" inside [...]`},
		{"(a)", `bad CSS selector "(a)": "(" must follow a pseudo-class name, as in :not(...)`},
		{`[x="a]`, `bad CSS selector "[x=\"a]": unterminated string`},
		{`"a"`, `bad CSS selector "\"a\"": quote '"' outside [...] or (...)`},
		{`a\`, `bad CSS selector "a\\": ends with a backslash`},
		{"> a", `bad CSS selector "> a": starts with the combinator '>'`},
		{"a > > b", `bad CSS selector "a > > b": combinator '>' right after '>'`},
		{"a, > b", `bad CSS selector "a, > b": combinator '>' right after ","`},
		{"a >, b", `bad CSS selector "a >, b": combinator '>' right before ","`},
		{"a,,b", `bad CSS selector "a,,b": empty selector in a "," list`},
		{", a", `bad CSS selector ", a": empty selector in a "," list`},
		{"a,", `bad CSS selector "a,": ends with ","`},
		{"a ~", `bad CSS selector "a ~": ends with the combinator '~'`},
		{"div { color: red }", `bad CSS selector "div { color: red }": unexpected '{'`},
		{"a!b", `bad CSS selector "a!b": unexpected '!'`},
		{"div.", `bad CSS selector "div.": '.' must be followed by a class name`},
		{"div. a", `bad CSS selector "div. a": '.' must be followed by a class name`},
		{"#", `bad CSS selector "#": '#' must be followed by an id`},
		{".9lives", `bad CSS selector ".9lives": '.' followed by a digit: escape it (e.g. \31 ) or use an attribute test`},
		{"a:", `bad CSS selector "a:": ':' must be followed by a pseudo-class name`},
		{"li:eq(2)", `bad CSS selector "li:eq(2)": :eq is jQuery, not CSS`},
		{"div:visible", `bad CSS selector "div:visible": :visible is jQuery, not CSS`},
		{"[]", `bad CSS selector "[]": empty attribute test []`},
		{"[=x]", `bad CSS selector "[=x]": attribute test [=x] must start with an attribute name`},
		{"[a==x]", `bad CSS selector "[a==x]": attribute test [a==x]: quote a value holding '='`},
		{"[a!=x]", `bad CSS selector "[a!=x]": attribute test [a!=x]: want an operator =, ~=, |=, ^=, $= or *=`},
		{"[a b]", `bad CSS selector "[a b]": attribute test [a b]: want an operator =, ~=, |=, ^=, $= or *=`},
		{"[a=]", `bad CSS selector "[a=]": attribute test [a=] has no value`},
		{"[a=b c]", `bad CSS selector "[a=b c]": attribute test [a=b c]: quote a value with spaces`},
		{"[src*=a.com]", `bad CSS selector "[src*=a.com]": attribute test [src*=a.com]: quote a value holding '.'`},
		{`[a="b" x]`, `bad CSS selector "[a=\"b\" x]": attribute test [a="b" x]: unexpected "x" after the value`},
	} {
		if got := checkSelector(tc.in); got != tc.want {
			t.Errorf("checkSelector(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
