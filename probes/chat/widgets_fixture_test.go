package chat

import (
	"context"
	"embed"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Fixtures in the style of two widely used third-party widgets: a web
// component whose launcher and messages live in an open shadow root, talking
// over a WebSocket, with answers written in markdown (wc.html); and a hosted
// bubble whose launcher is in a cross-origin iframe and whose messenger is
// in a second one, with answers in HTML (bubble-*.html).

//go:embed testdata/wc.html testdata/wc-bundle.js testdata/bubble-*.html
var widgetsFS embed.FS

// deskAnswer is one answer a desk gives: who, and its markup as sent.
type deskAnswer struct {
	Seq    int    `json:"seq"`
	Author string `json:"author"`
	Body   string `json:"body"`
}

// desk is the chat service behind a third-party fixture: the first message
// of the visitor is answered after the delays the page's query gives (ms:
// bot, agent), and the desk notes when each answer went out.
type desk struct {
	mu        sync.Mutex
	received  time.Time
	answers   []deskAnswer
	delivered map[int]time.Time
	wake      chan struct{}
	bot       string // markup of the bot's answer
	agent     string // markup of the agent's answer
}

func newDesk(bot, agent string) *desk {
	return &desk{delivered: map[int]time.Time{}, wake: make(chan struct{}), bot: bot, agent: agent}
}

// receive takes the visitor's message at and plans the answers of q.
func (d *desk) receive(at time.Time, q map[string][]string) {
	d.mu.Lock()
	first := d.received.IsZero()
	if first {
		d.received = at
	}
	d.mu.Unlock()
	if !first {
		return
	}
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	d.later(get("bot"), "bot", d.bot)
	d.later(get("agent"), "agent", d.agent)
}

// later adds an answer after ms milliseconds; "" or a negative value adds none.
func (d *desk) later(ms, author, body string) {
	n, err := strconv.Atoi(ms)
	if err != nil || n < 0 {
		return
	}
	time.AfterFunc(time.Duration(n)*time.Millisecond, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.answers = append(d.answers, deskAnswer{Seq: len(d.answers) + 1, Author: author, Body: body})
		close(d.wake)
		d.wake = make(chan struct{})
	})
}

// since returns the answers after seq and a channel closed when more come.
func (d *desk) since(seq int) ([]deskAnswer, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if seq >= len(d.answers) {
		return nil, d.wake
	}
	return append([]deskAnswer(nil), d.answers[seq:]...), d.wake
}

// sent notes that answer seq went out now (the first time only).
func (d *desk) sent(seq int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.delivered[seq]; !ok {
		d.delivered[seq] = time.Now()
	}
}

// truth returns when our message arrived and when each author's first answer
// went out.
func (d *desk) truth() (received time.Time, first map[string]time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	first = map[string]time.Time{}
	for _, a := range d.answers {
		if _, ok := first[a.Author]; !ok {
			first[a.Author] = d.delivered[a.Seq]
		}
	}
	return d.received, first
}

// bubbleFixture is the hosted bubble: the shop on 127.0.0.1, the widget
// (launcher, messenger, API) on another server addressed as localhost, a
// different site, so that the full Chromium runs the widget's iframes in
// processes of their own.
type bubbleFixture struct {
	shop, widget *httptest.Server
	widgetURL    string // the widget's origin, as the shop names it
	desk         *desk
}

// Answers of the bubble's desk, in HTML as its API sends them.
const (
	bubbleBotHTML   = `<p>Thanks! <em>Someone</em> will be with you shortly.</p>`
	bubbleAgentHTML = `<p>Hi, this is <strong>Ann</strong> from <a href="https://shop.example/help">Acme&nbsp;support</a>.</p><p>Happy to help!</p>`
)

