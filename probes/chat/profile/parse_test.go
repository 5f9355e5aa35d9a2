package profile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// goodFile uses every field of the format.
const goodFile = `
name: acme-chat
description: everything set
page:
  ready: main
  ready_script: "window.Chat && window.Chat.ready"
  consent: {click: "#accept"}
launcher: {selector: button.open, frame: iframe.launcher, optional: true}
frame:
  - selector: iframe#outer
  - shadow: chat-widget
  - selector: iframe.inner
prechat:
  form: form.pre
  optional: true
  fields:
    - {selector: "#name", value: "{{persona.name}}"}
    - {selector: "#topic", type: select, value: Billing}
    - {selector: "#gdpr", type: checkbox}
    - {selector: "#news", type: checkbox, value: "false", optional: true}
  submit: form.pre button
  rejected: {selector: .error, text: "(?i)required"}
input: textarea
send: {selector: button.send}
messages:
  container: .log
  item: .msg
  text: .body
  ours: {selector: .me}
  agent: {selector: .them, attribute: {name: data-role}}
  bot: {attribute: {name: data-role, pattern: "^bot$"}}
  system: {text: joined}
  default_author: bot
typing: {selector: .typing}
offline: {selector: .banner, text: "(?i)offline"}
captcha: {selector: "iframe[src*=captcha]"}
timeouts: {page_load: 1m, send: 5s}
bot_text: ["(?i)^hello"]
viewport: {width: 1280, height: 720}
`

func TestParseGood(t *testing.T) {
	got, err := Parse("good.yaml", []byte(goodFile))
	if err != nil {
		t.Fatalf("Parse(goodFile) error = %v", err)
	}
	want := &Profile{
		File:        "good.yaml",
		Name:        "acme-chat",
		Version:     1,
		Description: "everything set",
		Page:        Page{Ready: "main", ReadyScript: "window.Chat && window.Chat.ready", Consent: &Consent{Click: "#accept"}},
		Launcher:    &Launcher{Selector: "button.open", Frame: Path{{Selector: "iframe.launcher"}}, Optional: true},
		Frame:       []Frame{{Selector: "iframe#outer"}, {Shadow: "chat-widget"}, {Selector: "iframe.inner"}},
		Prechat: &Prechat{
			Form:     "form.pre",
			Optional: true,
			Fields: []Field{
				{Selector: "#name", Value: "{{persona.name}}", Type: FieldText},
				{Selector: "#topic", Value: "Billing", Type: FieldSelect},
				{Selector: "#gdpr", Value: "true", Type: FieldCheckbox},
				{Selector: "#news", Value: "false", Type: FieldCheckbox, Optional: true},
			},
			Submit:   "form.pre button",
			Rejected: &Notice{Selector: ".error", Text: MustPattern("(?i)required")},
		},
		Input: "textarea",
		Send:  Send{Selector: "button.send"},
		Messages: Messages{
			Container:     ".log",
			Item:          ".msg",
			Text:          ".body",
			Ours:          &Matcher{Selector: ".me"},
			Agent:         &Matcher{Selector: ".them", Attribute: &Attribute{Name: "data-role"}},
			Bot:           &Matcher{Attribute: &Attribute{Name: "data-role", Pattern: MustPattern("^bot$")}},
			System:        &Matcher{Text: MustPattern("joined")},
			DefaultAuthor: "bot",
		},
		Typing:   &Typing{Selector: ".typing"},
		Offline:  &Notice{Selector: ".banner", Text: MustPattern("(?i)offline")},
		Captcha:  &Captcha{Selector: "iframe[src*=captcha]"},
		Timeouts: Timeouts{PageLoad: Duration(time.Minute), Widget: Duration(DefaultWidget), Form: Duration(DefaultForm), Send: Duration(5 * time.Second)},
		BotText:  []Pattern{MustPattern("(?i)^hello")},
		Viewport: Viewport{Width: 1280, Height: 720},
	}
	if diff := cmp.Diff(want, got, patternEqual); diff != "" {
		t.Errorf("Parse(goodFile) mismatch (-want +got):\n%s", diff)
	}
}

