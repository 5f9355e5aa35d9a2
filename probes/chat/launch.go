package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

// clickSettle is how long a launcher click has to show an effect before the
// probe takes it that the click did nothing (the page's script had not
// attached its handler yet, say) and clicks again.
const clickSettle = 2 * time.Second

// launch clicks the launcher, when the profile has one, and clicks it again
// while a click changes nothing, within the widget timeout.
func (cv *conv) launch(ctx context.Context, top *doc) error {
	l := cv.Profile.Launcher
	if l == nil {
		return nil
	}
	return cv.step("launcher", func() error {
		wait := cv.Profile.Timeouts.Widget.D()
		sctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		return cv.clickLauncher(sctx, top, l, wait)
	})
}

// clickLauncher finds the launcher through its frame path and clicks it
// until the widget opens. A document of the path that goes away (an iframe
// replaced, or moved to another process) is entered again.
func (cv *conv) clickLauncher(ctx context.Context, top *doc, l *profile.Launcher, wait time.Duration) error {
	q := query{Sel: string(l.Selector), Visible: true, Captcha: captchaSel(cv.Profile)}
	k, target := openTarget(cv.Profile)
	var docs []*doc
	clicks := 0
	for {
		if docs == nil {
			var err error
			if docs, err = cv.reach(ctx, top, l.Frame, wait); err != nil {
				return cv.notOpened(l, clicks, wait, err)
			}
		}
		d := docs[len(docs)-1]
		if err := waitFor(ctx, d, q, wait); err != nil {
			if gone(err) {
				docs = nil
				continue
			}
			return cv.notOpened(l, clicks, wait, fmt.Errorf("launcher: %w", err))
		}
		look := lookArgs{d: d, q: q, target: target}
		if k < len(docs) {
			look.targetDoc = docs[k]
		}
		before, err := look.glance(ctx)
		if err == nil {
			err = click(ctx, cv.top, d, q)
		}
		switch {
		case gone(err):
			docs = nil
			continue
		case err != nil:
			return fail(result.ReasonWidgetNotFound, fmt.Errorf("click the launcher: %w", err))
		}
		clicks++
		opened, err := look.settle(ctx, before)
		switch {
		case gone(err):
			return nil // the launcher's document went away after the click: the widget took its place
		case err != nil:
			return cv.notOpened(l, clicks, wait, err)
		case opened:
			return nil
		}
		cv.Log.Debug("the launcher click changed nothing; clicking again", "clicks", clicks)
	}
}

// notOpened is the error of a launcher step that found no launcher, or
// whose clicks never opened the widget.
func (cv *conv) notOpened(l *profile.Launcher, clicks int, wait time.Duration, err error) error {
	if clicks == 0 {
		return cv.missing(l.Optional, err)
	}
	return fail(result.ReasonWidgetNotFound, fmt.Errorf("the widget did not open within %s: %d clicks on the launcher changed nothing", wait, clicks))
}

// openTarget returns what shows once the widget opened, and where: the first
// step of the widget's frame path that the launcher's path does not share,
// found in the document of the k steps they share; or, when the launcher's
// path holds the whole widget path, the input or the pre-chat form.
func openTarget(p *profile.Profile) (k int, target string) {
	var lp []profile.Frame
	if p.Launcher != nil {
		lp = p.Launcher.Frame
	}
	for k < len(lp) && k < len(p.Frame) && lp[k] == p.Frame[k] {
		k++
	}
	if k < len(p.Frame) {
		if f := p.Frame[k]; f.Selector != "" {
			return k, string(f.Selector)
		}
		return k, string(p.Frame[k].Shadow)
	}
	target = string(p.Input)
	if p.Prechat != nil {
		target += ", " + string(p.Prechat.Form)
	}
	return k, target
}

// lookArgs is what a glance at the launcher's effect looks at.
type lookArgs struct {
	d         *doc   // the launcher's document
	q         query  // the launcher
	targetDoc *doc   // where target is looked for; nil: not reached by the launcher's path
	target    string // what shows once the widget opened
}

