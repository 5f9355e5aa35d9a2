package chat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/emulation"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

// prechat fills and submits the pre-chat form, when the profile has one. An
// optional form is waited for only until the input shows.
func (cv *conv) prechat(ctx context.Context, w *doc) error {
	pc := cv.Profile.Prechat
	if pc == nil {
		return nil
	}
	p := cv.Profile
	qs := []query{{Sel: string(pc.Form), Visible: true, Captcha: captchaSel(p)}}
	if pc.Optional {
		qs = append(qs, query{Sel: string(p.Input), Visible: true, Captcha: captchaSel(p)})
	}
	shown, err := waitAny(ctx, w, p.Timeouts.Widget.D(), cv.offline, qs...)
	var se *stepError
	switch {
	case errors.As(err, &se):
		return cv.step("prechat", func() error { return se })
	case err != nil && pc.Optional && !errors.Is(err, errCaptcha):
		return nil
	case err != nil:
		return cv.step("prechat", func() error { return fail(result.ReasonWidgetNotFound, fmt.Errorf("pre-chat form: %w", err)) })
	case shown == 1:
		cv.Log.Debug("no pre-chat form: the input showed first")
		return nil
	}
	return cv.step("prechat", func() error {
		fctx, cancel := context.WithTimeout(ctx, p.Timeouts.Form.D())
		defer cancel()
		var values []string
		for i := range pc.Fields {
			v, err := cv.field(fctx, w, pc, &pc.Fields[i])
			if err != nil {
				return fail(result.ReasonFormRejected, fmt.Errorf("field %d (%s): %w", i, pc.Fields[i].Selector, err))
			}
			if v != "" {
				values = append(values, v)
			}
		}
		at, err := clickTimed(fctx, cv.top, w, query{Sel: string(pc.Submit), Visible: true})
		if err != nil {
			return fail(result.ReasonFormRejected, fmt.Errorf("submit: %w", err))
		}
		return cv.accepted(fctx, w, pc, at, values)
	})
}

// field fills one field of the pre-chat form. It returns the text typed
// into a text field, "" for other fields and a missing optional one.
func (cv *conv) field(ctx context.Context, w *doc, pc *profile.Prechat, f *profile.Field) (string, error) {
	q := query{Sel: string(f.Selector), Scope: string(pc.Form)}
	var st state
	if err := w.invoke(ctx, "state", q.in(w), &st); err != nil {
		return "", err
	}
	if !st.Found {
		if f.Optional {
			return "", nil
		}
		return "", errors.New("not found in the form")
	}
	value := cv.Profile.Render(string(f.Value), cv.Vars)
	switch f.Type {
	case profile.FieldSelect:
		return "", choose(ctx, w, q, value)
	case profile.FieldCheckbox:
		return "", check(ctx, cv.top, w, q, value != "false")
	default:
		return normalize(value), typeText(ctx, w, q, value)
	}
}

// accepted waits until the widget took the form submitted at clicked (the
// form went away, or a request carrying its values went out) and the input
// is usable. The rejected notice showing first means the form was refused.
func (cv *conv) accepted(ctx context.Context, w *doc, pc *profile.Prechat, clicked time.Time, values []string) error {
	in := query{Sel: string(cv.Profile.Input), Visible: true, Captcha: captchaSel(cv.Profile)}
	form := query{Sel: string(pc.Form), Visible: true}
	taken := false
	last, timedOut := poll(ctx, func() (bool, error) {
		if !taken {
			st, err := w.look(ctx, form)
			if err != nil {
				return false, err
			}
			taken = !st.Found || cv.started(clicked, values)
			if taken && st.Found {
				// Taken by the wire: the page acts on the response after
				// the browser reports it, so look again at the next poll.
				return false, nil
			}
		}
		st, err := w.look(ctx, in)
		switch {
		case err != nil:
			return false, err
		case st.Captcha:
			return false, errStop{fail(result.ReasonCaptcha, errCaptcha)}
		case taken && st.Found:
			return true, nil
		}
		if pc.Rejected != nil {
			var texts []string
			if w.invoke(ctx, "noticeTexts", query{Shadow: w.shadow, Sel: string(pc.Rejected.Selector)}, &texts) == nil && noticeShown(pc.Rejected, texts) {
				return false, errStop{fail(result.ReasonFormRejected, fmt.Errorf("the widget refused the form: %q", clip(firstText(texts), 200)))}
			}
		}
		if err := cv.offline(); err != nil {
			return false, errStop{err}
		}
		return false, nil
	})
	switch {
	case timedOut && !taken:
		return fail(result.ReasonFormRejected, errors.New("the widget did not take the form: it still shows, and no request carrying it went out and was answered"))
	case timedOut:
		return fail(result.ReasonFormRejected, errors.New("the input did not show after submitting the form"))
	}
	return last
}

