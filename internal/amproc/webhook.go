package amproc

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Notification is what Alertmanager's webhook receiver posts (payload version 4).
type Notification struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []NotifiedAlert   `json:"alerts"`
	// Path is the URL path the notification was posted to (set by the receiver): one
	// webhook can stand for several Alertmanager receivers.
	Path string `json:"-"`
	// At is when it arrived (set by the receiver).
	At time.Time `json:"-"`
}

// NotifiedAlert is one alert of a Notification.
type NotifiedAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Webhook is an HTTP server on loopback that records Alertmanager's webhook
// notifications, on any path.
type Webhook struct {
	// URL is its base URL, http://127.0.0.1:PORT.
	URL string
	// C receives each notification as it arrives (buffered; a full buffer drops none:
	// every notification is also kept for All).
	C chan Notification

	srv *http.Server
	mu  sync.Mutex
	all []Notification
}

// StartWebhook starts a webhook receiver on a free 127.0.0.1 port.
func StartWebhook() (*Webhook, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w := &Webhook{URL: "http://" + l.Addr().String(), C: make(chan Notification, 256)}
	w.srv = &http.Server{Handler: http.HandlerFunc(w.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = w.srv.Serve(l) }()
	return w, nil
}

func (w *Webhook) serve(rw http.ResponseWriter, r *http.Request) {
	var n Notification
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&n); err != nil {
		http.Error(rw, "bad notification: "+err.Error(), http.StatusBadRequest)
		return
	}
	n.Path, n.At = r.URL.Path, time.Now()
	w.mu.Lock()
	w.all = append(w.all, n)
	w.mu.Unlock()
	select {
	case w.C <- n:
	default:
	}
	rw.WriteHeader(http.StatusOK)
}

// All returns every notification received so far.
func (w *Webhook) All() []Notification {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Notification(nil), w.all...)
}

// Close stops the receiver.
func (w *Webhook) Close() error {
	if err := w.srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
