package chat

import (
	"context"
	"errors"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// errPageGone is wrapped by the cause of a conversation whose page died.
var errPageGone = errors.New("the page died")

// pageGone says how the page died.
type pageGone struct{ what string }

func (e *pageGone) Error() string { return e.what }
func (e *pageGone) Unwrap() error { return errPageGone }

// lifeline ends a conversation as soon as its page dies under it: a renderer
// crash, the page's target closed or detached, the widget's frame removed or
// its own target gone. Without it, a dead page looks like a widget that no
// one answers, and the conversation waits out its deadline. The first death
// cancels the conversation's context with a *pageGone as its cause.
type lifeline struct {
	end context.CancelCauseFunc

	mu      sync.Mutex
	targets map[target.ID]string   // the conversation's targets, and what each is
	frames  map[cdp.FrameID]string // frames whose removal ends the conversation
	err     *pageGone
}

// newLifeline returns a lifeline that ends a conversation with end.
func newLifeline(end context.CancelCauseFunc) *lifeline {
	return &lifeline{end: end, targets: map[target.ID]string{}, frames: map[cdp.FrameID]string{}}
}

// gone returns how the page died, nil while it lives.
func (l *lifeline) gone() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		return nil
	}
	return l.err
}

// die ends the conversation with what; only the first death counts.
func (l *lifeline) die(what string) {
	l.mu.Lock()
	first := l.err == nil
	if first {
		l.err = &pageGone{what: what}
	}
	err := l.err
	l.mu.Unlock()
	if first {
		l.end(err)
	}
}

// watch ends the conversation when the target of s crashes, is closed or is
// detached, while s is in use (a session the conversation detaches itself
// does not count). what names the target in the reason ("the page"). The
// events of the Target domain that s receives cover every target of the
// conversation that track adds.
func (l *lifeline) watch(ctx context.Context, s *session, what string) error {
	c := chromedp.FromContext(s.ctx)
	if c == nil || c.Target == nil {
		return errors.New("no target to watch")
	}
	l.track(c.Target.TargetID, what)
	detached, err := chromedp.Detached(s.ctx)
	if err != nil {
		return err
	}
	go func() {
		select {
		case <-detached:
			if s.ctx.Err() == nil {
				l.die(what + " was closed or detached")
			}
		case <-s.ctx.Done():
		case <-ctx.Done():
		}
	}()
	return chromedp.Listen(s.ctx, func(ev any) {
		switch e := ev.(type) {
		case *inspector.EventTargetCrashed:
			l.die(what + ": its renderer process crashed")
		case *inspector.EventDetached:
			if s.ctx.Err() == nil {
				l.die(what + " was detached: " + e.Reason)
			}
		case *target.EventTargetCrashed:
			l.target(e.TargetID, ": its renderer process crashed ("+e.Status+")")
		case *target.EventTargetDestroyed:
			l.target(e.TargetID, " was closed")
		case *page.EventFrameDetached:
			if e.Reason == page.FrameDetachedReasonRemove {
				l.frame(e.FrameID)
			}
		}
	})
}

// track adds a target of the conversation.
func (l *lifeline) track(id target.ID, what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.targets[id] = what
}

// target ends the conversation when id is one of its targets.
func (l *lifeline) target(id target.ID, how string) {
	l.mu.Lock()
	what, ok := l.targets[id]
	l.mu.Unlock()
	if ok {
		l.die(what + how)
	}
}

// frame ends the conversation when the removed frame id is the widget's.
func (l *lifeline) frame(id cdp.FrameID) {
	l.mu.Lock()
	what, ok := l.frames[id]
	l.mu.Unlock()
	if ok {
		l.die(what + " was removed from the page")
	}
}

// arm watches the widget once the conversation is under way: its frame's
// removal, and the crash or loss of the out-of-process iframe it lives in
// (an iframe it was reached through takes it along), ends the conversation.
// Other iframes the steps entered (a launcher's, which may reload or move
// once the widget is open) do not count. Before, while the steps enter the
// widget, a frame may still move between processes.
func (l *lifeline) arm(ctx context.Context, widget *doc, page *session) error {
	l.mu.Lock()
	l.frames[widget.frame] = "the widget's frame"
	l.mu.Unlock()
	if widget.s == page || widget.s.ctx.Err() != nil {
		return nil
	}
	return l.watch(ctx, widget.s, "the widget's iframe")
}