// started reports whether a request or WebSocket frame that went out since
// t carries one of values (as the page sent it, JSON-escaped or URL-encoded);
// for a form without text values, whether any went out. A request counts
// once its response arrived: a widget that starts the conversation with it
// ignores a message typed before the server answered.
func (cv *conv) started(t time.Time, values []string) bool {
	w := newWire(cv.rec)
	for i := range w.out {
		ev := &w.out[i]
		if ev.At.IsZero() || ev.At.Before(t.Add(-sendSlack)) || (ev.Kind == "request" && !ev.Done) {
			continue
		}
		if len(values) == 0 {
			return true
		}
		for _, v := range values {
			if w.carries(ev, v) || strings.Contains(ev.Payload, url.QueryEscape(v)) {
				return true
			}
		}
	}
	return false
}

// offline stops the widget's waits when the offline notice shows.
func (cv *conv) offline() error {
	if cv.obs.shown("offline", cv.Profile.Offline) {
		return &stepError{outcome: result.NoResponse, reason: result.ReasonOffline, err: errors.New("the widget says the team is offline")}
	}
	return nil
}

// firstText returns the first of texts, "" when none.
func firstText(texts []string) string {
	if len(texts) == 0 {
		return ""
	}
	return texts[0]
}

// ready waits for the input; the offline notice showing instead is
// no_response/offline at once.
func (cv *conv) ready(ctx context.Context, w *doc) error {
	return cv.step("input", func() error {
		q := query{Sel: string(cv.Profile.Input), Visible: true, Captcha: captchaSel(cv.Profile)}
		_, err := waitAny(ctx, w, cv.Profile.Timeouts.Widget.D(), cv.offline, q)
		var se *stepError
		if errors.As(err, &se) {
			return se
		}
		if err != nil {
			return fail(result.ReasonWidgetNotFound, fmt.Errorf("input: %w", err))
		}
		ready := time.Since(cv.start)
		cv.rep.WidgetReady = &ready
		return nil
	})
}

// talk sends the opening message, waits for answers, and sends the
// follow-ups.
func (cv *conv) talk(ctx context.Context, w *doc) error {
	if cv.BeforeSend != nil {
		if err := cv.BeforeSend(ctx); err != nil {
			return fail(result.ReasonProbeError, fmt.Errorf("record the conversation before sending: %w", err))
		}
	}
	sent, err := cv.send(ctx, w, cv.Message, "send")
	if err != nil {
		return err
	}
	cv.rep.sent = append(cv.rep.sent, sentMessage{Text: cv.Message, Action: sent})
	deadline := sent.Add(cv.Abandon)
	if err := cv.await(ctx, sent, deadline, true); err != nil {
		return err
	}
	for i, text := range cv.FollowUps {
		if !cv.humanAfter(sent) {
			break
		}
		at, err := cv.send(ctx, w, text, fmt.Sprintf("follow_up[%d]", i))
		if err != nil {
			cv.Log.Debug("follow-up not sent", "err", err)
			break
		}
		cv.rep.sent = append(cv.rep.sent, sentMessage{Text: text, Action: at, FollowUp: true})
		sent = at
		if err := cv.await(ctx, at, deadline, false); err != nil {
			return err
		}
	}
	return nil
}

// send types text and sends it, then waits for it to show as ours. It
// returns the moment the send was triggered.
func (cv *conv) send(ctx context.Context, w *doc, text, name string) (time.Time, error) {
	var at time.Time
	err := cv.step(name, func() error {
		p := cv.Profile
		sctx, cancel := context.WithTimeout(ctx, p.Timeouts.Send.D())
		defer cancel()
		in := query{Sel: string(p.Input), Visible: true}
		_, _ = call(sctx, cv.top, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		cv.obs.remember(text)
		_ = w.invoke(sctx, "remember", text, nil)
		if err := typeText(sctx, w, in, text); err != nil {
			return fail(result.ReasonSendFailed, fmt.Errorf("type the message: %w", err))
		}
		var err error
		if p.Send.Key != "" {
			at = time.Now()
			err = pressKey(sctx, w, in, p.Send.Key)
		} else {
			// The moment of the click, after aiming at the button.
			at, err = clickTimed(sctx, cv.top, w, query{Sel: string(p.Send.Selector), Visible: true})
		}
		if err != nil {
			return fail(result.ReasonSendFailed, fmt.Errorf("send: %w", err))
		}
		if err := cv.shows(sctx, text, at); err != nil {
			return err
		}
		cv.idle(sctx, w)
		return nil
	})
	return at, err
}

// idle leaves the page alone while waiting: no focused field, no emulated
// focus, so that a page with a blinking caret does not repaint twice a second
// in every conversation held.
func (cv *conv) idle(ctx context.Context, w *doc) {
	_ = w.invoke(ctx, "idle", nil, nil)
	_, _ = call(ctx, cv.top, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: false})
}

