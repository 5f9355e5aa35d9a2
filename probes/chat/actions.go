package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
)

// pollEvery is how often a step checks whether what it waits for shows. It
// paces waits for elements only; no time is measured this way.
const pollEvery = 100 * time.Millisecond

// state is what one check of a document tells.
type state struct {
	Ready   string `json:"ready"`
	Href    string `json:"href"`
	Content bool   `json:"content"`
	Found   bool   `json:"found"`
	Captcha bool   `json:"captcha"`
}

// errCaptcha is returned by waits that saw the captcha.
var errCaptcha = errors.New("a captcha is shown")

// errStop ends a poll with the error it wraps, at once.
type errStop struct{ err error }

func (e errStop) Error() string { return e.err.Error() }

// poll calls check every pollEvery until it reports done, returns an errStop,
// or ctx ends; then it returns nil, the stop's error, or the last error
// check returned (nil when it returned none).
func poll(ctx context.Context, check func() (done bool, err error)) (last error, timedOut bool) {
	for {
		done, err := check()
		var stop errStop
		switch {
		case errors.As(err, &stop):
			return stop.err, false
		case done:
			return nil, false
		}
		last = err
		select {
		case <-ctx.Done():
			return last, true
		case <-time.After(pollEvery):
		}
	}
}

// waitFor waits until q finds an element in d, up to timeout. It returns
// errCaptcha as soon as the captcha shows, and a selector the browser refuses
// at once.
func waitFor(ctx context.Context, d *doc, q query, timeout time.Duration) error {
	_, err := waitAny(ctx, d, timeout, nil, q)
	return err
}

// waitAny waits until one of qs finds an element in d, up to timeout, and
// returns the index of the first that does. It returns errCaptcha as soon as
// the captcha shows, a selector the browser refuses at once, and the error
// of stop (asked when none is found) as soon as it returns one.
func waitAny(ctx context.Context, d *doc, timeout time.Duration, stop func() error, qs ...query) (int, error) {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	found := -1
	last, timedOut := poll(wctx, func() (bool, error) {
		for i, q := range qs {
			st, err := d.look(wctx, q)
			switch {
			case err != nil && strings.Contains(err.Error(), "SyntaxError"):
				return false, errStop{fmt.Errorf("the browser refuses a selector: %w", err)}
			case err != nil && detachedError(err):
				return false, errStop{markGone(err)}
			case err != nil:
				return false, err
			case st.Captcha:
				return false, errStop{errCaptcha}
			case st.Found:
				found = i
				return true, nil
			}
		}
		if stop != nil {
			if err := stop(); err != nil {
				return false, errStop{err}
			}
		}
		return false, nil
	})
	switch {
	case !timedOut:
		return found, last
	case ctx.Err() != nil:
		return -1, ctx.Err()
	case last != nil:
		return -1, fmt.Errorf("%s not found within %s (last error: %w)", selectors(qs), timeout, last)
	}
	return -1, fmt.Errorf("%s not found within %s", selectors(qs), timeout)
}

// selectors names the selectors of qs for a message.
func selectors(qs []query) string {
	names := make([]string, len(qs))
	for i, q := range qs {
		names[i] = strconv.Quote(q.Sel)
	}
	return strings.Join(names, " or ")
}

// look checks q in d once. A visible element inside an iframe is visible
// only when the iframes on the way to it are too.
func (d *doc) look(ctx context.Context, q query) (state, error) {
	var st state
	if err := d.invoke(ctx, "state", q.in(d), &st); err != nil || !st.Found || !q.Visible {
		return st, err
	}
	for c := d; c.parent != nil; c = c.parent {
		var up state
		if err := c.parent.invoke(ctx, "state", query{Sel: c.iframe, Visible: true}.in(c.parent), &up); err != nil {
			return st, err
		}
		if !up.Found {
			st.Found = false
			break
		}
	}
	return st, nil
}

// waitLoaded waits until d's document has loaded something other than the
// empty blank document an iframe starts with (a blank iframe whose content a
// script wrote counts as loaded).
func waitLoaded(ctx context.Context, d *doc, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, timedOut := poll(ctx, func() (bool, error) {
		var st state
		err := d.invoke(ctx, "state", query{Shadow: d.shadow}, &st)
		return err == nil && (st.Href != "about:blank" || st.Content) && st.Ready != "loading", err
	}); timedOut {
		return fmt.Errorf("frame not loaded within %s", timeout)
	}
	return nil
}

