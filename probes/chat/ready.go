package chat

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/runtime"

	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

// scriptTimeout bounds one run of page.ready_script: a script that loops is
// stopped by the browser, and run again at the next poll.
const scriptTimeout = 500 // milliseconds

// pageReady waits, up to timeout, until the page is usable as the profile
// says: page.ready shows and page.ready_script is true, when they are set;
// with neither, the page's load event fired.
func (cv *conv) pageReady(ctx context.Context, top *doc, timeout time.Duration) error {
	pg := cv.Profile.Page
	q := query{Sel: "body", Captcha: captchaSel(cv.Profile)}
	switch {
	case pg.Ready != "":
		q.Sel = string(pg.Ready)
	case pg.ReadyScript == "":
		if err := waitComplete(ctx, top, timeout); err != nil {
			return err
		}
	}
	if err := waitFor(ctx, top, q, timeout); err != nil {
		return fmt.Errorf("page not ready: %w", err)
	}
	if pg.ReadyScript != "" {
		return waitScript(ctx, cv.top, pg.ReadyScript, timeout)
	}
	return nil
}

// waitComplete waits until the document of d has fired its load event.
func waitComplete(ctx context.Context, d *doc, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last, timedOut := poll(ctx, func() (bool, error) {
		var st state
		err := d.invoke(ctx, "state", query{}, &st)
		return err == nil && st.Ready == "complete", err
	})
	if timedOut {
		if last != nil {
			return fmt.Errorf("the page's load event did not come within %s (last error: %w)", timeout, last)
		}
		return fmt.Errorf("the page's load event did not come within %s", timeout)
	}
	return last
}

// waitScript waits until script, evaluated in the page's own world of s's
// top document, is true. An exception (the widget's object not there yet)
// is tried again; a syntax error ends the wait at once.
func waitScript(ctx context.Context, s *session, script profile.Script, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	expr := "!!(" + string(script) + "\n)"
	last, timedOut := poll(ctx, func() (bool, error) {
		res, err := call(ctx, s, runtime.Evaluate, runtime.EvaluateParams{
			Expression: expr, ReturnByValue: new(true), Silent: new(true), Timeout: scriptTimeout,
		})
		switch {
		case err != nil:
			return false, err
		case res.ExceptionDetails != nil:
			err := exceptionError(res.ExceptionDetails)
			if strings.Contains(err.Error(), "SyntaxError") {
				return false, errStop{fmt.Errorf("the browser refuses page.ready_script: %w", err)}
			}
			return false, err
		}
		return res.Result != nil && string(res.Result.Value) == "true", nil
	})
	switch {
	case !timedOut:
		return last
	case last != nil:
		return fmt.Errorf("page.ready_script not true within %s (last error: %w)", timeout, last)
	}
	return fmt.Errorf("page.ready_script not true within %s", timeout)
}
