package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"time"
)

// defaultPollHold is how long a long poll waits for an event before it
// answers with none.
const defaultPollHold = 25 * time.Second

// startWeb serves the company sites on web and the widget host on widget, in
// the background; both nil when no company has chat. It runs with s.mu held.
func (s *Sim) startWeb(web, widget net.Listener) {
	if web == nil {
		return
	}
	s.webAddr, s.widgetAddr = web.Addr(), widget.Addr()
	s.webSrv, s.widgetSrv = s.newWebServer(s.siteRoutes()), s.newWebServer(s.widgetRoutes())
	s.serve(func() error { return s.webSrv.Serve(web) }, "web")
	s.serve(func() error { return s.widgetSrv.Serve(widget) }, "widget")
	for _, id := range s.chatIDs() {
		u, _ := s.chatURLLocked(id)
		s.log.Info("chat site", "company", id, "style", s.chat.desks[id].co.Chat.Style, "url", u)
	}
}

// newWebServer returns an HTTP server for h whose requests end when the
// simulator closes. No write timeout: long polls and WebSockets last.
func (s *Sim) newWebServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           s.tracked(h),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.webCtx },
		ErrorLog:          slog.NewLogLogger(s.log.With("server", "web").Handler(), slog.LevelWarn),
	}
}

// siteRoutes are the company sites: an index, /c/{id}/ and the inline
// widget's WebSocket /c/{id}/ws.
func (s *Sim) siteRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleIndex)
	mux.HandleFunc("GET /c/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/c/"+url.PathEscape(r.PathValue("id"))+"/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /c/{id}/{$}", s.handleSite)
	mux.HandleFunc("GET /c/{id}/ws", s.handleWS)
	mux.HandleFunc("GET /favicon.ico", noContent)
	return mux
}

// widgetRoutes are the widget host's: the iframe widget's frame, captcha and API.
func (s *Sim) widgetRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /w/{id}/frame", s.handleFrame)
	mux.HandleFunc("GET /w/{id}/captcha", s.handleCaptcha)
	mux.HandleFunc("POST /w/{id}/api/start", s.handleStart)
	mux.HandleFunc("POST /w/{id}/api/send", s.handleSend)
	mux.HandleFunc("GET /w/{id}/api/poll", s.handlePoll)
	mux.HandleFunc("GET /favicon.ico", noContent)
	return mux
}

// noContent answers 204: no favicon, and no 404 in the browser's console.
func noContent(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }

// tracked counts h's running requests so that Close waits for them, and
// refuses new ones once Close has begun.
func (s *Sim) tracked(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.enter() {
			http.Error(w, "simulator stopping", http.StatusServiceUnavailable)
			return
		}
		defer s.handlers.Done()
		h.ServeHTTP(w, r)
	})
}

// enter registers a running request; false once Close has begun.
func (s *Sim) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.handlers.Add(1)
	return true
}

// closeWeb stops the web servers and ends the requests in flight (long polls
// and WebSockets watch s.webCtx).
func (s *Sim) closeWeb() []error {
	s.webStop()
	var errs []error
	for name, srv := range map[string]*http.Server{"web": s.webSrv, "widget": s.widgetSrv} {
		if srv == nil {
			continue
		}
		if err := srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("close %s: %w", name, err))
		}
	}
	return errs
}

// deskFor returns the chat desk of the request's {id} when it has style (any
// style when ""), else answers 404 and returns nil.
func (s *Sim) deskFor(w http.ResponseWriter, r *http.Request, style ChatStyle) *chatDesk {
	d := s.chat.desks[r.PathValue("id")]
	if d == nil || (style != "" && d.co.Chat.Style != style) {
		http.NotFound(w, r)
		return nil
	}
	return d
}

// WebAddr returns the address the company sites listen on (nil before Start,
// and when no company has chat).
func (s *Sim) WebAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webAddr
}

// WidgetAddr returns the address the widget host listens on (nil before Start,
// and when no company has chat).
func (s *Sim) WidgetAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.widgetAddr
}

// ChatURL returns the URL of a chat company's web page, http://WEBADDR/c/{id}/;
// false when the company has no chat or the simulator has not started.
func (s *Sim) ChatURL(companyID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chatURLLocked(companyID)
}

// chatURLLocked is ChatURL with s.mu held.
func (s *Sim) chatURLLocked(companyID string) (string, bool) {
	if s.chat.desks[companyID] == nil || s.webAddr == nil {
		return "", false
	}
	return "http://" + urlHost(s.webAddr, "") + "/c/" + companyID + "/", true
}

// chatIDs returns the ids of the chat companies, sorted.
func (s *Sim) chatIDs() []string {
	ids := make([]string, 0, len(s.chat.desks))
	for id := range s.chat.desks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// urlHost returns the host:port for a URL reaching listener address a. When a
// listens on all interfaces, the host is reqHost's (the host a browser used to
// reach the simulator), or loopback.
func urlHost(a net.Addr, reqHost string) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if !ta.IP.IsUnspecified() {
		return ta.String()
	}
	host := "127.0.0.1"
	if h, _, err := net.SplitHostPort(reqHost); err == nil && h != "" {
		host = h
	} else if reqHost != "" && err != nil {
		host = reqHost
	}
	return net.JoinHostPort(host, fmt.Sprint(ta.Port))
}
