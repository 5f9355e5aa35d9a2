package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// chatCompany returns a chat-only company of the given style whose agent
// answers 300 ms after the first message (typing 100 ms before), with an ack
// after 50 ms and follow-ups after 200 ms.
func chatCompany(id string, style ChatStyle) Company {
	return Company{
		ID:   id,
		Name: "Acme Outdoor",
		Chat: &Chat{
			Style:     style,
			Ack:       ChatAck{Enabled: true, Delay: Duration(50 * time.Millisecond)},
			Reply:     Reply{Median: Duration(300 * time.Millisecond)},
			FollowUp:  Reply{Median: Duration(200 * time.Millisecond)},
			Typing:    Duration(100 * time.Millisecond),
			AgentName: "Maria",
		},
	}
}

// chatConfig returns a config of chat companies only: no mailboxes.
func chatConfig(t *testing.T, companies ...Company) Config {
	t.Helper()
	return Config{TruthLog: filepath.Join(t.TempDir(), "truth.jsonl"), Seed: 7, Companies: companies}
}

// startChatSim starts a simulator whose long polls hold 300 ms at most.
func startChatSim(t *testing.T, cfg Config) *Sim {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(cfg, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.pollHold = 300 * time.Millisecond
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// got is an event as a client received it, and when.
type got struct {
	wireEvent
	at time.Time
}

// event is the comparable part of a received event (no seq, no time).
type event struct {
	Type, Author, Text string
	On                 bool
}

// events returns the comparable parts of gs.
func events(gs []got) []event {
	out := make([]event, len(gs))
	for i, g := range gs {
		out[i] = event{Type: g.Type, Author: g.Author, Text: g.Text, On: g.On != nil && *g.On}
	}
	return out
}

// iframeClient drives the iframe widget's API as its JavaScript does.
type iframeClient struct {
	t            *testing.T
	base         string // http://WIDGET/w/{id}/api/
	conversation string
	after        int
}

// newIframeClient returns a client of company id's widget API.
func newIframeClient(t *testing.T, s *Sim, id string) *iframeClient {
	return &iframeClient{t: t, base: "http://" + s.WidgetAddr().String() + "/w/" + id + "/api/"}
}

// post sends v as JSON and decodes the answer into out; it returns the status.
func (c *iframeClient) post(path string, v, out any) int {
	c.t.Helper()
	b, _ := json.Marshal(v)
	resp, err := http.Post(c.base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			c.t.Fatalf("POST %s: %v in %s", path, err, body)
		}
	}
	return resp.StatusCode
}

// start sends the pre-chat form.
func (c *iframeClient) start(name, email string) startResponse {
	c.t.Helper()
	var r startResponse
	if code := c.post("start", startRequest{Name: name, Email: email, Topic: "Sales"}, &r); code != http.StatusOK {
		c.t.Fatalf("start = HTTP %d, want 200", code)
	}
	c.conversation = r.Conversation
	return r
}

// send sends a visitor message and returns when it was sent and answered.
func (c *iframeClient) send(text string) (sent, answered time.Time) {
	c.t.Helper()
	sent = time.Now()
	if code := c.post("send", sendRequest{Conversation: c.conversation, Text: text}, nil); code != http.StatusOK {
		c.t.Fatalf("send = HTTP %d, want 200", code)
	}
	return sent, time.Now()
}

// poll makes one long poll and returns its events, stamped with the time the
// answer arrived.
func (c *iframeClient) poll() []got {
	c.t.Helper()
	resp, err := http.Get(fmt.Sprintf("%spoll?conversation=%s&after=%d", c.base, c.conversation, c.after))
	if err != nil {
		c.t.Fatalf("poll: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	at := time.Now()
	if err != nil || resp.StatusCode != http.StatusOK {
		c.t.Fatalf("poll = HTTP %d, %v: %s", resp.StatusCode, err, body)
	}
	var pr pollResponse
	if err := json.Unmarshal(body, &pr); err != nil {
		c.t.Fatalf("poll: %v in %s", err, body)
	}
	out := make([]got, len(pr.Events))
	for i, ev := range pr.Events {
		out[i] = got{ev, at}
		c.after = max(c.after, ev.Seq)
	}
	return out
}

// pollUntil polls until an event satisfies done (or 5 s) and returns all events.
func (c *iframeClient) pollUntil(done func(got) bool) []got {
	c.t.Helper()
	var out []got
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		for _, g := range c.poll() {
			out = append(out, g)
			if done(g) {
				return out
			}
		}
	}
	c.t.Fatalf("no awaited event after 5s; got %+v", events(out))
	return nil
}

// wsClient is the inline widget's WebSocket, its frames read in the background.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	in   chan got
}

// dialInline connects to company id's inline widget.
func dialInline(t *testing.T, s *Sim, id string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+s.WebAddr().String()+"/c/"+id+"/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := &wsClient{t: t, conn: conn, in: make(chan got, 100)}
	go func() {
		defer close(c.in)
		for {
			_, b, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			at := time.Now()
			var ev wireEvent
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Errorf("frame %s: %v", b, err)
				return
			}
			c.in <- got{ev, at}
		}
	}()
	t.Cleanup(func() { conn.CloseNow() })
	return c
}

// send writes a visitor frame and returns when.
func (c *wsClient) send(text string) time.Time {
	c.t.Helper()
	b, _ := json.Marshal(wireEvent{Type: "message", Text: text})
	at := time.Now()
	if err := c.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	return at
}

// until reads frames until one satisfies done (or 5 s) and returns all of them.
func (c *wsClient) until(done func(got) bool) []got {
	c.t.Helper()
	var out []got
	timeout := time.After(5 * time.Second)
	for {
		select {
		case g, ok := <-c.in:
			if !ok {
				c.t.Fatalf("connection closed; got %+v", events(out))
			}
			out = append(out, g)
			if done(g) {
				return out
			}
		case <-timeout:
			c.t.Fatalf("no awaited frame after 5s; got %+v", events(out))
		}
	}
}

// isAgent reports whether g is an agent's message.
func isAgent(g got) bool { return g.Type == "message" && g.Author == AuthorAgent }

// waitTruth waits until conversation has n truth records (or 10 s have
// passed) and returns them: a message's record is written just after its
// bytes, so a client can have it a moment before.
func waitTruth(t *testing.T, s *Sim, conversation string, n int) []TruthRecord {
	t.Helper()
	expired := time.After(10 * time.Second)
	for {
		written := s.TruthWritten()
		recs := chatTruth(readTruthFile(t, s), conversation)
		if len(recs) >= n {
			return recs
		}
		select {
		case <-written:
		case <-expired:
			return recs
		}
	}
}

// chatTruth returns the truth records of one conversation, in order.
func chatTruth(recs []TruthRecord, conversation string) []TruthRecord {
	var out []TruthRecord
	for _, r := range recs {
		if r.Conversation == conversation {
			out = append(out, r)
		}
	}
	return out
}

// checkDelivered checks that every message in gs has a chat_message record
// whose delivered_at is within a few ms of when the client received it (on
// either side: a WebSocket frame can arrive before its Write returns).
func checkDelivered(t *testing.T, recs []TruthRecord, gs []got) {
	t.Helper()
	for _, g := range gs {
		if g.Type != "message" {
			continue
		}
		var found bool
		for _, r := range recs {
			if r.Kind == KindChatMessage && r.Text == g.Text {
				found = true
				within(t, "delivered_at of "+g.Text, r.DeliveredAt, g.at, 10*time.Millisecond)
			}
		}
		if !found {
			t.Errorf("no chat_message record for %q", g.Text)
		}
	}
}
