package chat

import "testing"

// TestPlainText compares plainText with the text Chromium shows (innerText,
// white space collapsed) of each markup as widgets render it.
func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello there", "Hello there"},
		{"Hi, this is *Ann* from [Acme support](https://shop.example/help). Happy to help with:\n\n- shipping\n- returns",
			"Hi, this is Ann from Acme support. Happy to help with: shipping returns"},
		{"An **agent** will join __soon__, ~~maybe~~ ***now***.", "An agent will join soon, maybe now."},
		{"_Thanks_ for waiting, snake_case_name stays", "Thanks for waiting, snake_case_name stays"},
		{"Run `a*b*c` or `<b>`", "Run a*b*c or <b>"},
		{"```go\nx := *p\n```\ndone", "x := *p done"},
		{"# Opening hours\n> Mon-Fri\n1. nine\n2) to five\n---\n* [x] done", "Opening hours Mon-Fri nine to five done"},
		{"![logo](/l.png) Visit <https://shop.example> or mail <help@shop.example>", "logo Visit https://shop.example or mail help@shop.example"},
		{"5 * 3 * 2 = 30, 2 < 3 and 4 > 1", "5 * 3 * 2 = 30, 2 < 3 and 4 > 1"},
		{`\*not emphasis\*`, "*not emphasis*"},
		{"<p>Hi, this is <strong>Ann</strong> from <a href=\"https://shop.example/help\">Acme&nbsp;support</a>.</p><p>Happy to help!</p>",
			"Hi, this is Ann from Acme support. Happy to help!"},
		{"Line one<br>line two<br/>three<!-- hidden --><script>x()</script><style>p{}</style>", "Line one line two three"},
		{"<ul><li>shipping</li><li>returns</li></ul>", "shipping returns"},
		{"Q&amp;A &lt;b&gt; &#39;quoted&#39;", "Q&A <b> 'quoted'"},
		{"a\ue000 0\ue001 *b* \ue0009\ue001", "a 0 b 9"}, // stray placeholder marks are dropped
		{"", ""},
	}
	for _, tt := range tests {
		if got := plainText(tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkPayloadTexts reduces a long HTML response body, the worst payload
// a conversation keeps (maxPlain).
func BenchmarkPayloadTexts(b *testing.B) {
	var p []byte
	for len(p) < maxPlain-200 {
		p = append(p, "<p>Hi, this is <strong>Ann</strong> from <a href=\"/help\">Acme</a>. **Happy** to _help_!</p>\n- item `x`\n"...)
	}
	for b.Loop() {
		_ = payloadTexts(string(p))
	}
}
