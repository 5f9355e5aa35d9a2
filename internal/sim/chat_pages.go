package sim

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

// assets are the pages of the chat side: HTML with inline CSS and JS, nothing
// loaded from elsewhere.
//
//go:embed assets/*.html
var assets embed.FS

// pages are the parsed templates of assets, by file name.
var pages = template.Must(template.ParseFS(assets, "assets/*.html"))

// pageData is what the page templates show.
type pageData struct {
	ID, Name, AgentName string
	Style               ChatStyle
	FrameURL            string // the iframe widget's frame, on the widget host
	Captcha             bool
}

// pageData returns the page data of desk d; reqHost is the Host the browser used.
func (s *Sim) pageData(d *chatDesk, reqHost string) pageData {
	co := d.co
	return pageData{
		ID: co.ID, Name: co.Name, AgentName: co.Chat.AgentName, Style: co.Chat.Style, Captcha: co.Chat.Captcha,
		FrameURL: "http://" + urlHost(s.WidgetAddr(), reqHost) + "/w/" + co.ID + "/frame",
	}
}

// handleIndex is GET / on the web address: links to every chat site.
func (s *Sim) handleIndex(w http.ResponseWriter, r *http.Request) {
	var list []pageData
	for _, id := range s.chatIDs() {
		list = append(list, s.pageData(s.chat.desks[id], r.Host))
	}
	render(w, "index.html", list)
}

// handleSite is GET /c/{id}/: the company's page with its widget.
func (s *Sim) handleSite(w http.ResponseWriter, r *http.Request) {
	d := s.deskFor(w, r, "")
	if d == nil {
		return
	}
	name := "site-iframe.html"
	if d.co.Chat.Style == ChatInline {
		name = "site-inline.html"
	}
	render(w, name, s.pageData(d, r.Host))
}

// handleFrame is GET /w/{id}/frame on the widget host: the iframe widget
// (its pre-chat form, or the captcha).
func (s *Sim) handleFrame(w http.ResponseWriter, r *http.Request) {
	if d := s.deskFor(w, r, ChatIframe); d != nil {
		render(w, "frame.html", s.pageData(d, r.Host))
	}
}

// handleCaptcha is GET /w/{id}/captcha: a challenge nobody can pass.
func (s *Sim) handleCaptcha(w http.ResponseWriter, r *http.Request) {
	if d := s.deskFor(w, r, ChatIframe); d != nil {
		render(w, "captcha.html", s.pageData(d, r.Host))
	}
}

// render writes template name with data as an uncached HTML page.
func render(w http.ResponseWriter, name string, data any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}
