package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// handleWS is GET /c/{id}/ws, the inline widget's WebSocket: one conversation
// per connection, opened on connect and forgotten when it closes.
func (s *Sim) handleWS(w http.ResponseWriter, r *http.Request) {
	d := s.deskFor(w, r, ChatInline)
	if d == nil {
		return
	}
	conn, err := websocket.Accept(w, r, nil) // same origin only
	if err != nil {
		s.log.Warn("chat websocket refused", "company", d.co.ID, "err", err)
		return
	}
	defer conn.CloseNow()
	c := s.openConversation(d, "", "")
	defer s.chat.drop(c.id)
	ctx, cancel := context.WithCancel(s.webCtx) // hijacked: r.Context() no longer tells
	defer cancel()
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer cancel()
		s.readVisitor(ctx, conn, c)
	}()
	s.writeConversation(ctx, conn, c)
	cancel()
	_ = conn.CloseNow()
	<-readDone
}

// readVisitor reads the visitor's frames until the connection ends; each
// message is received the moment its frame has been read.
func (s *Sim) readVisitor(ctx context.Context, conn *websocket.Conn, c *conversation) {
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return
		}
		at := time.Now()
		var f wireEvent
		if err := json.Unmarshal(b, &f); err != nil || f.Type != "message" {
			s.log.Warn("chat websocket: frame ignored", "conversation", c.id, "frame", string(b))
			continue
		}
		text := strings.TrimSpace(f.Text)
		if text == "" {
			continue
		}
		c.wire.Lock()
		n := s.receiveChat(c, text, at)
		c.wire.Unlock()
		s.planChat(c, n, at)
	}
}

// writeConversation writes the conversation's events as frames as they come,
// until ctx ends or a write fails; a message is delivered right after its
// frame is written.
func (s *Sim) writeConversation(ctx context.Context, conn *websocket.Conn, c *conversation) {
	after := 0
	for {
		evs, changed := c.since(after)
		for _, ev := range evs {
			if !s.writeEvent(ctx, conn, c, ev) {
				return
			}
			after = ev.seq
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

// writeEvent writes one event as a frame and, for a message, records its
// delivery; false if the write failed.
func (s *Sim) writeEvent(ctx context.Context, conn *websocket.Conn, c *conversation, ev *chatEvent) bool {
	b, err := json.Marshal(ev.wire(false))
	if err != nil {
		s.log.Error("chat websocket: event not encoded", "conversation", c.id, "err", err)
		return false
	}
	c.wire.Lock()
	defer c.wire.Unlock()
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		return false
	}
	s.delivered(c, c.claim([]*chatEvent{ev}), time.Now())
	return true
}