func newBubbleFixture(t *testing.T) *bubbleFixture {
	t.Helper()
	f := &bubbleFixture{desk: newDesk(bubbleBotHTML, bubbleAgentHTML)}
	wmux := http.NewServeMux()
	wmux.HandleFunc("GET /launcher", servePage("testdata/bubble-launcher.html"))
	wmux.HandleFunc("GET /messenger", servePage("testdata/bubble-messenger.html"))
	wmux.HandleFunc("POST /api/send", func(w http.ResponseWriter, r *http.Request) {
		f.desk.receive(time.Now(), r.URL.Query())
		w.WriteHeader(http.StatusNoContent)
	})
	wmux.HandleFunc("GET /api/poll", f.poll)
	f.widget = httptest.NewServer(wmux)
	t.Cleanup(f.widget.Close)
	f.widgetURL = strings.Replace(f.widget.URL, "127.0.0.1", "localhost", 1)
	smux := http.NewServeMux()
	smux.HandleFunc("GET /bubble", servePage("testdata/bubble-host.html"))
	smux.HandleFunc("GET /launcher", servePage("testdata/bubble-launcher.html")) // where ?how=move goes
	f.shop = httptest.NewServer(smux)
	t.Cleanup(f.shop.Close)
	return f
}

// url is the shop's page with the widget and query (bot=ms&agent=ms...).
func (f *bubbleFixture) url(query string) string {
	return f.shop.URL + "/bubble?widget=" + f.widgetURL + "&shop=" + f.shop.URL + "&" + query
}

// poll answers with the answers after the page's last one, waiting up to
// 10 s for one.
func (f *bubbleFixture) poll(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	timeout := time.After(10 * time.Second)
	for {
		out, wake := f.desk.since(after)
		if len(out) > 0 {
			type item struct {
				Seq    int    `json:"seq"`
				Author string `json:"author"`
				HTML   string `json:"html"`
			}
			items := make([]item, len(out))
			for i, a := range out {
				items[i] = item{a.Seq, a.Author, a.Body}
			}
			b, _ := json.Marshal(items)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(b)
			for _, a := range out {
				f.desk.sent(a.Seq)
			}
			return
		}
		select {
		case <-wake:
		case <-timeout:
			_, _ = w.Write([]byte("[]"))
			return
		case <-r.Context().Done():
			return
		}
	}
}

// servePage serves one embedded file as HTML or JavaScript.
func servePage(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := widgetsFS.ReadFile(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		ct := "text/html; charset=utf-8"
		if strings.HasSuffix(name, ".js") {
			ct = "text/javascript; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(b)
	}
}

// wsWrite writes the desk's answers to conn as they come, until ctx ends.
func (d *desk) wsWrite(ctx context.Context, conn *websocket.Conn) {
	after := 0
	for {
		out, wake := d.since(after)
		for _, a := range out {
			b, _ := json.Marshal(map[string]any{"type": "message", "role": a.Author, "text": a.Body})
			if conn.Write(ctx, websocket.MessageText, b) != nil {
				return
			}
			d.sent(a.Seq)
			after = a.Seq
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return
		}
	}
}

// wcFixture is the web component: its page, its bundle (delayed by the
// page's ?bundle=ms) and its WebSocket, on one server.
type wcFixture struct {
	srv  *httptest.Server
	desk *desk

	mu       sync.Mutex
	bundleAt time.Time // when the bundle was last served
}

// Answers of the web component's desk, in markdown as its WebSocket sends them.
const (
	wcBotMarkdown   = "Thanks for your message! An **agent** will join *shortly*."
	wcAgentMarkdown = "Hi, this is *Ann* from [Acme support](https://shop.example/help). Happy to help with:\n\n- shipping\n- returns"
)

func newWCFixture(t *testing.T) *wcFixture {
	t.Helper()
	f := &wcFixture{desk: newDesk(wcBotMarkdown, wcAgentMarkdown)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /wc", servePage("testdata/wc.html"))
	bundle := servePage("testdata/wc-bundle.js")
	mux.HandleFunc("GET /wc/bundle.js", func(w http.ResponseWriter, r *http.Request) {
		// The bundle's download time, as a CDN would take it.
		ms, _ := strconv.Atoi(r.URL.Query().Get("bundle"))
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		bundle(w, r)
		f.mu.Lock()
		f.bundleAt = time.Now()
		f.mu.Unlock()
	})
	mux.HandleFunc("GET /wc/ws", f.ws)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// ws is the widget's WebSocket: the visitor's frames are read as they come
// (each received when read), the desk's answers written as they are due.
func (f *wcFixture) ws(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := r.URL.Query()
	go func() {
		defer cancel()
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			at := time.Now()
			var m struct{ Text string }
			if json.Unmarshal(b, &m) == nil && strings.TrimSpace(m.Text) != "" {
				f.desk.receive(at, q)
			}
		}
	}()
	f.desk.wsWrite(ctx, conn)
}
