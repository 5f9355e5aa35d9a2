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

func TestClassifyDefaultAuthor(t *testing.T) {
	base := "name: c\ninput: textarea\nsend: {key: Enter}\nbot_text: ['(?i)^hi! how can we help']\nmessages:\n  container: .log\n  item: .msg\n"
	tests := []struct {
		name     string
		messages string // the rest of messages
		text     string
		sels     map[string]bool
		want     Author
	}{
		{"unmatched is the bot's", "  agent: {selector: .human}\n  default_author: bot\n", "An agent will join shortly", nil, AuthorBot},
		{"a matcher still wins", "  agent: {selector: .human}\n  default_author: bot\n", "Ann here", map[string]bool{"agent": true}, AuthorAgent},
		{"unmatched is a system line", "  agent: {selector: .human}\n  default_author: system\n", "Chat started", nil, AuthorSystem},
		{"unmatched is the agent's", "  bot: {selector: .bot}\n  default_author: agent\n", "Let me check", nil, AuthorAgent},
		{"bot_text holds for the default agent", "  bot: {selector: .bot}\n  default_author: agent\n", "Hi! How can we help?", nil, AuthorBot},
		{"our text with a name added is ours", "  agent: {selector: .human}\n  default_author: bot\n", "You 10:42 Do you ship to Norway?", nil, AuthorOurs},
		{"an ours matcher decides alone", "  ours: {selector: .me}\n  agent: {selector: .human}\n  default_author: bot\n", "You 10:42 Do you ship to Norway?", nil, AuthorBot},
		{"no default: unknown", "  agent: {selector: .human}\n", "An agent will join shortly", nil, AuthorUnknown},
	}
	for _, tt := range tests {
		o := newObserver(mustProfile(t, base+tt.messages))
		o.remember("Do you ship to Norway?")
		if got := o.classify(tt.text, tt.sels, nil); got != tt.want {
			t.Errorf("%s: classify(%q) = %s, want %s", tt.name, tt.text, got, tt.want)
		}
	}
}
