package sim

import (
	"fmt"
	"sync"
	"time"
)

// chatDesk is a company's chat at run time: its hours parsed.
type chatDesk struct {
	co    *Company
	loc   *time.Location
	hours []hoursRule
}

// newChatDesk returns the desk of co, whose config has been validated.
func newChatDesk(co *Company) *chatDesk {
	loc, err := loadZone(co.Timezone)
	if err != nil {
		loc = time.UTC
	}
	d := &chatDesk{co: co, loc: loc}
	for _, h := range co.Chat.Hours {
		if r, _, err := h.parse(); err == nil {
			d.hours = append(d.hours, r)
		}
	}
	return d
}

// offlineAt reports whether the chat is offline at t: offline: true, or hours
// are set and t, in the company's time zone, falls in none.
func (d *chatDesk) offlineAt(t time.Time) bool {
	if d.co.Chat.Offline {
		return true
	}
	if len(d.hours) == 0 {
		return false
	}
	local := t.In(d.loc)
	for _, r := range d.hours {
		if r.contains(local) {
			return false
		}
	}
	return true
}

// chatEvent is one thing the company side sends in a conversation: a message
// or a typing change.
type chatEvent struct {
	seq        int
	typing, on bool   // a typing change, and its new state
	author     string // as the widget shows it
	truth      string // who really wrote it (the iframe greeting shows as agent)
	name, text string
	greeting   bool
	intendedAt time.Time
	delivered  bool // written to some client already
}

// conversation is one chat between a visitor and a company.
type conversation struct {
	id             string
	desk           *chatDesk
	visitor, email string
	offline        bool   // offline when it opened: no ack, no agent, ever
	offlineReason  string // why, when offline: the hours and the time there

	// wire keeps the truth log in causal order on the inline widget: a frame's
	// write and its chat_message record happen under it, so a visitor's answer
	// to that frame, read before the write returned, is recorded after it.
	wire sync.Mutex

	mu        sync.Mutex
	events    []*chatEvent
	changed   chan struct{} // closed and replaced when events are added
	received  int           // visitor messages so far
	answers   bool          // agents answer (decided at the first message)
	typers    int           // agent messages whose typing has begun, not yet sent
	agentSent int
}

// emit appends evs (one moment: a client sees them together) and wakes the
// clients waiting.
func (c *conversation) emit(evs ...*chatEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emitLocked(evs...)
}

// emitLocked is emit with c.mu held.
func (c *conversation) emitLocked(evs ...*chatEvent) {
	for _, ev := range evs {
		ev.seq = len(c.events) + 1
		c.events = append(c.events, ev)
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// since returns the events after seq, and a channel closed when more come.
func (c *conversation) since(seq int) ([]*chatEvent, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seq = max(0, min(seq, len(c.events)))
	return c.events[seq:], c.changed
}

// claim marks the messages among evs that no client has had yet as delivered
// and returns them: the caller writes them now and records their truth.
func (c *conversation) claim(evs []*chatEvent) []*chatEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*chatEvent
	for _, ev := range evs {
		if !ev.typing && !ev.delivered {
			ev.delivered = true
			out = append(out, ev)
		}
	}
	return out
}

// message returns a message event of the company side, shown as by author.
func (c *conversation) message(author, truth, text string, at time.Time) *chatEvent {
	return &chatEvent{author: author, truth: truth, name: c.nameOf(author), text: text, intendedAt: at}
}

// nameOf is the name the widget shows for an author: the agent's, the
// company's for its bot, none for notices.
func (c *conversation) nameOf(author string) string {
	switch author {
	case AuthorAgent:
		return c.desk.co.Chat.AgentName
	case AuthorBot:
		return c.desk.co.Name
	}
	return ""
}

// openConversation starts a conversation with company d: it records
// chat_opened and sends the greeting, or the offline notice of the inline
// style.
func (s *Sim) openConversation(d *chatDesk, visitor, email string) *conversation {
	now := time.Now()
	c := &conversation{desk: d, visitor: visitor, email: email, offline: d.offlineAt(now),
		changed: make(chan struct{})}
	if c.offline {
		c.offlineReason = d.offlineReason(now)
	}
	s.chat.add(c)
	ch := d.co.Chat
	s.truth(TruthRecord{Kind: KindChatOpened, Company: d.co.ID, Conversation: c.id, Style: ch.Style,
		At: now, Offline: c.offline, VisitorName: visitor, VisitorEmail: email})
	s.log.Info("chat opened", "company", d.co.ID, "conversation", c.id, "offline", c.offline)
	switch {
	case c.offline && ch.Style == ChatInline:
		c.emit(c.message(AuthorSystem, AuthorSystem, fmt.Sprintf(offlineText, c.offlineReason), now))
	case !c.offline && ch.greets():
		shown := AuthorBot
		if ch.Style == ChatIframe {
			shown = AuthorAgent // styled as the agent's; the profile's bot_text tells
		}
		ev := c.message(shown, AuthorBot, ch.Greeting, now)
		ev.greeting = true
		c.emit(ev)
	}
	return c
}

// receiveChat records a visitor message read at at and returns its number in
// the conversation (1 for the first).
func (s *Sim) receiveChat(c *conversation, text string, at time.Time) int {
	c.mu.Lock()
	c.received++
	n := c.received
	c.mu.Unlock()
	s.truth(TruthRecord{Kind: KindChatReceived, Company: c.desk.co.ID, Conversation: c.id,
		Style: c.desk.co.Chat.Style, At: at, Text: text, VisitorName: c.visitor, VisitorEmail: c.email})
	return n
}

// planChat schedules the company's answers to visitor message n, read at at.
func (s *Sim) planChat(c *conversation, n int, at time.Time) {
	co := c.desk.co
	if n > 1 {
		c.mu.Lock()
		answers := c.answers
		c.mu.Unlock()
		if answers {
			s.scheduleAgent(c, at, followUpDelay(s.cfg.Seed, co, c.id, n, s.cfg.TimeScale))
		}
		return
	}
	pl := decideChat(s.cfg.Seed, co.after(s.countProbe(co.ID, "chat")), c.id, s.cfg.TimeScale)
	noReply := func(reason string) {
		s.truth(TruthRecord{Kind: KindChatNoReply, Company: co.ID, Conversation: c.id,
			Style: co.Chat.Style, At: at, Reason: reason})
	}
	switch {
	case c.offline:
		noReply(ReasonOffline)
		return
	case pl.noReply:
		noReply(ReasonDrawn)
	}
	s.log.Info("chat started", "company", co.ID, "conversation", c.id, "answers", !pl.noReply, "after", pl.first)
	if co.Chat.Ack.Enabled {
		s.chatAt(at.Add(scaleDur(co.Chat.Ack.Delay.D(), s.cfg.TimeScale)), func(due time.Time) {
			c.emit(c.message(AuthorBot, AuthorBot, ackText(c.visitor), due))
		})
	}
	if pl.noReply {
		return
	}
	c.mu.Lock()
	c.answers = true
	c.mu.Unlock()
	s.scheduleAgent(c, at, pl.first)
}

// scheduleAgent schedules one agent message delay after at, with the typing
// indicator shown before it.
func (s *Sim) scheduleAgent(c *conversation, at time.Time, delay time.Duration) {
	typing := min(delay, scaleDur(c.desk.co.Chat.Typing.D(), s.cfg.TimeScale))
	s.chatAt(at.Add(delay-typing), func(time.Time) { c.startTyping() })
	s.chatAt(at.Add(delay), func(due time.Time) { c.agentMessage(due) })
}

// startTyping shows the typing indicator unless it shows already.
func (c *conversation) startTyping() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.typers++
	if c.typers == 1 {
		c.emitLocked(&chatEvent{typing: true, on: true, name: c.desk.co.Chat.AgentName})
	}
}

