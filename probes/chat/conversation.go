package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/probes"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

// Conversation is one chat conversation to hold: a page, its widget's
// profile, what to say, and how long to wait for an answer.
type Conversation struct {
	// URL of the page carrying the widget.
	URL string
	// Profile describes the widget.
	Profile *profile.Profile
	// Message is the opening message.
	Message string
	// FollowUps are sent one by one, each after the previous message was
	// answered by a person.
	FollowUps []string
	// Vars fill the profile's templates (the pre-chat form).
	Vars profile.Vars
	// Abandon is how long to wait for a human answer after sending
	// (default campaign.DefaultChatDeadline).
	Abandon time.Duration
	// Screenshot takes a screenshot at the end whatever the outcome; by
	// default only a failed conversation gets one.
	Screenshot bool
	// BeforeSend, when set, is called once, before the opening message is
	// typed: the worker records there that the company is about to see a message
	// (a probe with such a record is never started again). An error ends the
	// conversation failed/probe_error with nothing sent.
	BeforeSend func(ctx context.Context) error
	// Log receives debug logs; nil discards them.
	Log *slog.Logger
	// Progress, when set, is called after each step and for each message as
	// it shows (stakeout chat try prints them).
	Progress func(Event)
}

// Event is one thing a conversation reports while it runs.
type Event struct {
	// Step is set when a step ended.
	Step *Step
	// Message is set when a message showed.
	Message *Message
	// Typing is set when the typing indicator showed (End is zero) and
	// when it went away.
	Typing *Typing
}

// step failure: a reason and what happened.
type stepError struct {
	outcome result.Outcome
	reason  string
	err     error
}

