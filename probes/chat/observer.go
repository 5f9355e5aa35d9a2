package chat

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

// bindingName is the function the observer calls to report to the probe. It
// exists only in the probe's isolated worlds.
const bindingName = "__stakeoutReport"

// Limits of the observer.
const (
	maxMessages = 500  // message items observed per conversation
	maxText     = 4000 // characters of one message's text
	maxTyping   = 100  // showings of the typing indicator kept
)

// Author is who wrote a message, as the profile's matchers tell.
type Author string

// Authors.
const (
	AuthorOurs    Author = "ours"
	AuthorAgent   Author = "agent"
	AuthorBot     Author = "bot"
	AuthorSystem  Author = "system"
	AuthorUnknown Author = "unknown"
)

// answer reports whether a message by a counts as a response.
func (a Author) answer() bool { return a == AuthorAgent || a == AuthorBot }

// Message is one message item of the widget.
type Message struct {
	// Seq numbers the messages in the order they showed.
	Seq int `json:"seq"`
	// Author as classified by the profile.
	Author Author `json:"author"`
	// Text is the message's text, white space collapsed.
	Text string `json:"text"`
	// DOMAt is when the item showed in the page (the observer's mutation time).
	DOMAt time.Time `json:"dom_at"`
	// WireAt is when the network event that brought it arrived; zero when
	// none matched its text.
	WireAt time.Time `json:"wire_at,omitzero"`
	// Initial is true for items already there when the observer started.
	Initial bool `json:"initial,omitempty"`
}

// At is the message's time: the wire time when known, else the DOM time.
func (m *Message) At() time.Time {
	if !m.WireAt.IsZero() {
		return m.WireAt
	}
	return m.DOMAt
}

// Typing is one showing of the widget's typing indicator ("Ann is
// typing…"). It is recorded, never used for timing.
type Typing struct {
	// Start is when the indicator showed.
	Start time.Time `json:"start"`
	// End is when it went away; zero while it still showed at the end.
	End time.Time `json:"end,omitzero"`
}

// report is one call of the binding.
type report struct {
	K       string             `json:"k"`
	Seq     int                `json:"seq"`
	T       float64            `json:"t"`
	Text    string             `json:"text"`
	M       map[string]bool    `json:"m"`
	Attrs   map[string]*string `json:"attrs"`
	Initial bool               `json:"initial"`
	On      bool               `json:"on"`
	Key     string             `json:"key"`
	Texts   []string           `json:"texts"`
}

// observer collects what the in-page observer reports.
type observer struct {
	prof *profile.Profile

	mu       sync.Mutex
	sent     []string
	msgs     []*Message
	bySeq    map[int]*Message
	notices  map[string][]string
	typing   []Typing
	typDrops int // showings of the typing indicator past maxTyping
	overflow bool
	errs     []string
	changed  chan struct{}
}

// newObserver returns an observer classifying with p.
func newObserver(p *profile.Profile) *observer {
	return &observer{prof: p, bySeq: map[int]*Message{}, notices: map[string][]string{}, changed: make(chan struct{}, 1)}
}

// attach receives the reports of s's isolated worlds from now on.
func (o *observer) attach(ctx context.Context, s *session) error {
	if _, err := call(ctx, s, runtime.AddBinding, runtime.AddBindingParams{Name: bindingName, ExecutionContextName: worldName}); err != nil {
		return err
	}
	return chromedp.Listen(s.ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventBindingCalled); ok && e.Name == bindingName {
			o.handle(e.Payload)
		}
	})
}

// observeConfig is what the in-page observer is told.
type observeConfig struct {
	Binding   string            `json:"binding"`
	Shadow    []string          `json:"shadow"`
	Container string            `json:"container"`
	Item      string            `json:"item"`
	Text      string            `json:"text,omitempty"`
	Sels      map[string]string `json:"sels"`
	Attrs     []string          `json:"attrs"`
	Typing    string            `json:"typing,omitempty"`
	Notices   map[string]notice `json:"notices"`
	MaxItems  int               `json:"maxItems"`
	MaxText   int               `json:"maxText"`
}

// notice is a notice as the in-page observer watches it.
type notice struct {
	Sel string `json:"sel"`
}

// start starts the in-page observer in the widget document d.
func (o *observer) start(ctx context.Context, d *doc) error {
	p := o.prof
	cfg := observeConfig{
		Binding: bindingName, Shadow: d.shadow, Container: string(p.Messages.Container),
		Item: string(p.Messages.Item), Text: string(p.Messages.Text),
		Sels: map[string]string{}, Attrs: []string{}, Notices: map[string]notice{}, MaxItems: maxMessages, MaxText: maxText,
	}
	for k, m := range o.matchers() {
		if m == nil {
			continue
		}
		if m.Selector != "" {
			cfg.Sels[k] = string(m.Selector)
		}
		if m.Attribute != nil {
			cfg.Attrs = append(cfg.Attrs, m.Attribute.Name)
		}
	}
	if p.Typing != nil {
		cfg.Typing = string(p.Typing.Selector)
	}
	if p.Offline != nil {
		cfg.Notices["offline"] = notice{Sel: string(p.Offline.Selector)}
	}
	if p.Captcha != nil {
		cfg.Notices["captcha"] = notice{Sel: string(p.Captcha.Selector)}
	}
	return d.invoke(ctx, "observe", cfg, nil)
}

// matchers returns the profile's matchers by key.
func (o *observer) matchers() map[string]*profile.Matcher {
	m := o.prof.Messages
	return map[string]*profile.Matcher{"ours": m.Ours, "system": m.System, "bot": m.Bot, "agent": m.Agent}
}

