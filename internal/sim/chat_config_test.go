package sim

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseChat(t *testing.T) {
	cfg, err := Parse("f.yaml", []byte(`
web: {addr: "127.0.0.1:8080"}
companies:
  - id: acme
    name: Acme Outdoor
    timezone: Europe/Paris
    chat:
      hours: [{days: mon-fri, open: "09:00", close: "18:00"}]
      ack: {enabled: true, delay: 1s}
      reply: {median: 5s, p90: 20s}
  - id: inl
    agent_name: Tom
    chat: {style: inline, greet: false, offline: true}
`))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	yes, no := true, false
	want := &Chat{
		Style: ChatIframe, Hours: []ChatHours{{Days: "mon-fri", Open: "09:00", Close: "18:00"}},
		Greet: &yes, Greeting: "Hi! Thanks for visiting Acme Outdoor. How can we help you today?",
		Ack:      ChatAck{Enabled: true, Delay: Duration(time.Second)},
		Reply:    Reply{Median: Duration(5 * time.Second), P90: Duration(20 * time.Second)},
		FollowUp: Reply{Median: Duration(5 * time.Second), P90: Duration(20 * time.Second)},
		Typing:   Duration(DefaultTyping), AgentName: DefaultAgentName,
	}
	if diff := cmp.Diff(want, cfg.Companies[0].Chat); diff != "" {
		t.Errorf("companies[0].chat (-want +got):\n%s", diff)
	}
	want2 := &Chat{Style: ChatInline, Offline: true, Greet: &no, Greeting: "Hi! Thanks for visiting inl. How can we help you today?",
		Typing: Duration(DefaultTyping), AgentName: "Tom"}
	if diff := cmp.Diff(want2, cfg.Companies[1].Chat); diff != "" {
		t.Errorf("companies[1].chat (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Web{Addr: "127.0.0.1:8080", WidgetAddr: DefaultAddr}, cfg.Web); diff != "" {
		t.Errorf("web (-want +got):\n%s", diff)
	}
}

func TestLoadExampleChat(t *testing.T) {
	cfg, err := Load("../../examples/sim.yaml")
	if err != nil {
		t.Fatalf("Load(examples/sim.yaml): %v", err)
	}
	var got []string
	for _, co := range cfg.Companies {
		if co.Chat != nil {
			got = append(got, co.ID+" "+string(co.Chat.Style))
		}
	}
	if diff := cmp.Diff([]string{"acme iframe", "initech inline", "umbrella iframe", "hooli inline"}, got); diff != "" {
		t.Errorf("chat companies (-want +got):\n%s", diff)
	}
	if cfg.Web.WidgetAddr == cfg.Web.Addr {
		t.Errorf("web.addr and web.widget_addr are both %s", cfg.Web.Addr)
	}
}

func TestParseChatErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown field", "companies:\n  - id: a\n    chat:\n      colour: red\n",
			[]string{`f.yaml:4: companies[0].chat.colour: unknown field "colour" (want one of ack, agent_name, captcha, follow_up, greet, greeting, hours, no_reply_rate, offline, reply, style, typing)`}},
		{"neither email nor chat", "companies:\n  - id: a\n    chat:\n", []string{
			"f.yaml:1: mailboxes: at least one probe mailbox is required",
			"f.yaml:2: companies[0].address: is required",
			"f.yaml:2: companies[0].reply.median: must be > 0 (the company answers: no_reply_rate < 1, not out_of_office)",
		}},
		{"semantic", `web: {addr: "127.0.0.1:8080", widget_addr: "127.0.0.1:8080"}
companies:
  - id: a b
    timezone: Mars/Olympus
    chat:
      style: popup
      hours:
        - {days: mon-fry, open: "09:00", close: "18:00"}
        - {days: sat, open: "9:00", close: "18:00"}
        - {days: sun, open: "10:00", close: "09:00"}
      no_reply_rate: 1.5
  - id: c
    timezone: Local
    chat: {style: inline, captcha: true}
  - id: d
    chat:
      reply: {median: 2s, p90: 1s}
      follow_up: {median: 3s, p90: 1s}
  - id: e
    chat: {follow_up: {p90: 1s}, reply: {median: 1s}}
  - id: f
    address: s@f.test
    chat: {offline: true}
`, []string{
			`f.yaml:1: web.widget_addr: "127.0.0.1:8080" is web.addr: the widget needs its own port (another origin)`,
			"f.yaml:1: mailboxes: at least one probe mailbox is required",
			`f.yaml:3: companies[0].id: "a b" is part of the chat URLs: use only letters, digits, '.', '_' and '-'`,
			`f.yaml:4: companies[0].timezone: unknown time zone "Mars/Olympus" (want an IANA name such as Europe/Paris)`,
			`f.yaml:6: companies[0].chat.style: "popup" is not a chat style (want iframe or inline)`,
			`f.yaml:8: companies[0].chat.hours[0].days: "mon-fry" is not a list of days (want e.g. mon-fri, sat, mon,wed,fri or daily)`,
			`f.yaml:9: companies[0].chat.hours[1].open: want a time of day as HH:MM from 00:00 to 23:59, got "9:00"`,
			"f.yaml:10: companies[0].chat.hours[2].close: 09:00 is not after open 10:00 (for hours past midnight use two rules)",
			"f.yaml:11: companies[0].chat.no_reply_rate: must be between 0 and 1, got 1.5",
			`f.yaml:13: companies[1].timezone: "Local" depends on the machine: use an IANA time zone name such as Europe/Paris`,
			"f.yaml:14: companies[1].chat.captcha: only the iframe style has a captcha",
			"f.yaml:14: companies[1].chat.reply.median: must be > 0 (agents answer: no_reply_rate < 1, not offline)",
			"f.yaml:17: companies[2].chat.reply.p90: 1s is below the median 2s",
			"f.yaml:18: companies[2].chat.follow_up.p90: 1s is below the median 3s",
			"f.yaml:20: companies[3].chat.follow_up.median: must be > 0 when follow_up is given",
			"f.yaml:21: companies[4].reply.median: must be > 0 (the company answers: no_reply_rate < 1, not out_of_office)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.yaml))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Parse = %v, want a *ConfigError", err)
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("Parse errors (-want +got):\n%s", diff)
			}
		})
	}
}