func (e *stepError) Error() string { return e.reason + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// fail returns a failed-outcome step error.
func fail(reason string, err error) *stepError {
	if errors.Is(err, errCaptcha) {
		reason = result.ReasonCaptcha
	}
	return &stepError{outcome: result.Failed, reason: reason, err: err}
}

// conv is a conversation being held.
type conv struct {
	*Conversation
	tab   *browser.Tab
	top   *session
	rec   *recorder
	obs   *observer
	life  *lifeline
	rep   *Report
	start time.Time
	kids  []*session
	// deepest is the last document entered, shown in a screenshot.
	deepest *doc
	// reported counts the messages given to Progress; typingShown and
	// typingGone the typing indicator's showings and endings.
	reported, typingShown, typingGone int
}

// Run holds the conversation in tab and reports what happened. It returns
// when a person answered (and the follow-ups were answered or the abandon
// timeout passed), when a step failed, or when ctx ends. Run does not close
// the tab.
func (c *Conversation) Run(ctx context.Context, tab *browser.Tab) *Report {
	cv := &conv{Conversation: c, tab: tab, top: &session{ctx: tab.Ctx()}, rep: &Report{URL: c.URL, Profile: c.Profile.Name}}
	if cv.Log == nil {
		cv.Log = slog.New(slog.DiscardHandler)
	}
	if cv.Abandon <= 0 {
		cv.Abandon = campaign.DefaultChatDeadline
	}
	ctx, end := context.WithCancelCause(ctx)
	defer end(nil)
	cv.life = newLifeline(end)
	cv.rec = newRecorder(ctx)
	cv.obs = newObserver(c.Profile)
	defer cv.closeKids()
	err := cv.hold(ctx)
	cv.progress()
	cv.finish(ctx, err)
	return cv.rep
}

// hold runs the steps in order.
func (cv *conv) hold(ctx context.Context) error {
	if err := cv.setup(ctx); err != nil {
		return err
	}
	widget, err := cv.open(ctx)
	if err != nil {
		return err
	}
	cv.deepest = widget
	if err := cv.obs.start(ctx, widget); err != nil {
		return fail(result.ReasonWidgetNotFound, fmt.Errorf("start the message observer: %w", err))
	}
	if err := cv.life.arm(ctx, widget, cv.top); err != nil {
		return fail(result.ReasonBrowser, fmt.Errorf("watch the widget: %w", err))
	}
	// From here on the company's staff can see us (the pre-chat form, the message): the
	// dispatcher may not abort the attempt any more.
	if err := probes.Sending(ctx); err != nil {
		return err
	}
	if err := cv.prechat(ctx, widget); err != nil {
		return err
	}
	if err := cv.ready(ctx, widget); err != nil {
		return err
	}
	return cv.talk(ctx, widget)
}

// setup watches the page for its death, sizes the window as the profile says
// and listens to the page's network and observer reports.
func (cv *conv) setup(ctx context.Context) error {
	if err := cv.life.watch(ctx, cv.top, "the page"); err != nil {
		return fail(result.ReasonBrowser, fmt.Errorf("watch the page: %w", err))
	}
	if err := cv.tab.SetViewport(ctx, viewport(cv.Profile)); err != nil {
		return fail(result.ReasonBrowser, err)
	}
	if err := cv.rec.attach(ctx, cv.top); err != nil {
		return fail(result.ReasonBrowser, fmt.Errorf("enable network events: %w", err))
	}
	if err := cv.obs.attach(ctx, cv.top); err != nil {
		return fail(result.ReasonBrowser, fmt.Errorf("add the observer binding: %w", err))
	}
	_, _ = call(ctx, cv.top, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
	return nil
}

// viewport is the window of p: the browser's default for a profile made
// without Parse.
func viewport(p *profile.Profile) browser.Viewport {
	v := browser.Viewport{Width: p.Viewport.Width, Height: p.Viewport.Height}
	if v.Width <= 0 || v.Height <= 0 {
		return browser.DefaultViewport
	}
	return v
}

// open loads the page, dismisses a consent banner, clicks the launcher and
// enters the widget's frames; it returns the widget document.
func (cv *conv) open(ctx context.Context) (*doc, error) {
	p := cv.Profile
	cv.start = time.Now()
	top, err := cv.load(ctx)
	if err != nil {
		return nil, err
	}
	if p.Page.Consent != nil {
		cv.step("consent", func() error {
			q := query{Sel: string(p.Page.Consent.Click), Visible: true}
			if waitFor(ctx, top, q, consentWait(p)) != nil {
				return nil // no banner is fine
			}
			return click(ctx, cv.top, top, q)
		})
	}
	if err := cv.launch(ctx, top); err != nil {
		return nil, err
	}
	return cv.enter(ctx, top)
}

// consentWait is how long to look for a consent banner.
func consentWait(p *profile.Profile) time.Duration {
	return min(3*time.Second, p.Timeouts.Widget.D())
}

// load navigates to the URL and waits for the page to be ready (pageReady).
func (cv *conv) load(ctx context.Context) (*doc, error) {
	p := cv.Profile
	var top *doc
	err := cv.step("page", func() error {
		sctx, cancel := context.WithTimeout(ctx, p.Timeouts.PageLoad.D())
		defer cancel()
		nav, err := call(sctx, cv.top, page.Navigate, page.NavigateParams{URL: cv.URL})
		if err == nil && nav.ErrorText != "" {
			err = errors.New(nav.ErrorText)
		}
		if err != nil {
			return fail(result.ReasonPageLoad, fmt.Errorf("open %s: %w", cv.URL, err))
		}
		if top, err = mainDoc(sctx, cv.top); err != nil {
			return fail(result.ReasonPageLoad, err)
		}
		if err := cv.pageReady(sctx, top, p.Timeouts.PageLoad.D()); err != nil {
			return fail(result.ReasonPageLoad, err)
		}
		return nil
	})
	return top, err
}

// missing is the error of an element not found: none when it is optional.
func (cv *conv) missing(optional bool, err error) error {
	if optional && !errors.Is(err, errCaptcha) {
		cv.Log.Debug("optional element missing", "err", err)
		return nil
	}
	return fail(result.ReasonWidgetNotFound, err)
}

// enter steps into the widget's frames and shadow roots, one step each. A
// document on the way that goes away (an iframe replaced, or moved to
// another process) is entered again.
func (cv *conv) enter(ctx context.Context, top *doc) (*doc, error) {
	frames := cv.Profile.Frame
	wait := cv.Profile.Timeouts.Widget.D()
	docs := []*doc{top}
	for i, f := range frames {
		err := cv.step(fmt.Sprintf("frame[%d]", i), func() error {
			sctx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			for {
				next, err := cv.into(sctx, docs[i], f, wait)
				if err == nil {
					docs = append(docs[:i+1], next)
					return nil
				}
				if gone(err) && sctx.Err() == nil {
					cv.Log.Debug("a frame went away; entering again", "step", i, "err", err)
					docs, err = cv.reach(sctx, top, frames[:i], wait)
				}
				if err != nil {
					return fail(result.ReasonWidgetNotFound, err)
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return docs[len(docs)-1], nil
}

// frame waits for the iframe sel in d and enters it once it loaded. An
// iframe that starts blank in the page's process and then moves to its own
// (a cross-site widget) is entered again where it went.
func (cv *conv) frame(ctx context.Context, d *doc, sel profile.Selector, wait time.Duration) (*doc, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := waitFor(ctx, d, query{Sel: string(sel), Captcha: captchaSel(cv.Profile)}, wait); err != nil {
		return nil, fmt.Errorf("iframe: %w", err)
	}
	for {
		child, err := d.enterFrame(ctx, string(sel))
		if err != nil {
			return nil, err
		}
		if child.s != d.s {
			if err := cv.watch(ctx, child); err != nil {
				return nil, err
			}
		}
		err = waitLoaded(ctx, child, time.Second)
		if err == nil {
			cv.deepest = child
			return child, nil
		}
		if child.s != d.s {
			child.s.cancel()
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("iframe %s did not load within %s", sel, wait)
		}
	}
}

// watch records the network events and observer reports of an iframe's own
// session.
func (cv *conv) watch(ctx context.Context, child *doc) error {
	cv.kids = append(cv.kids, child.s)
	if err := cv.rec.attach(ctx, child.s); err != nil {
		return err
	}
	if err := cv.obs.attach(ctx, child.s); err != nil {
		return err
	}
	// The binding exists for worlds made from now on.
	child.world = 0
	return nil
}

// closeKids detaches the sessions of out-of-process iframes.
func (cv *conv) closeKids() {
	for _, s := range cv.kids {
		s.cancel()
	}
}

// captchaSel is the captcha selector of p, "" when none.
func captchaSel(p *profile.Profile) string {
	if p.Captcha == nil {
		return ""
	}
	return string(p.Captcha.Selector)
}

// step runs one step, recording its timing and reporting it.
func (cv *conv) step(name string, f func() error) error {
	st := Step{Name: name, Start: time.Now()}
	err := f()
	st.End = time.Now()
	if gone := cv.life.gone(); err != nil && gone != nil {
		// The step failed because the page died under it.
		err = fail(result.ReasonBrowser, gone)
	}
	if err != nil {
		st.Error = err.Error()
	}
	cv.rep.Steps = append(cv.rep.Steps, st)
	// The messages that showed during the step come first, so that what
	// Progress gets is in the order it happened.
	cv.progressUntil(st.End)
	if cv.Progress != nil {
		cv.Progress(Event{Step: &st})
	}
	return err
}
