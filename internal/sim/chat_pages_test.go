package sim

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// get fetches url and returns its status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestChatPages(t *testing.T) {
	captcha := chatCompany("robots", ChatIframe)
	captcha.Chat.Captcha = true
	s := startChatSim(t, chatConfig(t, chatCompany("acme", ChatIframe), chatCompany("inl", ChatInline), captcha))
	web, widget := "http://"+s.WebAddr().String(), "http://"+s.WidgetAddr().String()
	if web == widget {
		t.Fatalf("web and widget share %s: the frame would not be cross-origin", web)
	}
	acmeURL, ok := s.ChatURL("acme")
	if !ok || acmeURL != web+"/c/acme/" {
		t.Errorf("ChatURL(acme) = %q, %v; want %s/c/acme/", acmeURL, ok, web)
	}
	if u, ok := s.ChatURL("nope"); ok {
		t.Errorf("ChatURL(nope) = %q, true; want false", u)
	}
	for _, tt := range []struct {
		url  string
		want []string
	}{
		{web + "/c/acme/", []string{
			`<div id="cookie-banner">`, `<button class="accept">Accept</button>`,
			`<button class="chat-launcher" data-frame="` + widget + `/w/acme/frame">Chat with us</button>`,
			`frame.id = "chat-widget-frame"`, `<h1>Acme Outdoor</h1>`,
		}},
		{widget + "/w/acme/frame", []string{
			`<form class="prechat" novalidate>`, `<input name="name" type="text"`, `<input name="email" type="email"`,
			`<select name="topic"><option value="Sales">Sales</option><option value="Support">Support</option><option value="Billing">Billing</option></select>`,
			`<input name="consent" type="checkbox">`, `<button type="submit">Start chat</button>`,
			`el("div", "error", text)`, `el("div", "transcript")`, `el("textarea", "composer-input")`,
			`el("button", "composer-send", "Send")`, `"typing-indicator"`, ` is typing\u2026"`,
			`el("div", "offline-notice",`, `"We're offline right now. " + (reason ? reason + " " : "") + "Leave a message and we'll get back to you by email."`,
			`author === "system" ? "msg system" : "msg"`, `m.setAttribute("data-author", author)`,
			`el("span", "msg-author", name || "")`, `el("div", "msg-body", text)`,
			`post("start"`, `post("send"`, `"poll?conversation="`, `typing.remove()`,
		}},
		{widget + "/w/robots/frame", []string{`<iframe src="/w/robots/captcha" title="captcha"></iframe>`}},
		{widget + "/w/robots/captcha", []string{"I'm not a robot"}},
		{web + "/c/inl/", []string{
			`<div id="support-chat">`, `<ol class="chat-log"></ol>`,
			`<input class="chat-text" type="text" placeholder="Type a message"`,
			`"/c/" + encodeURIComponent(company) + "/ws"`, `add("from-me", text)`,
			`e.author === "bot" ? "from-them automated" : e.author === "system" ? "notice" : "from-them"`,
			`typing.className = "typing"`, `box.insertBefore(typing, input)`, `typing.remove()`,
			`JSON.stringify({type: "message", text: text})`, `ev.key !== "Enter"`,
		}},
		{web + "/", []string{`<a href="/c/acme/">Acme Outdoor</a> (iframe)`, `<a href="/c/inl/">`}},
	} {
		code, body := get(t, tt.url)
		if code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", tt.url, code)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %s", tt.url, w)
			}
		}
		if external.MatchString(body) {
			t.Errorf("GET %s loads an external resource: %s", tt.url, external.FindString(body))
		}
	}
	if _, body := get(t, widget+"/w/robots/frame"); strings.Contains(body, `<form class="prechat"`) {
		t.Errorf("the captcha frame shows the pre-chat form too")
	}
	for _, url := range []string{web + "/c/nope/", widget + "/w/inl/frame", web + "/c/acme/ws", widget + "/w/acme/captcha/x"} {
		if code, _ := get(t, url); code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", url, code)
		}
	}
}

// external finds a reference to another site: the pages must load nothing
// from elsewhere (the widget frame's URL, on loopback, is allowed).
var external = regexp.MustCompile(`(?i)<link\b|@import|(src|href)="(https?:)?//|url\(`)

func TestChatCloseEndsConnections(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := New(chatConfig(t, chatCompany("acme", ChatIframe), chatCompany("inl", ChatInline)), nil)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{}, 1)
	s.onPollWait = func(r *http.Request) {
		if r.URL.Query().Get("after") == "100" {
			waiting <- struct{}{}
		}
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ws := dialInline(t, s, "inl")
	ws.until(func(got) bool { return true })
	c := newIframeClient(t, s, "acme")
	c.start("Jane", "jane@probe.test")
	c.poll()
	c.send("Hi")
	polled := make(chan error, 1)
	go func() { // a long poll in flight: the agent answers in 300 ms, Close comes first
		resp, err := http.Get(c.base + "poll?conversation=" + c.conversation + "&after=100")
		if err == nil {
			resp.Body.Close()
		}
		polled <- err
	}()
	<-waiting
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with a long poll and a WebSocket open", d)
	}
	<-polled
	if _, ok := <-ws.in; ok {
		t.Errorf("the WebSocket got a frame after Close")
	}
	ws.conn.Close(websocket.StatusNormalClosure, "")
	http.DefaultClient.CloseIdleConnections()
	checkGoroutinesEnd(t, before)
	if code, err := http.Get("http://" + s.WebAddr().String() + "/c/inl/"); err == nil {
		code.Body.Close()
		t.Errorf("GET after Close = %d, want a refused connection", code.StatusCode)
	}
}
