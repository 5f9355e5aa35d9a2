package profile

import (
	"regexp"
	"slices"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// maxNameLen is the longest profile name.
const maxNameLen = 64

// checker applies the rules of the format to a decoded profile, filling
// defaults as it goes.
type checker struct {
	pr *Profile
	p  *problems
}

func validate(pr *Profile, p *problems) {
	k := &checker{pr: pr, p: p}
	k.header()
	k.page()
	k.frames()
	k.prechat()
	k.required("input", pr.Input, "a CSS selector for the message box")
	k.send()
	k.messages()
	k.extras()
	k.timeouts()
	k.viewport()
}

// required reports an empty selector.
func (k *checker) required(path string, s Selector, what string) {
	if s == "" {
		k.p.Add(path, "required: %s", what)
	}
}

// section reports a missing selector of an optional section that is present.
func (k *checker) section(present bool, path string, s Selector, what string) {
	if present {
		k.required(path, s, what)
	}
}

func (k *checker) header() {
	pr := k.pr
	switch {
	case pr.Name == "":
		k.p.Add("name", "required: a short name such as acme-chat")
	case len(pr.Name) > maxNameLen:
		k.p.Add("name", "too long: %d characters, at most %d", len(pr.Name), maxNameLen)
	case !nameRE.MatchString(pr.Name):
		k.p.Add("name", `%s is not a valid name: use a-z, 0-9, ".", "-" and "_", starting with a letter or digit`, yamlcheck.Quote(pr.Name))
	}
	switch {
	case pr.Version == 0 && !k.p.Present("version"):
		pr.Version = FormatVersion
	case pr.Version != FormatVersion:
		k.p.Add("version", "unsupported format version %d (this stakeout reads version %d)", pr.Version, FormatVersion)
	}
}

func (k *checker) page() {
	pr := k.pr
	if c := pr.Page.Consent; c != nil {
		k.required("page.consent.click", c.Click, "the button that dismisses the banner")
	}
	if l := pr.Launcher; l != nil {
		k.required("launcher.selector", l.Selector, "a CSS selector for the button that opens the widget")
		k.path("launcher.frame", l.Frame)
	}
}

func (k *checker) frames() { k.path("frame", k.pr.Frame) }

// path checks the steps of a frame path written at name.
func (k *checker) path(name string, steps []Frame) {
	for i, f := range steps {
		path := name
		if k.p.Present(yamlcheck.Index(name, i)) {
			path = yamlcheck.Index(name, i)
		}
		switch {
		case k.p.BadUnder(path):
		case f.Selector == "" && f.Shadow == "":
			k.p.Add(path, "required: selector (an iframe) or shadow (a shadow root's host element)")
		case f.Selector != "" && f.Shadow != "":
			k.p.Add(path, "selector and shadow both set: one step is an iframe or a shadow root, not both; use two list items")
		}
	}
}

func (k *checker) prechat() {
	pc := k.pr.Prechat
	if pc == nil {
		return
	}
	k.required("prechat.form", pc.Form, "a CSS selector for the form")
	k.required("prechat.submit", pc.Submit, "a CSS selector for the button that sends the form")
	for i := range pc.Fields {
		k.field(yamlcheck.Index("prechat.fields", i), &pc.Fields[i])
	}
	k.notice("prechat.rejected", pc.Rejected)
}

func (k *checker) field(path string, f *Field) {
	k.required(yamlcheck.Join(path, "selector"), f.Selector, "a CSS selector for the input, within the form")
	switch f.Type {
	case "":
		f.Type = FieldText
	case FieldText, FieldSelect, FieldCheckbox:
	default:
		k.p.Add(yamlcheck.Join(path, "type"), "unknown type %s (want text, select or checkbox)", yamlcheck.Quote(f.Type))
		return
	}
	switch {
	case f.Type == FieldCheckbox && f.Value == "":
		f.Value = "true"
	case f.Type == FieldCheckbox && f.Value != "true" && f.Value != "false":
		k.p.Add(yamlcheck.Join(path, "value"), "a checkbox's value is true or false, got %s", yamlcheck.Quote(string(f.Value)))
	case f.Value == "" && !k.p.Present(yamlcheck.Join(path, "value")):
		k.p.Add(yamlcheck.Join(path, "value"), "required: a literal or a template such as {{persona.email}}")
	}
}

func (k *checker) send() {
	s := k.pr.Send
	if k.p.BadUnder("send") {
		return
	}
	switch {
	case s.Selector == "" && s.Key == "":
		k.p.Add("send", "required: selector (a button to click) or key (one of %s)", strings.Join(SendKeys, ", "))
	case s.Selector != "" && s.Key != "":
		k.p.Add("send", "selector and key both set: want one")
	case s.Key != "" && !slices.Contains(SendKeys, s.Key):
		k.p.Add("send.key", "unknown key %s (want one of %s)", yamlcheck.Quote(s.Key), strings.Join(SendKeys, ", "))
	}
}

func (k *checker) messages() {
	m := &k.pr.Messages
	k.required("messages.container", m.Container, "a CSS selector for the element holding the messages")
	k.required("messages.item", m.Item, "a CSS selector for one message, within the container")
	if m.DefaultAuthor != "" && !slices.Contains(DefaultAuthors, m.DefaultAuthor) {
		k.p.Add("messages.default_author", "unknown author %s (want one of %s; leave it out for unknown)", yamlcheck.Quote(m.DefaultAuthor), strings.Join(DefaultAuthors, ", "))
	}
	if m.Agent == nil && m.DefaultAuthor != "agent" {
		k.p.Add("messages.agent", "required: how to tell a person's answers (selector, text or attribute), or default_author: agent")
	}
	for _, a := range []struct {
		name string
		m    *Matcher
	}{{"ours", m.Ours}, {"agent", m.Agent}, {"bot", m.Bot}, {"system", m.System}} {
		if a.m != nil {
			k.matcher("messages."+a.name, a.m)
		}
	}
}

// matcher checks that a matcher has at least one condition.
func (k *checker) matcher(path string, m *Matcher) {
	if m.Selector == "" && m.Text.IsZero() && m.Attribute == nil && !k.p.BadUnder(path) {
		k.p.Add(path, "required: at least one of selector, text or attribute")
	}
	if a := m.Attribute; a != nil && strings.TrimSpace(a.Name) == "" {
		k.p.Add(yamlcheck.Join(path, "attribute.name"), "required: the attribute's name, e.g. data-author")
	} else if a != nil && strings.ContainsAny(a.Name, " \t\"'>/=") {
		k.p.Add(yamlcheck.Join(path, "attribute.name"), "%s is not an attribute name", yamlcheck.Quote(a.Name))
	}
}

func (k *checker) extras() {
	pr := k.pr
	k.section(pr.Typing != nil, "typing.selector", selectorOf(pr.Typing), "a CSS selector for the typing indicator")
	k.section(pr.Captcha != nil, "captcha.selector", captchaOf(pr.Captcha), "a CSS selector for the challenge")
	k.notice("offline", pr.Offline)
}

func selectorOf(t *Typing) Selector {
	if t == nil {
		return ""
	}
	return t.Selector
}

func captchaOf(c *Captcha) Selector {
	if c == nil {
		return ""
	}
	return c.Selector
}

// timeouts fills defaults; zero and negative values were refused when decoded.
func (k *checker) timeouts() {
	t := &k.pr.Timeouts
	for _, f := range []struct {
		d   *Duration
		def Duration
	}{
		{&t.PageLoad, Duration(DefaultPageLoad)},
		{&t.Widget, Duration(DefaultWidget)},
		{&t.Form, Duration(DefaultForm)},
		{&t.Send, Duration(DefaultSend)},
	} {
		if *f.d == 0 {
			*f.d = f.def
		}
	}
}

// viewport fills the default size and checks a size written (a value that
// did not decode was reported already: Add skips it).
func (k *checker) viewport() {
	v := &k.pr.Viewport
	for _, f := range []struct {
		name     string
		n        *int
		def, min int
		max      int
	}{
		{"viewport.width", &v.Width, DefaultViewportWidth, MinViewportWidth, MaxViewportWidth},
		{"viewport.height", &v.Height, DefaultViewportHeight, MinViewportHeight, MaxViewportHeight},
	} {
		switch {
		case *f.n == 0 && !k.p.Present(f.name):
			*f.n = f.def
		case *f.n < f.min || *f.n > f.max:
			k.p.Add(f.name, "must be between %d and %d pixels, got %d", f.min, f.max, *f.n)
		}
	}
}

// notice checks that a notice, when present, has a condition.
func (k *checker) notice(path string, n *Notice) {
	if n != nil && n.Selector == "" && n.Text.IsZero() && !k.p.BadUnder(path) {
		k.p.Add(path, "required: selector, text or both")
	}
}
