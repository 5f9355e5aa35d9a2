package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
)

// clickWait bounds how long a click waits for its element to be in the
// window and not covered (a widget sliding in, a banner going away).
const clickWait = 2 * time.Second

// click clicks the element q finds in d with the mouse, as a person would:
// each iframe on the way to it and then the element are scrolled into
// view, and the mouse goes to the middle of the element's part inside every
// window, once that point is seen to hit the element in each document on
// the way. An element that stays outside the window or covered is an
// error, never a click somewhere else.
func click(ctx context.Context, top *session, d *doc, q query) error {
	_, err := clickTimed(ctx, top, d, q)
	return err
}

// clickTimed is click, also returning when the mouse button went down.
func clickTimed(ctx context.Context, top *session, d *doc, q query) (time.Time, error) {
	cctx, cancel := context.WithTimeout(ctx, clickWait)
	defer cancel()
	var x, y float64
	var why error // the last error not caused by the wait's end
	last, timedOut := poll(cctx, func() (bool, error) {
		var err error
		x, y, err = aim(cctx, d, q)
		if err != nil && cctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
			why = err
		}
		return err == nil, err
	})
	switch {
	case ctx.Err() != nil:
		return time.Time{}, ctx.Err()
	case timedOut && why != nil:
		return time.Time{}, fmt.Errorf("%w (for %s)", why, clickWait)
	case last != nil:
		return time.Time{}, last
	}
	var at time.Time
	for _, typ := range []input.DispatchMouseEventType{input.DispatchMouseEventTypeMouseMoved,
		input.DispatchMouseEventTypeMousePressed, input.DispatchMouseEventTypeMouseReleased} {
		p := input.DispatchMouseEventParams{Type: typ, X: x, Y: y}
		if typ != input.DispatchMouseEventTypeMouseMoved {
			p.Button, p.Buttons, p.ClickCount = input.MouseButtonLeft, 1, 1
		}
		if typ == input.DispatchMouseEventTypeMousePressed {
			at = time.Now()
		}
		if _, err := call(ctx, top, input.DispatchMouseEvent, p); err != nil {
			return time.Time{}, fmt.Errorf("click: %w", err)
		}
	}
	return at, nil
}

// chain returns the documents from the page's down to d.
func (d *doc) chain() []*doc {
	var out []*doc
	for p := d; p != nil; p = p.parent {
		out = append(out, p)
	}
	slices.Reverse(out)
	return out
}

// hop is one element on the way to a click: an iframe holding the next
// document, or the element itself, with the document it is in.
type hop struct {
	d    *doc
	obj  runtime.RemoteObjectID
	name string
}

// box is an element's box in its window, and the window's size.
type box struct {
	X, Y, W, H float64
	VW, VH     float64
}

// rect is a rectangle by its edges.
type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) clip(o rect) rect {
	return rect{max(r.x0, o.x0), max(r.y0, o.y0), min(r.x1, o.x1), min(r.y1, o.y1)}
}

func (r rect) shift(dx, dy float64) rect { return rect{r.x0 + dx, r.y0 + dy, r.x1 + dx, r.y1 + dy} }

func (r rect) empty() bool { return r.x1-r.x0 < 1 || r.y1-r.y0 < 1 }

// aim finds the element q finds in d and the iframes above it, scrolls them
// into view, and returns the page's point to click it at, once checked.
func aim(ctx context.Context, d *doc, q query) (x, y float64, err error) {
	hops, err := locate(ctx, d, q)
	if err != nil {
		return 0, 0, err
	}
	if err := reveal(ctx, hops); err != nil {
		return 0, 0, err
	}
	boxes := make([]box, len(hops))
	for i, h := range hops {
		r, err := h.d.callOn(ctx, h.obj, "function() { return __stk.box(this); }")
		if err == nil {
			err = json.Unmarshal(r.Value, &boxes[i])
		}
		if err != nil {
			return 0, 0, fmt.Errorf("locate %s: %w", h.name, err)
		}
	}
	x, y, err = middle(boxes)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", q.Sel, err)
	}
	// The same point in each document's window: less the origins of the
	// iframes above it.
	ox, oy := 0.0, 0.0
	for i, h := range hops {
		var hit struct {
			OK  bool   `json:"ok"`
			Hit string `json:"hit"`
		}
		r, err := h.d.callOn(ctx, h.obj, "function(x, y) { return __stk.hits(this, x, y); }", x-ox, y-oy)
		if err == nil {
			err = json.Unmarshal(r.Value, &hit)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("hit test %s: %w", h.name, err)
		}
		if !hit.OK {
			return 0, 0, fmt.Errorf("the click point (%.0f, %.0f) hits %s, not %s: something covers it", x, y, hit.Hit, h.name)
		}
		ox, oy = ox+boxes[i].X, oy+boxes[i].Y
	}
	return x, y, nil
}

// reveal scrolls each of hops into view in its document, in order.
func reveal(ctx context.Context, hops []hop) error {
	for _, h := range hops {
		if _, err := h.d.callOnAwait(ctx, h.obj, "function() { return __stk.reveal(this); }"); err != nil {
			return fmt.Errorf("scroll %s into view: %w", h.name, err)
		}
	}
	return nil
}

// frameHops returns the iframes on the way from the page to d, outermost
// first.
func frameHops(ctx context.Context, d *doc) ([]hop, error) {
	var hops []hop
	for _, child := range d.chain()[1:] {
		p := child.parent
		obj, err := p.element(ctx, query{Sel: child.iframe})
		if err != nil {
			return nil, fmt.Errorf("iframe %q: %w", child.iframe, err)
		}
		hops = append(hops, hop{d: p, obj: obj, name: fmt.Sprintf("the iframe %q", child.iframe)})
	}
	return hops, nil
}

// locate returns the iframes on the way from the page to d, outermost
// first, then the element q finds in d.
func locate(ctx context.Context, d *doc, q query) ([]hop, error) {
	hops, err := frameHops(ctx, d)
	if err != nil {
		return nil, err
	}
	obj, err := d.element(ctx, q)
	if err != nil {
		return nil, err
	}
	return append(hops, hop{d: d, obj: obj, name: fmt.Sprintf("%q", q.Sel)}), nil
}

// middle returns the middle of the part of the last box that shows through
// the boxes of the iframes before it, in the page's coordinates.
func middle(boxes []box) (x, y float64, err error) {
	el := boxes[len(boxes)-1]
	r := rect{el.X, el.Y, el.X + el.W, el.Y + el.H}
	whole := r
	r = r.clip(rect{0, 0, el.VW, el.VH})
	for i := len(boxes) - 2; i >= 0; i-- {
		f := boxes[i]
		r = r.shift(f.X, f.Y).clip(rect{f.X, f.Y, f.X + f.W, f.Y + f.H}).clip(rect{0, 0, f.VW, f.VH})
		whole = whole.shift(f.X, f.Y)
	}
	if r.empty() {
		return 0, 0, fmt.Errorf("outside the window: its box is at (%.0f, %.0f), %.0fx%.0f, in a window of %.0fx%.0f",
			whole.x0, whole.y0, whole.x1-whole.x0, whole.y1-whole.y0, boxes[0].VW, boxes[0].VH)
	}
	return (r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2, nil
}
