package chat

import (
	"testing"
)

func TestClassify(t *testing.T) {
	p := mustProfile(t, `
name: c
input: "textarea"
send: {key: Enter}
messages:
  container: ".log"
  item: ".msg"
  ours: {attribute: {name: data-author, pattern: "^visitor$"}}
  system: {selector: ".system"}
  bot: {selector: ".bot"}
  agent: {selector: ".them"}
bot_text: ["(?i)^hi! how can we help"]
`)
	str := func(s string) *string { return &s }
	tests := []struct {
		name  string
		text  string
		sels  map[string]bool
		attrs map[string]*string
		want  Author
	}{
		{"ours by attribute", "hello", map[string]bool{}, map[string]*string{"data-author": str("visitor")}, AuthorOurs},
		{"system before bot", "Anna joined", map[string]bool{"system": true, "bot": true}, nil, AuthorSystem},
		{"bot before agent", "Let me check", map[string]bool{"bot": true, "agent": true}, nil, AuthorBot},
		{"agent", "Let me check", map[string]bool{"agent": true}, nil, AuthorAgent},
		{"agent styled greeting is a bot", "Hi! How can we help you?", map[string]bool{"agent": true}, nil, AuthorBot},
		{"nothing matches", "???", map[string]bool{}, map[string]*string{"data-author": str("other")}, AuthorUnknown},
		{"attribute value must match", "hello", map[string]bool{}, map[string]*string{"data-author": str("visitor2")}, AuthorUnknown},
	}
	o := newObserver(p)
	for _, tt := range tests {
		if got := o.classify(tt.text, tt.sels, tt.attrs); got != tt.want {
			t.Errorf("%s: classify = %s, want %s", tt.name, got, tt.want)
		}
	}
	// Without an ours matcher, our own text is ours.
	p2 := mustProfile(t, "name: c\ninput: \"textarea\"\nsend: {key: Enter}\nmessages: {container: \".log\", item: \".msg\", agent: {selector: \".msg\"}}\n")
	o2 := newObserver(p2)
	o2.remember("Do you   ship to Norway?")
	if got := o2.classify("Do you ship to Norway?", map[string]bool{"agent": true}, nil); got != AuthorOurs {
		t.Errorf("our own text without an ours matcher = %s, want ours", got)
	}
}