// agentMessage sends the agent's next message at once, with what goes with it:
// the typing indicator off (unless another message is being typed) and, before
// the first one in the iframe style, "NAME joined the chat".
func (c *conversation) agentMessage(due time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.desk.co.Chat
	var evs []*chatEvent
	if c.typers--; c.typers == 0 {
		evs = append(evs, &chatEvent{typing: true, on: false, name: ch.AgentName})
	}
	c.agentSent++
	if c.agentSent == 1 && ch.Style == ChatIframe {
		evs = append(evs, c.message(AuthorSystem, AuthorSystem, joinedText(ch.AgentName), due))
	}
	evs = append(evs, c.message(AuthorAgent, AuthorAgent, agentText(c.desk.co, c.id, c.visitor, c.agentSent), due))
	c.emitLocked(evs...)
}

// chatAt runs f at at on the chat scheduler.
func (s *Sim) chatAt(at time.Time, f func(due time.Time)) {
	if !s.chat.sched.add(&job{at: at, chat: f}) {
		s.log.Warn("chat message dropped: simulator stopping")
	}
}

// delivered records the truth of messages just written to a client at at.
func (s *Sim) delivered(c *conversation, evs []*chatEvent, at time.Time) {
	for _, ev := range evs {
		s.truth(TruthRecord{Kind: KindChatMessage, Company: c.desk.co.ID, Conversation: c.id,
			Style: c.desk.co.Chat.Style, Author: ev.truth, Text: ev.text, Greeting: ev.greeting,
			IntendedAt: ev.intendedAt, DeliveredAt: at})
		s.log.Debug("chat message delivered", "company", c.desk.co.ID, "conversation", c.id,
			"author", ev.truth, "late", at.Sub(ev.intendedAt))
	}
}

// chatHub holds the chat side's state: desks by company id, conversations by
// id, and the scheduler of agents' actions.
type chatHub struct {
	desks map[string]*chatDesk
	sched *scheduler

	mu    sync.Mutex
	convs map[string]*conversation
	next  int
}

// add numbers c and registers it.
func (h *chatHub) add(c *conversation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	c.id = fmt.Sprintf("c-%06d", h.next)
	h.convs[c.id] = c
}

// get returns company coID's conversation id, or nil.
func (h *chatHub) get(coID, id string) *conversation {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.convs[id]
	if c == nil || c.desk.co.ID != coID {
		return nil
	}
	return c
}

// drop forgets conversation id (its WebSocket is gone).
func (h *chatHub) drop(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.convs, id)
}