// typeText clears the field q finds in d and types text into it. When the
// keyboard did not reach the field (some frames refuse focus from a script),
// the value is set through the field's own setter and input events.
func typeText(ctx context.Context, d *doc, q query, text string) error {
	obj, err := d.element(ctx, q)
	if err != nil {
		return err
	}
	if _, err := d.callOn(ctx, obj, "function() { __stk.clear(this); this.focus(); }"); err != nil {
		return err
	}
	if _, err := call(ctx, d.s, input.InsertText, input.InsertTextParams{Text: text}); err != nil {
		return fmt.Errorf("type: %w", err)
	}
	// An empty string argument is left out of the call: want is undefined then.
	got, err := d.callOn(ctx, obj, "function(want) { want = want || \"\"; const v = __stk.valueOf(this); if (v !== want.replace(/\\s+/g, ' ').trim()) { __stk.fill(this, want); } return __stk.valueOf(this); }", text)
	if err != nil {
		return err
	}
	if v := valueString(got); v != normalize(text) {
		return fmt.Errorf("the field holds %q after typing", clip(v, 80))
	}
	return nil
}

// pressKey presses key ("Enter", "Ctrl+Enter" or "Meta+Enter") in the field
// q finds in d, which is focused first.
func pressKey(ctx context.Context, d *doc, q query, key string) error {
	obj, err := d.element(ctx, q)
	if err != nil {
		return err
	}
	if _, err := d.callOn(ctx, obj, "function() { this.focus(); }"); err != nil {
		return err
	}
	var mods int64
	switch {
	case strings.HasPrefix(key, "Ctrl+"):
		mods = 2
	case strings.HasPrefix(key, "Meta+"):
		mods = 4
	}
	down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Modifiers: mods,
		Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13, Text: "\r", UnmodifiedText: "\r"}
	up := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Modifiers: mods,
		Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
	for _, p := range []input.DispatchKeyEventParams{down, up} {
		if _, err := call(ctx, d.s, input.DispatchKeyEvent, p); err != nil {
			return fmt.Errorf("press %s: %w", key, err)
		}
	}
	return nil
}

// choose selects the option of the select q finds whose value or text is want.
func choose(ctx context.Context, d *doc, q query, want string) error {
	obj, err := d.element(ctx, q)
	if err != nil {
		return err
	}
	r, err := d.callOn(ctx, obj, "function(want) { return __stk.choose(this, want); }", want)
	if err != nil {
		return err
	}
	if string(r.Value) != "true" {
		return fmt.Errorf("no option %q", want)
	}
	return nil
}

// check sets the checkbox q finds to on, by clicking it when it differs.
func check(ctx context.Context, top *session, d *doc, q query, on bool) error {
	obj, err := d.element(ctx, q)
	if err != nil {
		return err
	}
	r, err := d.callOn(ctx, obj, "function() { return !!this.checked; }")
	if err != nil {
		return err
	}
	if (string(r.Value) == "true") == on {
		return nil
	}
	// A styled checkbox is often hidden, or covered by its label: the mouse
	// cannot reach it, a scripted click sets it.
	if r, err := d.callOn(ctx, obj, "function() { return __stk.visible(this); }"); err == nil && string(r.Value) == "true" {
		if err := click(ctx, top, d, q); err != nil && ctx.Err() != nil {
			return err
		}
	}
	_, err = d.callOn(ctx, obj, "function(on) { if (!!this.checked !== on) { this.click(); } }", on)
	return err
}

// screenshot returns a JPEG of the page's viewport. A page that keeps
// navigating is stopped, and the capture tried again, when it fails.
func screenshot(ctx context.Context, top *session) ([]byte, error) {
	shot := func(limit time.Duration) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		r, err := call(ctx, top, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatJpeg, Quality: new(int64(60)),
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}
	b, err := shot(3 * time.Second)
	for try := 0; err != nil && try < 3 && ctx.Err() == nil; try++ {
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		// A page that navigates again and again is frozen: scripts off, loading stopped.
		_, _ = call(sctx, top, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		_, _ = call(sctx, top, page.StopLoading, cdp.Empty{})
		cancel()
		time.Sleep(200 * time.Millisecond)
		b, err = shot(2 * time.Second)
	}
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return b, nil
}

// valueString decodes a string result; "" for anything else.
func valueString(r *runtime.RemoteObject) string {
	if r == nil || len(r.Value) < 2 || r.Value[0] != '"' {
		return ""
	}
	var s string
	_ = json.Unmarshal([]byte(r.Value), &s)
	return s
}

// normalize collapses runs of white space and trims the ends, as the page
// helpers do.
func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