// glimpse is what one glance saw.
type glimpse struct {
	Sig    string `json:"sig"`    // the launcher's markup; "" when gone or hidden
	Target bool   `json:"target"` // the widget's open target shows
}

// glance looks at the launcher and at the widget's open target.
func (a lookArgs) glance(ctx context.Context) (glimpse, error) {
	var g glimpse
	if err := a.d.invoke(ctx, "glance", map[string]any{"shadow": a.d.shadow, "sel": a.q.Sel}, &g); err != nil {
		return g, markGone(err)
	}
	if a.targetDoc != nil {
		var t glimpse
		if err := a.targetDoc.invoke(ctx, "glance", map[string]any{"target": a.target, "targetShadow": a.targetDoc.shadow}, &t); err != nil {
			return g, markGone(err)
		}
		g.Target = t.Target
	}
	return g, nil
}

// settle waits, up to clickSettle, for a click to show an effect: the
// widget's open target showing, or the launcher changing (hidden, gone, or
// its markup, such as aria-expanded). It reports whether one showed. When
// the target already showed before the click, no effect can be told from
// none: the click counts as done.
func (a lookArgs) settle(ctx context.Context, before glimpse) (bool, error) {
	sctx, cancel := context.WithTimeout(ctx, clickSettle)
	defer cancel()
	last, timedOut := poll(sctx, func() (bool, error) {
		now, err := a.glance(sctx)
		if gone(err) {
			return false, errStop{err}
		}
		if err != nil {
			return false, err
		}
		return now.Sig != before.Sig || (now.Target && !before.Target), nil
	})
	switch {
	case !timedOut:
		return last == nil, last
	case ctx.Err() != nil:
		return false, ctx.Err()
	}
	return a.targetDoc == nil || before.Target, nil
}

// reach enters the steps of path from top and returns the documents on the
// way (top first). A document that goes away while it is entered is entered
// again from the top, until ctx ends.
func (cv *conv) reach(ctx context.Context, top *doc, path []profile.Frame, wait time.Duration) ([]*doc, error) {
	for {
		if err := cv.tab.Ctx().Err(); err != nil {
			return nil, fmt.Errorf("the tab went away: %w", err)
		}
		docs := []*doc{top}
		var err error
		for _, f := range path {
			var next *doc
			if next, err = cv.into(ctx, docs[len(docs)-1], f, wait); err != nil {
				break
			}
			docs = append(docs, next)
		}
		if err == nil {
			return docs, nil
		}
		if !gone(err) || ctx.Err() != nil {
			return nil, err
		}
		cv.Log.Debug("a frame went away while entering it; entering again", "err", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(pollEvery):
		}
	}
}

// into takes one step of a frame path from d: into an iframe, or into the
// open shadow root of an element.
func (cv *conv) into(ctx context.Context, d *doc, f profile.Frame, wait time.Duration) (*doc, error) {
	if f.Selector != "" {
		return cv.frame(ctx, d, f.Selector, wait)
	}
	if err := waitFor(ctx, d, query{Sel: string(f.Shadow)}, wait); err != nil {
		return nil, err
	}
	return d.with(string(f.Shadow)), nil
}

// errGone says that a document the probe had entered went away: its iframe
// was replaced or closed, or moved to another process (Chromium detached its
// DevTools session).
var errGone = errors.New("the document went away")

// gone reports whether err says that the document it came from went away.
func gone(err error) bool { return err != nil && errors.Is(err, errGone) }

// markGone wraps err with errGone when it says that the target or frame it
// was sent to no longer exists.
func markGone(err error) error {
	if err == nil || errors.Is(err, errGone) || !detachedError(err) {
		return err
	}
	return fmt.Errorf("%w: %w", errGone, err)
}

// detachedError reports whether err says that the DevTools target or the
// frame a command was sent to no longer exists.
func detachedError(err error) bool {
	if errors.Is(err, chromedp.ErrTargetDetached) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "No frame for given id") || strings.Contains(s, "Frame with the given id was not found")
}
