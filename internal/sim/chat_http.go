package sim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxChatBody bounds a request body of the widget API.
const maxChatBody = 64 << 10

// wireEvent is an event as the widgets receive it: in long-poll answers
// (with seq) and in WebSocket frames (without). Visitors' WebSocket frames use
// it too: {"type":"message","text":…}.
type wireEvent struct {
	Seq    int    `json:"seq,omitempty"`
	Type   string `json:"type"` // "message" or "typing"
	Author string `json:"author,omitempty"`
	Name   string `json:"name,omitempty"`
	Text   string `json:"text,omitempty"`
	On     *bool  `json:"on,omitempty"` // typing only
}

// wire returns ev as the widget receives it; withSeq for long polls.
func (ev *chatEvent) wire(withSeq bool) wireEvent {
	w := wireEvent{Type: "message", Author: ev.author, Name: ev.name, Text: ev.text}
	if ev.typing {
		on := ev.on
		w = wireEvent{Type: "typing", Name: ev.name, On: &on}
	}
	if withSeq {
		w.Seq = ev.seq
	}
	return w
}

// startRequest is the iframe widget's pre-chat form.
type startRequest struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Topic string `json:"topic"`
}

// startResponse opens the chat in the iframe widget.
type startResponse struct {
	Conversation string `json:"conversation"`
	Offline      bool   `json:"offline"`
	// OfflineReason says why, when offline: the hours and the time there.
	OfflineReason string `json:"offline_reason,omitempty"`
	Agent         string `json:"agent"`
}

// sendRequest is a visitor message sent by the iframe widget.
type sendRequest struct {
	Conversation string `json:"conversation"`
	Text         string `json:"text"`
}

// pollResponse is a long poll's answer: the events after the seq asked for,
// possibly none.
type pollResponse struct {
	Events []wireEvent `json:"events"`
}

// handleStart is POST /w/{id}/api/start: the pre-chat form was sent; it opens
// a conversation.
func (s *Sim) handleStart(w http.ResponseWriter, r *http.Request) {
	d := s.deskFor(w, r, ChatIframe)
	if d == nil {
		return
	}
	if d.co.Chat.Captcha {
		writeJSONError(w, http.StatusForbidden, "captcha required")
		return
	}
	var req startRequest
	if !readJSON(w, r, &req) {
		return
	}
	name, email := strings.TrimSpace(req.Name), strings.TrimSpace(req.Email)
	if name == "" || !strings.Contains(email, "@") {
		writeJSONError(w, http.StatusBadRequest, "name and email are required")
		return
	}
	c := s.openConversation(d, name, email)
	writeJSON(w, startResponse{Conversation: c.id, Offline: c.offline, OfflineReason: c.offlineReason, Agent: d.co.Chat.AgentName})
}

// handleSend is POST /w/{id}/api/send: a visitor message. Its receive time is
// taken first thing; the answers are scheduled once the 200 is written.
func (s *Sim) handleSend(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	d := s.deskFor(w, r, ChatIframe)
	if d == nil {
		return
	}
	var req sendRequest
	if !readJSON(w, r, &req) {
		return
	}
	c := s.chat.get(d.co.ID, req.Conversation)
	text := strings.TrimSpace(req.Text)
	switch {
	case c == nil:
		writeJSONError(w, http.StatusNotFound, "no such conversation")
		return
	case text == "":
		writeJSONError(w, http.StatusBadRequest, "empty message")
		return
	}
	n := s.receiveChat(c, text, at)
	writeJSON(w, map[string]bool{"ok": true})
	s.planChat(c, n, at)
}

// handlePoll is GET /w/{id}/api/poll?conversation=…&after=SEQ: it answers at
// once with the events after SEQ, or waits for one up to s.pollHold and then
// answers with none.
func (s *Sim) handlePoll(w http.ResponseWriter, r *http.Request) {
	d := s.deskFor(w, r, ChatIframe)
	if d == nil {
		return
	}
	q := r.URL.Query()
	c := s.chat.get(d.co.ID, q.Get("conversation"))
	if c == nil {
		writeJSONError(w, http.StatusNotFound, "no such conversation")
		return
	}
	after, err := strconv.Atoi(q.Get("after"))
	if err != nil && q.Get("after") != "" {
		writeJSONError(w, http.StatusBadRequest, "after is not a number")
		return
	}
	hold := time.NewTimer(s.pollHold)
	defer hold.Stop()
	for {
		evs, changed := c.since(after)
		if len(evs) > 0 {
			s.writeEvents(w, c, evs)
			return
		}
		if s.onPollWait != nil {
			s.onPollWait(r)
		}
		select {
		case <-changed:
		case <-hold.C:
			s.writeEvents(w, c, nil)
			return
		case <-r.Context().Done(): // the client left, or the simulator is closing
			return
		}
	}
}

// writeEvents answers a poll with evs and flushes it; the messages it is the
// first to carry are delivered now, the moment before the write.
func (s *Sim) writeEvents(w http.ResponseWriter, c *conversation, evs []*chatEvent) {
	out := pollResponse{Events: make([]wireEvent, 0, len(evs))}
	for _, ev := range evs {
		out.Events = append(out.Events, ev.wire(true))
	}
	b, err := json.Marshal(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fresh := c.claim(evs)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	at := time.Now()
	_, _ = w.Write(b)
	_ = http.NewResponseController(w).Flush() // a client gone is no problem of ours
	s.delivered(c, fresh, at)
}

// readJSON decodes a JSON request body into v, answering 400 when it cannot.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxChatBody)).Decode(v); err != nil {
		writeJSONError(w, http.StatusBadRequest, "bad JSON body")
		return false
	}
	return true
}

// writeJSON answers 200 with v as JSON, flushed at once.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
	_ = http.NewResponseController(w).Flush()
}

// writeJSONError answers code with {"error": msg}.
func writeJSONError(w http.ResponseWriter, code int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}