// shows waits until our message text shows in the list after at.
func (cv *conv) shows(ctx context.Context, text string, at time.Time) error {
	want := normalize(text)
	for {
		for _, m := range cv.obs.messages() {
			if m.Author == AuthorOurs && !m.DOMAt.Before(at.Add(-time.Second)) && (m.Text == want || len(m.Text) > len(want) && strings.Contains(m.Text, want)) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fail(result.ReasonSendFailed, errors.New("our message did not show in the message list"))
		case <-cv.obs.changed:
		case <-time.After(time.Second):
		}
	}
}

// await waits, until deadline, for a person to answer after since. The
// first wait also ends on the offline notice or the captcha.
func (cv *conv) await(ctx context.Context, since, deadline time.Time, first bool) error {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		cv.progress()
		switch {
		case cv.humanAfter(since):
			return nil
		case cv.obs.shown("captcha", captchaNotice(cv.Profile)):
			return fail(result.ReasonCaptcha, errCaptcha)
		case first && !cv.answerAfter(since) && cv.obs.shown("offline", cv.Profile.Offline):
			cv.rep.offline = true
			return nil
		}
		select {
		case <-ctx.Done():
			if gone := cv.life.gone(); gone != nil {
				return fail(result.ReasonBrowser, gone)
			}
			return fail(result.ReasonBrowser, fmt.Errorf("conversation stopped: %w", ctx.Err()))
		case <-cv.tab.Ctx().Done():
			return fail(result.ReasonBrowser, errors.New("the browser went away mid-conversation"))
		case <-timer.C:
			return nil
		case <-cv.obs.changed:
		case <-time.After(time.Second):
		}
	}
}

// progress reports the messages and typing indicator changes not reported yet.
func (cv *conv) progress() { cv.progressUntil(time.Time{}) }

// progressUntil reports the messages and typing indicator changes not reported
// yet that happened by until (all of them for a zero until), in the order they
// happened.
func (cv *conv) progressUntil(until time.Time) {
	msgs := cv.obs.messages()
	ts, _ := cv.obs.typings()
	by := func(t time.Time) bool { return until.IsZero() || !t.After(until) }
	var evs []Event
	at := func(ev Event) time.Time {
		switch {
		case ev.Message != nil:
			return ev.Message.DOMAt
		case ev.Typing.End.IsZero():
			return ev.Typing.Start
		}
		return ev.Typing.End
	}
	for ; cv.reported < len(msgs) && by(msgs[cv.reported].DOMAt); cv.reported++ {
		evs = append(evs, Event{Message: &msgs[cv.reported]})
	}
	for ; cv.typingShown < len(ts) && by(ts[cv.typingShown].Start); cv.typingShown++ {
		evs = append(evs, Event{Typing: &Typing{Start: ts[cv.typingShown].Start}})
	}
	for ; cv.typingGone < len(ts) && !ts[cv.typingGone].End.IsZero() && by(ts[cv.typingGone].End); cv.typingGone++ {
		evs = append(evs, Event{Typing: &ts[cv.typingGone]})
	}
	if cv.Progress == nil {
		return
	}
	slices.SortStableFunc(evs, func(a, b Event) int { return at(a).Compare(at(b)) })
	for _, ev := range evs {
		cv.Progress(ev)
	}
}

// captchaNotice is the captcha as a selector-only notice.
func captchaNotice(p *profile.Profile) *profile.Notice {
	if p.Captcha == nil {
		return nil
	}
	return &profile.Notice{Selector: p.Captcha.Selector}
}

// humanAfter reports whether an agent's message showed after t.
func (cv *conv) humanAfter(t time.Time) bool {
	for _, m := range cv.obs.messages() {
		if m.Author == AuthorAgent && !m.Initial && m.DOMAt.After(t) {
			return true
		}
	}
	return false
}

// answerAfter reports whether any answer showed after t.
func (cv *conv) answerAfter(t time.Time) bool {
	for _, m := range cv.obs.messages() {
		if m.Author.answer() && !m.Initial && m.DOMAt.After(t) {
			return true
		}
	}
	return false
}
