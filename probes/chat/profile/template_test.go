package profile

import "testing"

func TestRender(t *testing.T) {
	vars := Vars{PersonaName: "Jo Ann Smith", PersonaEmail: "jo@probes.example", PersonaPhone: "+1 555 0100", Message: "Do you ship to Canada?"}
	var p *Profile
	for _, tc := range []struct{ in, want string }{
		{"{{persona.name}}", "Jo Ann Smith"},
		{"{{ persona.first_name }}", "Jo"},
		{"{{persona.last_name}}", "Ann Smith"},
		{"<{{persona.email}}> {{persona.phone}}", "<jo@probes.example> +1 555 0100"},
		{"Q: {{scenario.message}}", "Q: Do you ship to Canada?"},
		{"literal, no braces", "literal, no braces"},
		{"{{unknown.var}} stays", "{{unknown.var}} stays"},
		{"", ""},
	} {
		if got := p.Render(tc.in, vars); got != tc.want {
			t.Errorf("Render(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := p.Render("{{persona.last_name}}|{{persona.first_name}}", Vars{PersonaName: "Cher"}); got != "|Cher" {
		t.Errorf("Render(one-word name) = %q, want %q", got, "|Cher")
	}
}

func TestCheckTemplate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"{{persona.email}}", ""},
		{"Hi {{ persona.name }}, re: {{scenario.message}}", ""},
		{"plain } and { braces", ""},
		{"{{persona.mail}}", "unknown variable {{persona.mail}} (did you mean {{persona.email}}?)"},
		{"{{}}", "unknown variable {{}} (want one of persona.email, persona.first_name, persona.last_name, persona.name, persona.phone, scenario.message)"},
		{"{{persona.name", `"{{" without a matching "}}" in "{{persona.name"`},
		{"persona.name}}", `"}}" without a matching "{{" in "persona.name}}"`},
		{"a }} {{persona.name}}", `"}}" without a matching "{{" in "a }} {{persona.name}}"`},
		{"{{persona.name}} }}", `"}}" without a matching "{{" in "{{persona.name}} }}"`},
	} {
		if got := checkTemplate(tc.in); got != tc.want {
			t.Errorf("checkTemplate(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
