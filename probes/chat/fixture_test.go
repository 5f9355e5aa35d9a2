package chat

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/probes/chat/browser"
	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

//go:embed testdata/*.html
var pagesFS embed.FS

// pool is the browser of the tests: the headless shell, whose path is shell.
var (
	pool  *browser.Pool
	shell string
)

func TestMain(m *testing.M) {
	var err error
	if shell, err = browser.HeadlessShell(); err == nil {
		pool, err = browser.New(browser.Options{ExecPath: shell, MaxConcurrent: 8})
	}
	if err != nil {
		// A missing Chromium fails the tests; it never skips them.
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := pool.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "closing the pool:", err)
		code = 1
	}
	os.Exit(code)
}

// fixture is a tiny chat service behind the test pages: our message is
// answered by a bot and an agent after delays the page's query gives (ms),
// and the server notes when each answer went out.
type fixture struct {
	srv   *httptest.Server
	mu    sync.Mutex
	convs map[string]*fixConv
	forms map[string]string // conversation: the name its pre-chat form gave
	marks []time.Time       // when pages said something happened
}

// fixConv is one conversation of the fixture.
type fixConv struct {
	received  time.Time
	msgs      []fixMsg
	delivered map[int]time.Time
	wake      chan struct{}
}

// fixMsg is one answer.
type fixMsg struct {
	Seq    int    `json:"seq"`
	Author string `json:"author"`
	Text   string `json:"text"`
}

// newFixture serves the test pages and the chat API on loopback.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{convs: map[string]*fixConv{}, forms: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /longpoll", f.page("testdata/longpoll.html"))
	mux.HandleFunc("GET /framehost", f.page("testdata/framehost.html"))
	mux.HandleFunc("GET /nowidget", f.page("testdata/nowidget.html"))
	mux.HandleFunc("GET /nest", f.page("testdata/nest.html"))
	mux.HandleFunc("GET /tallwidget", f.page("testdata/tallwidget.html"))
	mux.HandleFunc("GET /panel", f.page("testdata/panel.html"))
	mux.HandleFunc("POST /api/start", f.start)
	mux.HandleFunc("POST /api/mark", f.mark)
	mux.HandleFunc("GET /never-answers.js", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("GET /redirect", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		http.Redirect(w, r, "/redirect?n="+strconv.Itoa(n+1), http.StatusFound)
	})
	mux.HandleFunc("GET /reload", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`<html><body><script>location.replace("/reload?" + Math.random())</script></body></html>`))
	})
	mux.HandleFunc("POST /api/send", f.send)
	mux.HandleFunc("GET /api/poll", f.poll)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// page serves one embedded page.
func (f *fixture) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := pagesFS.ReadFile(name)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(b)
	}
}

// conv returns conversation id, made on first use.
func (f *fixture) conv(id string) *fixConv {
	c, ok := f.convs[id]
	if !ok {
		c = &fixConv{delivered: map[int]time.Time{}, wake: make(chan struct{})}
		f.convs[id] = c
	}
	return c
}

// send takes our message and schedules the answers.
func (f *fixture) send(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	var in struct{ Conv, Text string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	c := f.conv(in.Conv)
	first := c.received.IsZero()
	if first {
		c.received = now
	}
	f.mu.Unlock()
	if first {
		f.later(in.Conv, r.URL.Query().Get("bot"), "bot", "Thanks! Someone will be with you shortly.")
		f.later(in.Conv, r.URL.Query().Get("agent"), "agent", "Hi, this is Ann ("+in.Conv+"). Happy to help!")
	}
	w.WriteHeader(http.StatusNoContent)
}

// start takes a pre-chat form: the conversation starts.
func (f *fixture) start(w http.ResponseWriter, r *http.Request) {
	var in struct{ Conv, Name string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if ms, err := strconv.Atoi(r.URL.Query().Get("start")); err == nil && ms > 0 {
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
	}
	f.mu.Lock()
	f.forms[in.Conv] = in.Name
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// mark notes the time (ms since the epoch, by the page's clock) a page
// sends as its body.
func (f *fixture) mark(w http.ResponseWriter, r *http.Request) {
	var ms float64
	if err := json.NewDecoder(r.Body).Decode(&ms); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.marks = append(f.marks, msTime(ms))
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// started returns the names pre-chat forms gave, one per conversation started.
func (f *fixture) started() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range f.forms {
		out = append(out, n)
	}
	return out
}

// later adds an answer after ms milliseconds; "" or a negative value adds none.
func (f *fixture) later(conv, ms, author, text string) {
	n, err := strconv.Atoi(ms)
	if err != nil || n < 0 {
		return
	}
	time.AfterFunc(time.Duration(n)*time.Millisecond, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		c := f.conv(conv)
		c.msgs = append(c.msgs, fixMsg{Seq: len(c.msgs) + 1, Author: author, Text: text})
		close(c.wake)
		c.wake = make(chan struct{})
	})
}

// poll answers with the messages after the page's last one, waiting up to
// 10 s for one.
func (f *fixture) poll(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("conv")
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	deadline := time.After(10 * time.Second)
	for {
		f.mu.Lock()
		c := f.conv(id)
		if len(c.msgs) > after {
			out := c.msgs[after:]
			b, _ := json.Marshal(out)
			now := time.Now()
			for _, m := range out {
				if _, ok := c.delivered[m.Seq]; !ok {
					c.delivered[m.Seq] = now
				}
			}
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(b)
			return
		}
		wake := c.wake
		f.mu.Unlock()
		select {
		case <-wake:
		case <-deadline:
			_, _ = w.Write([]byte("[]"))
			return
		case <-r.Context().Done():
			return
		}
	}
}

// truth returns, for the only conversation, when our message arrived and
// when each author's first answer went out.
func (f *fixture) truth(t *testing.T) (received time.Time, first map[string]time.Time) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.convs) != 1 {
		t.Fatalf("fixture has %d conversations, want 1", len(f.convs))
	}
	first = map[string]time.Time{}
	for _, c := range f.convs {
		received = c.received
		for _, m := range c.msgs {
			if _, ok := first[m.Author]; !ok {
				first[m.Author] = c.delivered[m.Seq]
			}
		}
	}
	return received, first
}

// fixtureProfile is the profile of the long-poll test page.
const fixtureProfile = `
name: fixture
page: {ready: "#chat"}
input: "#chat input.text"
send: {key: Enter}
messages:
  container: "#chat ol.log"
  item: "li"
  ours: {selector: ".me"}
  agent: {selector: ".them"}
  bot: {selector: ".them.bot"}
timeouts: {page_load: 10s, widget: 5s, send: 5s}
`

// mustProfile parses a profile or fails the test.
func mustProfile(t *testing.T, src string) *profile.Profile {
	t.Helper()
	p, err := profile.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("profile: %v", err)
	}
	return p
}