func TestParseMinimalDefaults(t *testing.T) {
	got, err := Parse("min.yaml", []byte(minimal+"frame: {selector: iframe}\n"))
	if err != nil {
		t.Fatalf("Parse(minimal) error = %v", err)
	}
	want := &Profile{
		File:     "min.yaml",
		Name:     "acme",
		Version:  FormatVersion,
		Frame:    []Frame{{Selector: "iframe"}},
		Input:    "textarea",
		Send:     Send{Key: "Enter"},
		Messages: Messages{Container: ".log", Item: ".msg", Agent: &Matcher{Selector: ".agent"}},
		Timeouts: Timeouts{
			PageLoad: Duration(DefaultPageLoad), Widget: Duration(DefaultWidget),
			Form: Duration(DefaultForm), Send: Duration(DefaultSend),
		},
		Viewport: Viewport{Width: DefaultViewportWidth, Height: DefaultViewportHeight},
	}
	if diff := cmp.Diff(want, got, patternEqual); diff != "" {
		t.Errorf("Parse(minimal) mismatch (-want +got):\n%s", diff)
	}
}

// TestLauncherFrameForms reads the forms of launcher.frame: one iframe
// selector (the older form), one step as a mapping, and a list of steps.
func TestLauncherFrameForms(t *testing.T) {
	for _, tc := range []struct {
		frame string
		want  Path
	}{
		{`"iframe.launcher"`, Path{{Selector: "iframe.launcher"}}},
		{`{shadow: chat-widget}`, Path{{Shadow: "chat-widget"}}},
		{"\n    - selector: iframe#outer\n    - shadow: chat-widget", Path{{Selector: "iframe#outer"}, {Shadow: "chat-widget"}}},
	} {
		src := minimal + "launcher:\n  selector: button\n  frame: " + tc.frame + "\n"
		p, err := Parse("p.yaml", []byte(src))
		if err != nil {
			t.Errorf("Parse(launcher.frame: %s) error = %v", tc.frame, err)
			continue
		}
		if diff := cmp.Diff(tc.want, p.Launcher.Frame); diff != "" {
			t.Errorf("Parse(launcher.frame: %s) mismatch (-want +got):\n%s", tc.frame, diff)
		}
	}
}

// TestDefaultAuthorAgent: with default_author agent, the agent matcher may be
// left out.
func TestDefaultAuthorAgent(t *testing.T) {
	src := okName + okInput + okSend + "messages: {container: .log, item: .msg, bot: {selector: .bot}, default_author: agent}\n"
	p, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	if p.Messages.Agent != nil || p.Messages.DefaultAuthor != "agent" {
		t.Errorf("messages = %+v, want no agent matcher and default_author agent", p.Messages)
	}
}

func TestPatternMatch(t *testing.T) {
	var zero Pattern
	if !zero.MatchString("anything") || zero.Regexp() != nil || !zero.IsZero() {
		t.Errorf("zero Pattern: want unset, matching everything")
	}
	p := MustPattern("(?i)^hello")
	if !p.MatchString("Hello there") || p.MatchString("oh hello") {
		t.Errorf("MustPattern(%q) matches wrongly", p)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.yaml")
	if err := os.WriteFile(path, []byte(okName+okInput+okSend), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].File != path {
		t.Fatalf("Load(%q) error = %v, want a *ValidationError naming the file", path, err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || errors.As(err, &ve) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load(missing) error = %v, want a wrapped os.ErrNotExist", err)
	}
}

// TestExamples loads every profile shipped in examples/widgets.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "examples", "widgets", "*.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("examples/widgets: %d files (err %v), want at least 3", len(files), err)
	}
	names := map[string]string{}
	for _, f := range files {
		p, err := Load(f)
		if err != nil {
			t.Errorf("Load(%q) error:\n%v", f, err)
			continue
		}
		if other, dup := names[p.Name]; dup {
			t.Errorf("%s and %s both name their profile %q", f, other, p.Name)
		}
		names[p.Name] = f
	}
}
