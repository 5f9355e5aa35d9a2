package chat

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Limits of what the recorder keeps, so that a chatty or hostile page cannot
// grow the probe's memory without end.
const (
	maxPayload     = 64 << 10 // bytes of one request body, frame or response body
	maxWireEvents  = 2000     // events kept per direction
	maxBodyFetches = 4        // response bodies read at once
)

// wireEvent is one crossing of the wire that may carry a message: a request
// body or WebSocket frame going out, a response or frame coming in.
type wireEvent struct {
	At      time.Time
	Kind    string // "request", "response", "ws", "sse"
	Payload string
	// Done is set on a request once its response headers arrived or it
	// failed: a widget acts on what it sent only then.
	Done bool
}

// recorder keeps the network events of a conversation's sessions, with their
// times converted from the browser's monotonic clock to wall time.
type recorder struct {
	mu       sync.Mutex
	out, in  []wireEvent
	offset   map[*session]float64 // wall time minus monotonic time, seconds
	resp     map[network.RequestID]float64
	outReq   map[network.RequestID]int // index in out of a request body
	pending  atomic.Int32              // response bodies being read
	fetchSem chan struct{}
	ctx      context.Context
}

// newRecorder returns a recorder whose body reads end with ctx.
func newRecorder(ctx context.Context) *recorder {
	return &recorder{
		offset:   map[*session]float64{},
		resp:     map[network.RequestID]float64{},
		outReq:   map[network.RequestID]int{},
		fetchSem: make(chan struct{}, maxBodyFetches),
		ctx:      ctx,
	}
}

// attach records the network events of s from now on.
func (r *recorder) attach(ctx context.Context, s *session) error {
	if _, err := call(ctx, s, network.Enable, network.EnableParams{MaxPostDataSize: new(int64(maxPayload))}); err != nil {
		return err
	}
	return chromedp.Listen(s.ctx, func(ev any) { r.event(s, ev) })
}

// event handles one event; it runs on the session's reading goroutine, so it
// only files the event (reading a body is left to a goroutine).
func (r *recorder) event(s *session, ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.offset[s] = float64(e.WallTime) - float64(e.Timestamp)
		if e.Request != nil && e.Request.HasPostData {
			var body []byte
			for _, p := range e.Request.PostDataEntries {
				body = append(body, p.Bytes...)
			}
			if r.add(&r.out, s, e.Timestamp, "request", body) {
				r.outReq[e.RequestID] = len(r.out) - 1
			}
		}
	case *network.EventWebSocketWillSendHandshakeRequest:
		r.offset[s] = float64(e.WallTime) - float64(e.Timestamp)
	case *network.EventWebSocketFrameSent:
		if e.Response != nil {
			r.add(&r.out, s, e.Timestamp, "ws", e.Response.PayloadData)
		}
	case *network.EventWebSocketFrameReceived:
		if e.Response != nil {
			r.add(&r.in, s, e.Timestamp, "ws", e.Response.PayloadData)
		}
	case *network.EventEventSourceMessageReceived:
		r.add(&r.in, s, e.Timestamp, "sse", []byte(e.Data))
	case *network.EventResponseReceived:
		r.responded(s, e)
	case *network.EventLoadingFinished:
		at, ok := r.resp[e.RequestID]
		if !ok {
			return
		}
		delete(r.resp, e.RequestID)
		r.pending.Add(1)
		go r.fetchBody(s, e.RequestID, cdp.MonotonicTime(at))
	case *network.EventLoadingFailed:
		delete(r.resp, e.RequestID)
		if i, ok := r.outReq[e.RequestID]; ok {
			r.out[i].Done = true
		}
		delete(r.outReq, e.RequestID)
	}
}

// responded notes when a response's headers arrived, and refines the time
// our request went out with the request's own timing: when its bytes were
// written, rather than when the page asked for it. r.mu is held.
func (r *recorder) responded(s *session, e *network.EventResponseReceived) {
	var tm *network.ResourceTiming
	if e.Response != nil {
		tm = e.Response.Timing
	}
	if i, ok := r.outReq[e.RequestID]; ok {
		delete(r.outReq, e.RequestID)
		r.out[i].Done = true
		if tm != nil && tm.SendEnd >= 0 {
			r.out[i].At = r.wall(s, tm.RequestTime+tm.SendEnd/1000)
		}
	}
	if e.Type != network.ResourceTypeXHR && e.Type != network.ResourceTypeFetch {
		return
	}
	at := float64(e.Timestamp)
	if tm != nil && tm.ReceiveHeadersStart > 0 {
		at = tm.RequestTime + tm.ReceiveHeadersStart/1000
	}
	r.resp[e.RequestID] = at
}

// add files one event; r.mu is held. It reports whether the event was kept.
func (r *recorder) add(list *[]wireEvent, s *session, ts cdp.MonotonicTime, kind string, payload []byte) bool {
	if len(payload) == 0 || len(*list) >= maxWireEvents {
		return false
	}
	if len(payload) > maxPayload {
		payload = payload[:maxPayload]
	}
	*list = append(*list, wireEvent{At: r.wall(s, float64(ts)), Kind: kind, Payload: string(payload)})
	return true
}

// wall converts a monotonic timestamp of s to wall time; r.mu is held.
func (r *recorder) wall(s *session, ts float64) time.Time {
	off, ok := r.offset[s]
	if !ok {
		return time.Time{}
	}
	sec, frac := math.Modf(off + ts)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// fetchBody reads a response body and files it as arriving when its
// response headers did: a long poll answers with headers and body at once.
func (r *recorder) fetchBody(s *session, id network.RequestID, at cdp.MonotonicTime) {
	defer r.pending.Add(-1)
	select {
	case r.fetchSem <- struct{}{}:
		defer func() { <-r.fetchSem }()
	case <-r.ctx.Done():
		return
	}
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	b, err := call(ctx, s, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
	if err != nil {
		return
	}
	r.mu.Lock()
	r.add(&r.in, s, at, "response", b.Body)
	r.mu.Unlock()
}

// settle waits, up to limit, for the response bodies being read.
func (r *recorder) settle(limit time.Duration) {
	for end := time.Now().Add(limit); r.pending.Load() > 0 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
}

// snapshot returns copies of the events so far.
func (r *recorder) snapshot() (out, in []wireEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]wireEvent(nil), r.out...), append([]wireEvent(nil), r.in...)
}
