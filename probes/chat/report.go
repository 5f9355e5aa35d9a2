package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/probes"
)

// Bounds of the evidence kept with a result.
const (
	maxEvidenceMessages = 100
	maxEvidenceText     = 1000
	maxScreenshot       = 512 << 10
)

// Step is one step of a conversation and how long it took.
type Step struct {
	Name  string    `json:"step"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Error says why the step failed; empty when it succeeded.
	Error string `json:"error,omitempty"`
}

// Duration is how long the step took.
func (s Step) Duration() time.Duration { return s.End.Sub(s.Start) }

// Sent is one of our messages and when it left the browser.
type Sent struct {
	Text string `json:"text"`
	// At is when it left: the network event that carried it, else the send action.
	At     time.Time `json:"at"`
	Source string    `json:"source"`
	// FollowUp is true for the scenario's follow-ups.
	FollowUp bool `json:"follow_up,omitempty"`
	// Response is the time to the next person's answer; nil when none came.
	Response *time.Duration `json:"response,omitempty"`
}

// sentMessage is one of our messages before its time is resolved.
type sentMessage struct {
	Text     string
	Action   time.Time
	FollowUp bool
}

// Report is what one conversation found.
type Report struct {
	URL     string `json:"url"`
	Profile string `json:"profile"`
	// Outcome and Reason of the conversation.
	Outcome result.Outcome `json:"outcome"`
	Reason  string         `json:"reason,omitempty"`
	// Error says what went wrong in a failed step.
	Error string `json:"error,omitempty"`
	// OfflineNotice is the text of the widget's offline notice, for a
	// no_response/offline outcome: why the company's chat was closed.
	OfflineNotice string `json:"offline_notice,omitempty"`
	// T0 is when our opening message left the browser; zero when never sent.
	T0       time.Time `json:"t0,omitzero"`
	T0Source string    `json:"t0_source,omitempty"`
	// BrowserWait is how long the probe waited for its browser tab before the
	// conversation started (set by the worker's probe; nil in chat try).
	BrowserWait *time.Duration `json:"browser_wait,omitempty"`
	// WidgetReady is the time from opening the page to the input being usable.
	WidgetReady *time.Duration `json:"widget_ready,omitempty"`
	// FirstResponse and HumanResponse are measured from T0; nil when none.
	FirstResponse *time.Duration `json:"first_response,omitempty"`
	HumanResponse *time.Duration `json:"human_response,omitempty"`
	// FirstSource and HumanSource say where those times come from (network or dom).
	FirstSource string `json:"first_source,omitempty"`
	HumanSource string `json:"human_source,omitempty"`
	// Sent are our messages, the opening one first.
	Sent []Sent `json:"sent,omitempty"`
	// Messages is the transcript as the widget showed it.
	Messages []Message `json:"messages"`
	// Steps are the steps taken, with their timings.
	Steps []Step `json:"steps"`
	// Screenshot is a JPEG of the page at the end (on failure, or when asked).
	Screenshot []byte `json:"-"`
	// ScreenshotError says why a screenshot is missing.
	ScreenshotError string `json:"screenshot_error,omitempty"`
	// ObserverErrors are errors the in-page observer met.
	ObserverErrors []string `json:"observer_errors,omitempty"`
	// Typing are the showings of the typing indicator (at most maxTyping),
	// and TypingDropped how many more there were.
	Typing        []Typing `json:"typing,omitempty"`
	TypingDropped int      `json:"typing_dropped,omitempty"`

	sent    []sentMessage
	offline bool
}

// finish decides the outcome and resolves the times.
func (cv *conv) finish(ctx context.Context, err error) {
	rep := cv.rep
	cv.progress()
	cv.rec.settle(time.Second)
	rep.Messages = cv.obs.messages()
	w := newWire(cv.rec)
	cv.resolve(w)
	var se *stepError
	switch {
	case errors.As(err, &se):
		rep.Outcome, rep.Reason, rep.Error = se.outcome, se.reason, se.err.Error()
	case err != nil:
		rep.Outcome, rep.Reason, rep.Error = result.Failed, result.ReasonBrowser, err.Error()
	case rep.HumanResponse != nil:
		rep.Outcome = result.Answered
	case rep.offline:
		rep.Outcome, rep.Reason = result.NoResponse, result.ReasonOffline
	case rep.FirstResponse != nil:
		rep.Outcome, rep.Reason = result.AutoOnly, result.ReasonDeadline
	default:
		rep.Outcome, rep.Reason = result.NoResponse, result.ReasonDeadline
	}
	if cv.tab.Ctx().Err() != nil && rep.Outcome == result.Failed {
		rep.Reason = result.ReasonBrowser
	}
	if rep.Outcome == result.NoResponse && rep.Reason == result.ReasonOffline {
		rep.OfflineNotice = cv.obs.offlineNotice(cv.Profile.Offline)
	}
	gone := cv.life.gone()
	if gone != nil {
		// Our failure, whatever the steps or the widget said so far.
		rep.Outcome, rep.Reason, rep.Error = result.Failed, result.ReasonBrowser, gone.Error()
	}
	cv.obs.mu.Lock()
	rep.ObserverErrors = append([]string(nil), cv.obs.errs...)
	cv.obs.mu.Unlock()
	rep.Typing, rep.TypingDropped = cv.obs.typings()
	if gone != nil {
		rep.ScreenshotError = "no screenshot of a dead page"
	} else if (rep.Outcome == result.Failed || cv.Screenshot) && cv.tab.Ctx().Err() == nil {
		cv.showWidget(context.WithoutCancel(ctx))
		shot, err := screenshot(context.WithoutCancel(ctx), cv.top)
		switch {
		case err != nil:
			rep.ScreenshotError = err.Error()
		case len(shot) > maxScreenshot:
			rep.ScreenshotError = fmt.Sprintf("screenshot of %d bytes left out (limit %d)", len(shot), maxScreenshot)
		default:
			rep.Screenshot = shot
		}
	}
}

// showWidget scrolls the widget into view for the screenshot: the iframes
// on the way to the deepest document entered, then the first of its message
// list, input and pre-chat form that shows there (else the message list,
// which is empty, so has no size, before the first message).
func (cv *conv) showWidget(ctx context.Context) {
	d := cv.deepest
	if d == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	sels := []string{string(cv.Profile.Messages.Container), string(cv.Profile.Input)}
	if pc := cv.Profile.Prechat; pc != nil {
		sels = append(sels, string(pc.Form))
	}
	qs := make([]query, 0, len(sels)+1)
	for _, sel := range sels {
		qs = append(qs, query{Sel: sel, Visible: true})
	}
	for _, q := range append(qs, query{Sel: sels[0]}) {
		if hops, err := locate(ctx, d, q); err == nil {
			_ = reveal(ctx, hops)
			return
		}
	}
	if hops, err := frameHops(ctx, d); err == nil {
		_ = reveal(ctx, hops)
	}
}

// resolve times our messages and the answers to each.
func (cv *conv) resolve(w *wire) {
	rep := cv.rep
	for i, s := range rep.sent {
		ts := w.sentAt(s.Text, s.Action)
		rep.Sent = append(rep.Sent, Sent{Text: s.Text, At: ts.At, Source: ts.Source, FollowUp: s.FollowUp})
		if i == 0 {
			rep.T0, rep.T0Source = ts.At, ts.Source
		}
	}
	if len(rep.sent) == 0 {
		return
	}
	w.stamp(rep.Messages, rep.sent[0].Action)
	first := rep.sent[0].Action
	for i := range rep.Messages {
		m := &rep.Messages[i]
		// An answer shows after we sent, and is not older than our
		// message on the wire (a greeting can show while ours is queued).
		if m.Initial || !m.DOMAt.After(first) || !m.Author.answer() || m.At().Before(rep.T0) {
			continue
		}
		d := max(0, m.At().Sub(rep.T0))
		if rep.FirstResponse == nil {
			rep.FirstResponse, rep.FirstSource = &d, source(m)
		}
		if m.Author == AuthorAgent && rep.HumanResponse == nil {
			rep.HumanResponse, rep.HumanSource = &d, source(m)
		}
	}
	cv.followUps()
}

// followUps sets the response time of each follow-up: to the next agent
// message after it.
func (cv *conv) followUps() {
	rep := cv.rep
	for i := range rep.Sent {
		if !rep.Sent[i].FollowUp {
			continue
		}
		action := rep.sent[i].Action
		for _, m := range rep.Messages {
			if m.Author == AuthorAgent && m.DOMAt.After(action) {
				d := max(0, m.At().Sub(rep.Sent[i].At))
				rep.Sent[i].Response = &d
				break
			}
		}
	}
}

// Blobs returns the report's large evidence: the screenshot, when there is one.
// The worker keeps it in the result store and the result's evidence carries its
// reference under "screenshot".
func (r *Report) Blobs() []probes.Blob {
	if len(r.Screenshot) == 0 {
		return nil
	}
	return []probes.Blob{{Name: "screenshot", MediaType: "image/jpeg", Data: r.Screenshot}}
}

// source says where a message's time comes from.
func source(m *Message) string {
	if m.WireAt.IsZero() {
		return SourceDOM
	}
	return SourceNetwork
}

// evidence is the JSON kept with a chat result.
type evidence struct {
	*Report
	Messages []Message `json:"messages"`
	Dropped  int       `json:"messages_dropped,omitempty"`
}

// Evidence returns the report as the bounded JSON kept with the result: at
// most maxEvidenceMessages messages of at most maxEvidenceText characters.
// The screenshot is not in it: see Blobs.
func (r *Report) Evidence() []byte {
	ev := evidence{Report: r}
	for i, m := range r.Messages {
		if i >= maxEvidenceMessages {
			ev.Dropped = len(r.Messages) - i
			break
		}
		m.Text = clip(m.Text, maxEvidenceText)
		ev.Messages = append(ev.Messages, m)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil
	}
	return b
}
