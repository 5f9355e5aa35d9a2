package sim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Kind is what a truth record is about.
type Kind string

// Truth record kinds.
const (
	// KindReceived: a probe mail was accepted for a company.
	KindReceived Kind = "received"
	// KindAck: an automatic acknowledgement was delivered.
	KindAck Kind = "ack"
	// KindHuman: a human reply was delivered.
	KindHuman Kind = "human"
	// KindOOF: an out-of-office auto-reply was delivered.
	KindOOF Kind = "oof"
	// KindNoReply: the company will never send a human reply to this probe.
	KindNoReply Kind = "no_reply"

	// KindChatOpened: a chat conversation started (the iframe widget's pre-chat
	// form was sent, or the inline widget's WebSocket connected).
	KindChatOpened Kind = "chat_opened"
	// KindChatReceived: a visitor's chat message arrived; At is when the server
	// read it.
	KindChatReceived Kind = "chat_received"
	// KindChatMessage: a message from the company side went out; DeliveredAt is
	// when its bytes were written to the wire.
	KindChatMessage Kind = "chat_message"
	// KindChatNoReply: no agent will ever answer this conversation (written
	// right after the visitor's first message).
	KindChatNoReply Kind = "chat_no_reply"
)

// Authors of chat messages (TruthRecord.Author).
const (
	// AuthorAgent is a person's answer.
	AuthorAgent = "agent"
	// AuthorBot is an automated message: the greeting, the ack.
	AuthorBot = "bot"
	// AuthorSystem is a notice: "Maria joined the chat", the offline notice.
	AuthorSystem = "system"
)

// No-reply reasons.
const (
	// ReasonDrawn: the no_reply_rate draw said no.
	ReasonDrawn = "drawn"
	// ReasonOutOfOffice: the company only sends out-of-office replies.
	ReasonOutOfOffice = "out_of_office"
	// ReasonUndeliverable: the reply address is no mailbox of the simulator.
	ReasonUndeliverable = "undeliverable"
	// ReasonOffline: the chat was offline (outside its hours, or offline: true)
	// when the conversation opened.
	ReasonOffline = "offline"
)

// TruthRecord is one line of the truth log.
type TruthRecord struct {
	// Kind is what happened.
	Kind Kind `json:"kind"`
	// Company is the company's id.
	Company string `json:"company"`
	// ProbeMessageID is the probe's Message-ID with angle brackets ("" if none).
	ProbeMessageID string `json:"probe_message_id"`
	// Token is the probe's correlation token (email.FindTokens on Message-ID,
	// Reply-To, then Subject), "" if none.
	Token string `json:"token,omitempty"`
	// Mailbox is the probe mailbox the replies go to.
	Mailbox string `json:"mailbox,omitempty"`
	// SentAtProbe is when the simulator accepted the probe's DATA (the probe's t0).
	SentAtProbe time.Time `json:"sent_at_probe"`
	// IntendedAt is when the reply was meant to arrive; it is the reply's
	// INTERNALDATE (which IMAP gives to the second). Set for ack, human and oof.
	IntendedAt time.Time `json:"intended_at,omitzero"`
	// DeliveredAt is when the reply was actually appended to the mailbox.
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// ReplyMessageID is the reply's Message-ID with angle brackets.
	ReplyMessageID string `json:"reply_message_id,omitempty"`
	// Ticket is the ticket number an acknowledgement quotes.
	Ticket string `json:"ticket,omitempty"`
	// Reason says why there is no reply (no_reply and chat_no_reply only).
	Reason string `json:"reason,omitempty"`

	// Conversation is the chat conversation's id, "c-000123" (chat kinds only).
	Conversation string `json:"conversation,omitempty"`
	// Style is the company's chat widget style (chat kinds only).
	Style ChatStyle `json:"style,omitempty"`
	// At is when a conversation opened (chat_opened), a visitor message was read
	// (chat_received), or the first visitor message that decided chat_no_reply.
	At time.Time `json:"at,omitzero"`
	// Author wrote a chat_message: AuthorAgent, AuthorBot or AuthorSystem (the
	// truth: the iframe widget shows its greeting as an agent's message).
	Author string `json:"author,omitempty"`
	// Text is the message's text (chat_received, chat_message).
	Text string `json:"text,omitempty"`
	// Greeting marks the greeting, sent when the chat opens, before any visitor message.
	Greeting bool `json:"greeting,omitempty"`
	// Offline says the conversation opened while the chat was offline (chat_opened).
	Offline bool `json:"offline,omitempty"`
	// VisitorName and VisitorEmail are what the pre-chat form said (iframe style).
	VisitorName  string `json:"visitor_name,omitempty"`
	VisitorEmail string `json:"visitor_email,omitempty"`
}

// ReadTruth reads a truth log written by the simulator.
func ReadTruth(r io.Reader) ([]TruthRecord, error) {
	var out []TruthRecord
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var rec TruthRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return out, fmt.Errorf("truth log line %d: %w", n, err)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("read truth log: %w", err)
	}
	return out, nil
}

// truthLog appends records to a JSONL file, one write per line, safe for
// concurrent use. A nil *truthLog discards records.
type truthLog struct {
	mu sync.Mutex
	f  *os.File
}

// openTruth opens (appending to) the truth log at path; "" gives a nil log.
func openTruth(path string) (*truthLog, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open truth log: %w", err)
	}
	return &truthLog{f: f}, nil
}

// write appends rec as one line.
func (t *truthLog) write(rec TruthRecord) error {
	if t == nil {
		return nil
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode truth record: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := t.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write truth log: %w", err)
	}
	return nil
}

// close closes the file.
func (t *truthLog) close() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.f.Close()
}
