package profile

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// Vars are the values templates refer to.
type Vars struct {
	// PersonaName is the shopper's full name: {{persona.name}}. Its first word
	// is {{persona.first_name}}, the rest {{persona.last_name}}.
	PersonaName string
	// PersonaEmail is {{persona.email}}.
	PersonaEmail string
	// PersonaPhone is {{persona.phone}}.
	PersonaPhone string
	// Message is the scenario's opening message: {{scenario.message}}.
	Message string
}

// Variables are the names a template may use between {{ and }}.
var Variables = []string{
	"persona.name", "persona.first_name", "persona.last_name",
	"persona.email", "persona.phone", "scenario.message",
}

// placeholder finds {{ name }} in a template.
var placeholder = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// lookup returns the value of variable name in v.
func (v Vars) lookup(name string) (string, bool) {
	first, last, _ := strings.Cut(strings.TrimSpace(v.PersonaName), " ")
	switch name {
	case "persona.name":
		return v.PersonaName, true
	case "persona.first_name":
		return first, true
	case "persona.last_name":
		return strings.TrimSpace(last), true
	case "persona.email":
		return v.PersonaEmail, true
	case "persona.phone":
		return v.PersonaPhone, true
	case "scenario.message":
		return v.Message, true
	}
	return "", false
}

// Render replaces each {{variable}} in template with its value in vars; text
// outside the braces is kept as written. A variable Parse would reject is left
// as it is. The receiver is not used yet; it leaves room for profile-level
// variables.
func (p *Profile) Render(template string, vars Vars) string {
	return placeholder.ReplaceAllStringFunc(template, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		if val, ok := vars.lookup(name); ok {
			return val
		}
		return m
	})
}

// checkTemplate says what is wrong with a template, or "" when it is valid:
// every "{{" must open a known variable closed by "}}".
func checkTemplate(s string) string {
	rest := s
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			break
		}
		if strings.Contains(rest[:i], "}}") {
			break
		}
		m := placeholder.FindStringSubmatchIndex(rest[i:])
		if m == nil || m[0] != 0 {
			return fmt.Sprintf(`"{{" without a matching "}}" in %s`, yamlcheck.Quote(s))
		}
		name := rest[i+m[2] : i+m[3]]
		if _, ok := (Vars{}).lookup(name); !ok {
			return unknownVariable(name)
		}
		rest = rest[i+m[1]:]
	}
	if strings.Contains(rest, "}}") {
		return fmt.Sprintf(`"}}" without a matching "{{" in %s`, yamlcheck.Quote(s))
	}
	return ""
}

// unknownVariable names the variable and the ones that exist.
func unknownVariable(name string) string {
	known := map[string]int{}
	for i, v := range Variables {
		known[v] = i
	}
	if s := yamlcheck.Closest(name, known); s != "" {
		return fmt.Sprintf("unknown variable {{%s}} (did you mean {{%s}}?)", name, s)
	}
	names := append([]string(nil), Variables...)
	sort.Strings(names)
	return fmt.Sprintf("unknown variable {{%s}} (want one of %s)", name, strings.Join(names, ", "))
}
