package sim

import (
	"fmt"
	"time"
	_ "time/tzdata" // time zones load the same on every machine, even without /usr/share/zoneinfo

	"github.com/stakeoutcx/stakeout/internal/campaign"
)

// Chat defaults filled by New (and by Load) for fields left empty.
const (
	// DefaultChatStyle is the widget style when chat.style is empty.
	DefaultChatStyle = ChatIframe
	// DefaultTyping is how long the typing indicator shows before each agent
	// message when chat.typing is 0 (capped at the message's delay).
	DefaultTyping = 1500 * time.Millisecond
	// DefaultGreetingFormat is the greeting when chat.greeting is empty; %s is
	// the company's name.
	DefaultGreetingFormat = "Hi! Thanks for visiting %s. How can we help you today?"
)

// Web is where the chat side listens: the companies' sites and, on another
// port (so another origin), the widget host their iframes load.
type Web struct {
	// Addr serves the company web sites, /c/{id}/ (default DefaultAddr).
	Addr string `yaml:"addr"`
	// WidgetAddr serves the widget frames and their API, /w/{id}/ (default
	// DefaultAddr); it must differ from Addr.
	WidgetAddr string `yaml:"widget_addr"`
}

// Chat is a company's live chat: its widget, its hours and its agents.
type Chat struct {
	// Style is the widget (default DefaultChatStyle).
	Style ChatStyle `yaml:"style"`
	// Hours are when agents are online, in the company's Timezone (default: always).
	Hours []ChatHours `yaml:"hours"`
	// Offline makes the chat always offline: a notice, no answer ever.
	Offline bool `yaml:"offline"`
	// Greet sends the greeting when a chat opens (default true).
	Greet *bool `yaml:"greet"`
	// Greeting is the bot greeting (default DefaultGreetingFormat with the
	// company's name).
	Greeting string `yaml:"greeting"`
	// Ack is the automated "an agent will be with you shortly" message sent
	// after the visitor's first message.
	Ack ChatAck `yaml:"ack"`
	// Reply is the delay of the first agent message after the visitor's first
	// message; required unless agents never answer.
	Reply Reply `yaml:"reply"`
	// FollowUp is the delay of the agent's answer to each later visitor message
	// (default Reply).
	FollowUp Reply `yaml:"follow_up"`
	// Typing is how long the typing indicator shows before each agent message,
	// capped at its delay (default DefaultTyping).
	Typing Duration `yaml:"typing"`
	// NoReplyRate is the probability (0..1) that no agent ever answers a conversation.
	NoReplyRate float64 `yaml:"no_reply_rate"`
	// AgentName names the agent in the widget (default the company's agent_name).
	AgentName string `yaml:"agent_name"`
	// Captcha shows a captcha challenge instead of the chat (iframe style only).
	Captcha bool `yaml:"captcha"`
}

// ChatStyle is a kind of chat widget.
type ChatStyle string

// Chat widget styles; examples/widgets/ has a profile for each.
const (
	// ChatIframe is a launcher button opening a cross-origin iframe with a
	// pre-chat form; HTTP long polling (examples/widgets/iframe-launcher.yaml).
	ChatIframe ChatStyle = "iframe"
	// ChatInline is a chat box written into the page, always open, over a
	// WebSocket (examples/widgets/inline-websocket.yaml).
	ChatInline ChatStyle = "inline"
)

// ChatHours is one rule of when agents are online.
type ChatHours struct {
	// Days is a day, a range or a list: "mon-fri", "sat", "mon,wed,fri", "daily".
	Days string `yaml:"days"`
	// Open is "HH:MM" in the company's time zone.
	Open string `yaml:"open"`
	// Close is "HH:MM", after Open; "24:00" is midnight.
	Close string `yaml:"close"`
}

// ChatAck is the automated message after the visitor's first message.
type ChatAck struct {
	// Enabled sends it.
	Enabled bool `yaml:"enabled"`
	// Delay after the visitor's first message (default 0: at once).
	Delay Duration `yaml:"delay"`
}

// withDefaults returns ch with empty fields filled; co has its defaults already.
func (ch Chat) withDefaults(co Company) Chat {
	if ch.Style == "" {
		ch.Style = DefaultChatStyle
	}
	if ch.Greet == nil {
		t := true
		ch.Greet = &t
	}
	if ch.Greeting == "" {
		ch.Greeting = fmt.Sprintf(DefaultGreetingFormat, co.Name)
	}
	if ch.Reply.P90 == 0 {
		ch.Reply.P90 = ch.Reply.Median
	}
	if ch.FollowUp.Median == 0 && ch.FollowUp.P90 == 0 {
		ch.FollowUp = ch.Reply
	} else if ch.FollowUp.P90 == 0 {
		ch.FollowUp.P90 = ch.FollowUp.Median
	}
	if ch.Typing == 0 {
		ch.Typing = Duration(DefaultTyping)
	}
	if ch.AgentName == "" {
		ch.AgentName = co.AgentName
	}
	ch.Hours = append([]ChatHours(nil), ch.Hours...)
	return ch
}

// withDefaults returns w with empty addresses set to DefaultAddr.
func (w Web) withDefaults() Web {
	if w.Addr == "" {
		w.Addr = DefaultAddr
	}
	if w.WidgetAddr == "" {
		w.WidgetAddr = DefaultAddr
	}
	return w
}

// greets reports whether a chat opens with the greeting.
func (ch *Chat) greets() bool { return ch.Greet == nil || *ch.Greet }

// answers reports whether agents can ever answer.
func (ch *Chat) answers() bool { return !ch.Offline && ch.NoReplyRate < 1 }

// hoursRule is a ChatHours parsed.
type hoursRule struct {
	days              [7]bool
	openMin, closeMin int
}

// parse parses h; the error names the field at fault ("days", "open", "close").
func (h ChatHours) parse() (hoursRule, string, error) {
	var r hoursRule
	var err error
	if r.days, err = campaign.ParseDays(h.Days); err != nil {
		return r, "days", err
	}
	if r.openMin, err = campaign.ParseClock(h.Open, false); err != nil {
		return r, "open", err
	}
	if r.closeMin, err = campaign.ParseClock(h.Close, true); err != nil {
		return r, "close", err
	}
	if r.closeMin <= r.openMin {
		return r, "close", fmt.Errorf("%s is not after open %s (for hours past midnight use two rules)", h.Close, h.Open)
	}
	return r, "", nil
}

// contains reports whether the wall-clock time of t falls in r.
func (r hoursRule) contains(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	return r.days[t.Weekday()] && m >= r.openMin && m < r.closeMin
}
