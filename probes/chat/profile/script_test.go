package profile

import "testing"

// TestCheckScriptAccepts lists expressions a profile may hold as they are
// written for real widgets; the refused ones are in validateCases.
func TestCheckScriptAccepts(t *testing.T) {
	for _, s := range []string{
		"window.Chat && window.Chat.ready",
		`document.querySelector("chat-widget")?.shadowRoot?.querySelector('[data-ready]') !== null`,
		"(() => { const w = window.Chat; return !!(w && w.booted); })()",
		"`${window.x}` === 'on'",
		"`a ${ {b: 1}.b } c` !== ''",
		`/ready/.test(document.body.className)`,
		`document.title.replace(/\(/g, "") !== ""`,
		"window.returnValue === undefined", // starts like a statement keyword, is not one
		"typeof window.Intercom === 'function'\n  && window.Intercom.booted",
	} {
		if msg := checkScript(s); msg != "" {
			t.Errorf("checkScript(%q) = %q, want it accepted", s, msg)
		}
	}
}
