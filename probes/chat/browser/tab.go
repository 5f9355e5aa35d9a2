package browser

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// tabCloseTimeout bounds Tab.Close. chromedp gives up on closing a target
// after 5 s; a browser that takes longer is marked broken and replaced.
const tabCloseTimeout = 8 * time.Second

// Tab is one page in its own browser context: its cookies, storage and cache
// are its own and disappear with it. Use it from one goroutine at a time,
// and Close it when the conversation ends.
type Tab struct {
	pool   *Pool
	gen    *generation
	ctx    context.Context
	cancel context.CancelFunc // chromedp's: closes the page, disposes the context
	parent context.CancelFunc // the plain context under ctx

	once sync.Once
	err  error
}

// Viewport is the size of a tab's window, in CSS pixels.
type Viewport struct {
	Width, Height int
}

// DefaultViewport is the window of every new tab, in either browser: a
// common desktop size. Without it the full browser's window is 780x437 and
// the headless shell's 800x600, so that a widget anchored to the bottom
// right of the page may start above the top of the window.
var DefaultViewport = Viewport{Width: 1366, Height: 768}

// newTab opens a page in a new browser context of g. ctx bounds the opening
// only.
func newTab(ctx context.Context, p *Pool, g *generation) (*Tab, error) {
	parent, parentCancel := context.WithCancel(g.bctx)
	var tctx context.Context
	tctx, cancel := chromedp.NewContext(parent,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(func(ev any) {
			if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
				go dismissDialog(tctx)
			}
		}))
	t := &Tab{pool: p, gen: g, ctx: tctx, cancel: cancel, parent: parentCancel}

	stop := context.AfterFunc(ctx, parentCancel)
	err := chromedp.Do(tctx)
	if err == nil && g.identity != nil {
		_, err = chromedp.Call(tctx, emulation.SetUserAgentOverride, *g.identity)
	}
	if err == nil {
		err = t.SetViewport(ctx, DefaultViewport)
	}
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		t.dispose()
		return nil, fmt.Errorf("opening a tab: %w", err)
	}
	p.mu.Lock()
	p.tabs[t] = struct{}{}
	p.mu.Unlock()
	return t, nil
}

// dismissDialog dismisses the JavaScript dialog that the page of ctx opened,
// so that the page and the actions waiting on it go on. It runs on its own
// goroutine: a listener must not send commands.
func dismissDialog(ctx context.Context) {
	_, _ = chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		return chromedp.Void{}, err
	}))
}

// SetViewport gives the tab's window the size v, as a desktop screen of that
// size (scale 1, not a mobile device). Mouse events take coordinates in it.
// ctx bounds the call.
func (t *Tab) SetViewport(ctx context.Context, v Viewport) error {
	if v.Width <= 0 || v.Height <= 0 {
		return fmt.Errorf("viewport %dx%d: want a positive width and height", v.Width, v.Height)
	}
	c, cancel := context.WithCancel(t.ctx)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	_, err := chromedp.Call(c, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: int64(v.Width), Height: int64(v.Height), DeviceScaleFactor: 1,
		ScreenWidth: int64(v.Width), ScreenHeight: int64(v.Height),
	})
	if err != nil {
		return fmt.Errorf("set the viewport to %dx%d: %w", v.Width, v.Height, err)
	}
	return nil
}

// Ctx returns the chromedp context of the tab, for chromedp.Run and
// chromedp.Do. Derive a context with a timeout from it to bound one action;
// it is done once the tab is closed or the browser died.
func (t *Tab) Ctx() context.Context { return t.ctx }

// Close closes the page, disposes its browser context and frees the slot.
// It returns within a few seconds even when the page or the browser hangs;
// a browser that does not close a page in time is restarted. Close is safe
// to call more than once; it returns nil when the browser is already gone.
func (t *Tab) Close() error {
	t.once.Do(func() {
		t.err = t.dispose()
		p := t.pool
		p.mu.Lock()
		delete(p.tabs, t)
		p.forget(t.gen)
		p.mu.Unlock()
		<-p.slots
		p.metrics.AddInUse(-1)
	})
	return t.err
}

// dispose cancels the chromedp context with a bound on the wait.
func (t *Tab) dispose() error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Cancel(t.ctx) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(tabCloseTimeout):
		p := t.pool
		p.mu.Lock()
		t.gen.broken = true
		p.mu.Unlock()
		p.log.Warn("chromium did not close a tab in time, it will be restarted", "pid", t.gen.pid)
		t.parent()
		return fmt.Errorf("closing tab: timed out after %s", tabCloseTimeout)
	}
	t.parent()
	t.pool.mu.Lock()
	gone := !t.gen.alive()
	t.pool.mu.Unlock()
	if err != nil && !gone {
		return fmt.Errorf("closing tab: %w", err)
	}
	return nil
}