// handle files one report of the in-page observer.
func (o *observer) handle(payload string) {
	var r report
	if err := json.Unmarshal([]byte(payload), &r); err != nil {
		return
	}
	at := msTime(r.T)
	o.mu.Lock()
	defer o.mu.Unlock()
	switch r.K {
	case "msg":
		if _, dup := o.bySeq[r.Seq]; dup || len(o.msgs) >= maxMessages {
			return
		}
		m := &Message{Seq: r.Seq, Text: clip(r.Text, maxText), DOMAt: at, Initial: r.Initial}
		m.Author = o.classify(m.Text, r.M, r.Attrs)
		o.msgs = append(o.msgs, m)
		o.bySeq[r.Seq] = m
	case "upd":
		if m, ok := o.bySeq[r.Seq]; ok {
			m.Text = clip(r.Text, maxText)
		}
	case "typing":
		o.typed(r.On, at)
	case "notice":
		o.notices[r.Key] = r.Texts
	case "overflow":
		o.overflow = true
	case "error":
		if len(o.errs) < 10 {
			o.errs = append(o.errs, clip(r.Text, 300))
		}
	}
	select {
	case o.changed <- struct{}{}:
	default:
	}
}

// classify tells who wrote a message: ours, system, bot, then agent, the
// first matcher that holds; an agent's message matching bot_text is a bot's.
// o.mu is held.
func (o *observer) classify(text string, sels map[string]bool, attrs map[string]*string) Author {
	m := o.prof.Messages
	if m.Ours != nil {
		if holds(m.Ours, "ours", text, sels, attrs) {
			return AuthorOurs
		}
	} else {
		for _, s := range o.sent {
			if s == normalize(text) {
				return AuthorOurs
			}
		}
	}
	switch {
	case m.System != nil && holds(m.System, "system", text, sels, attrs):
		return AuthorSystem
	case m.Bot != nil && holds(m.Bot, "bot", text, sels, attrs):
		return AuthorBot
	case m.Agent != nil && holds(m.Agent, "agent", text, sels, attrs):
		return o.agentOrBot(text)
	}
	return o.byDefault(text)
}

// agentOrBot is the author of an agent's message: the bot when the text
// matches bot_text.
func (o *observer) agentOrBot(text string) Author {
	for _, p := range o.prof.BotText {
		if p.MatchString(text) {
			return AuthorBot
		}
	}
	return AuthorAgent
}

// byDefault is the author of a message no matcher accepts: the profile's
// default author, unknown without one. Without an ours matcher, a text that
// holds one we sent is ours (the widget added a name or a time to it), so
// that our own message is never taken for an answer. o.mu is held.
func (o *observer) byDefault(text string) Author {
	def := Author(o.prof.Messages.DefaultAuthor)
	if def == "" {
		return AuthorUnknown
	}
	if o.prof.Messages.Ours == nil {
		t := normalize(text)
		for _, s := range o.sent {
			if s != "" && strings.Contains(t, s) {
				return AuthorOurs
			}
		}
	}
	if def == AuthorAgent {
		return o.agentOrBot(text)
	}
	return def
}

// holds reports whether every condition of m holds for a message.
func holds(m *profile.Matcher, key, text string, sels map[string]bool, attrs map[string]*string) bool {
	if m.Selector != "" && !sels[key] {
		return false
	}
	if !m.Text.MatchString(text) {
		return false
	}
	if m.Attribute != nil {
		v := attrs[m.Attribute.Name]
		if v == nil || !m.Attribute.Pattern.MatchString(*v) {
			return false
		}
	}
	return true
}

// typed files a change of the typing indicator; o.mu is held.
func (o *observer) typed(on bool, at time.Time) {
	n := len(o.typing)
	showing := n > 0 && o.typing[n-1].End.IsZero()
	switch {
	case !on && showing:
		o.typing[n-1].End = at
	case !on || showing:
		// No change: an observer started again reports what shows.
	case n >= maxTyping:
		o.typDrops++
	default:
		o.typing = append(o.typing, Typing{Start: at})
	}
}

// typings returns a copy of the typing indicator's showings so far, and how
// many more there were.
func (o *observer) typings() ([]Typing, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Typing(nil), o.typing...), o.typDrops
}

// remember notes a text we are about to send, so that it is recognised as
// ours when the profile has no ours matcher.
func (o *observer) remember(text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, normalize(text))
}

// messages returns a copy of the messages so far.
func (o *observer) messages() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Message, len(o.msgs))
	for i, m := range o.msgs {
		out[i] = *m
	}
	return out
}

// shown reports whether the notice key shows: any element for a
// selector-only notice, else text matching the notice's pattern.
func (o *observer) shown(key string, n *profile.Notice) bool {
	if n == nil {
		return false
	}
	o.mu.Lock()
	texts := o.notices[key]
	o.mu.Unlock()
	return noticeShown(n, texts)
}

// noticeShown reports whether texts, as the page helpers report them for n,
// say that n shows.
func noticeShown(n *profile.Notice, texts []string) bool {
	if n.Text.IsZero() {
		return len(texts) > 0
	}
	for _, t := range texts {
		if n.Text.MatchString(t) {
			return true
		}
	}
	return false
}

// msTime converts milliseconds since the epoch to a time.
func msTime(ms float64) time.Time {
	sec, frac := math.Modf(ms / 1000)
	return time.Unix(int64(sec), int64(frac*1e9))
}
