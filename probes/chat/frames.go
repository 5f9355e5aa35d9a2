package chat

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// worldName names the isolated world the probe's helpers run in, in every
// document it enters: the page's scripts can neither see nor change them.
const worldName = "stakeout"

//go:embed inpage.js
var inpageJS string

// errNotFound is returned by element when nothing matches.
var errNotFound = errors.New("no element matches")

// session is one DevTools target the conversation drives: the page, or an
// iframe that Chromium runs in its own process (a cross-site widget).
type session struct {
	ctx    context.Context    // chromedp context of the target
	cancel context.CancelFunc // detaches a child session; nil for the page
}

// doc is one document the probe entered: a frame of a session, and the open
// shadow roots walked inside it.
type doc struct {
	s      *session
	frame  cdp.FrameID
	shadow []string
	world  runtime.ExecutionContextID // 0 until made
	// parent is the document holding the iframe that shows this one, and
	// iframe the selector that found it there; nil and "" for the page.
	parent *doc
	iframe string
}

// with returns a copy of d entered into the shadow root of host.
func (d *doc) with(host string) *doc {
	n := *d
	n.shadow = append(append([]string(nil), d.shadow...), host)
	return &n
}

// mainDoc returns the page's top document.
func mainDoc(ctx context.Context, s *session) (*doc, error) {
	tree, err := call(ctx, s, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return nil, fmt.Errorf("get frame tree: %w", err)
	}
	return &doc{s: s, frame: tree.FrameTree.Frame.ID}, nil
}

// ensureWorld makes the isolated world of d and defines the helpers in it.
func (d *doc) ensureWorld(ctx context.Context) error {
	if d.world != 0 {
		return nil
	}
	w, err := call(ctx, d.s, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{
		FrameID: d.frame, WorldName: worldName, GrantUniveralAccess: new(false),
	})
	if err != nil {
		return fmt.Errorf("enter frame: %w", err)
	}
	res, err := call(ctx, d.s, runtime.Evaluate, runtime.EvaluateParams{
		Expression: inpageJS, ContextID: w.ExecutionContextID, Silent: new(true),
	})
	if err == nil && res.ExceptionDetails != nil {
		err = exceptionError(res.ExceptionDetails)
	}
	if err != nil {
		return fmt.Errorf("load helpers: %w", err)
	}
	d.world = w.ExecutionContextID
	return nil
}

// call runs a protocol command on s's target, bounded by ctx.
func call[P, R any](ctx context.Context, s *session, cmd cdp.Command[P, R], params P) (R, error) {
	c, cancel := context.WithCancel(s.ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		var cancelDL context.CancelFunc
		c, cancelDL = context.WithDeadline(c, dl)
		defer cancelDL()
	}
	r, err := chromedp.Call(c, cmd, params)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return r, err
}

// evaluate runs expr in d's world. A world that navigation destroyed is made
// again once.
func (d *doc) evaluate(ctx context.Context, expr string, byValue bool) (*runtime.RemoteObject, error) {
	for attempt := 0; ; attempt++ {
		if err := d.ensureWorld(ctx); err != nil {
			return nil, err
		}
		res, err := call(ctx, d.s, runtime.Evaluate, runtime.EvaluateParams{
			Expression: expr, ContextID: d.world, ReturnByValue: new(byValue), Silent: new(true),
		})
		if err != nil && attempt == 0 && worldGone(err) {
			d.world = 0
			continue
		}
		if err != nil {
			return nil, err
		}
		if res.ExceptionDetails != nil {
			return nil, exceptionError(res.ExceptionDetails)
		}
		return res.Result, nil
	}
}

// invoke runs __stk.fn(arg) in d's world and decodes its value into out.
func (d *doc) invoke(ctx context.Context, fn string, arg any, out any) error {
	expr, err := callExpr(fn, arg)
	if err != nil {
		return err
	}
	r, err := d.evaluate(ctx, expr, true)
	if err != nil {
		return err
	}
	if out == nil || len(r.Value) == 0 {
		return nil
	}
	return json.Unmarshal([]byte(r.Value), out)
}

// callExpr is the expression calling __stk.fn with arg as JSON.
func callExpr(fn string, arg any) (string, error) {
	if arg == nil {
		return "__stk." + fn + "()", nil
	}
	b, err := json.Marshal(arg)
	if err != nil {
		return "", err
	}
	return "__stk." + fn + "(" + string(b) + ")", nil
}

// element returns a handle on the element find(q) returns in d's world.
func (d *doc) element(ctx context.Context, q query) (runtime.RemoteObjectID, error) {
	expr, err := callExpr("find", q.in(d))
	if err != nil {
		return "", err
	}
	r, err := d.evaluate(ctx, expr, false)
	if err != nil {
		return "", err
	}
	if r.ObjectID == "" || r.Subtype == runtime.RemoteObjectSubtypeNull {
		return "", errNotFound
	}
	return r.ObjectID, nil
}

// callOn runs the function declaration fn with the element obj as this.
func (d *doc) callOn(ctx context.Context, obj runtime.RemoteObjectID, fn string, args ...any) (*runtime.RemoteObject, error) {
	return d.callOnWith(ctx, obj, false, fn, args...)
}

// callOnAwait is callOn for a function that returns a promise: it returns what the
// promise resolves to.
func (d *doc) callOnAwait(ctx context.Context, obj runtime.RemoteObjectID, fn string, args ...any) (*runtime.RemoteObject, error) {
	return d.callOnWith(ctx, obj, true, fn, args...)
}

func (d *doc) callOnWith(ctx context.Context, obj runtime.RemoteObjectID, await bool, fn string, args ...any) (*runtime.RemoteObject, error) {
	p := runtime.CallFunctionOnParams{FunctionDeclaration: fn, ObjectID: obj, ReturnByValue: new(true), Silent: new(true)}
	if await {
		p.AwaitPromise = new(true)
	}
	for _, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		p.Arguments = append(p.Arguments, &runtime.CallArgument{Value: b})
	}
	res, err := call(ctx, d.s, runtime.CallFunctionOn, p)
	if err != nil {
		return nil, err
	}
	if res.ExceptionDetails != nil {
		return nil, exceptionError(res.ExceptionDetails)
	}
	return res.Result, nil
}

// query is what find looks for. Visible finds only elements a person can
// use: drawn (see inpage.js), and enabled.
type query struct {
	Shadow  []string `json:"shadow"`
	Sel     string   `json:"sel"`
	Scope   string   `json:"scope,omitempty"`
	Visible bool     `json:"visible"`
	Captcha string   `json:"captcha,omitempty"`
}

// in returns q with d's shadow path.
func (q query) in(d *doc) query {
	q.Shadow = d.shadow
	return q
}

// enterFrame returns the document of the iframe that sel finds in d. An
// iframe in another process is driven through its own session. An iframe
// still being created or moved between processes is retried until ctx ends.
func (d *doc) enterFrame(ctx context.Context, sel string) (*doc, error) {
	for {
		child, err := d.tryFrame(ctx, sel)
		if err == nil || ctx.Err() != nil || gone(err) {
			return child, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(pollEvery):
		}
	}
}

// tryFrame makes one attempt of enterFrame.
func (d *doc) tryFrame(ctx context.Context, sel string) (*doc, error) {
	obj, err := d.element(ctx, query{Sel: sel})
	if err != nil {
		return nil, markGone(err)
	}
	n, err := call(ctx, d.s, dom.DescribeNode, dom.DescribeNodeParams{ObjectID: obj})
	if err != nil {
		return nil, markGone(fmt.Errorf("describe iframe: %w", err))
	}
	if n.Node == nil || n.Node.FrameID == "" {
		return nil, fmt.Errorf("%q is not an iframe", sel)
	}
	child := &doc{s: d.s, frame: n.Node.FrameID, parent: d, iframe: sel}
	werr := child.ensureWorld(ctx)
	if werr == nil {
		return child, nil
	}
	// Not in this process: the iframe is its own target, whose id is the frame's.
	if !isTarget(d.s, target.ID(n.Node.FrameID)) {
		return nil, fmt.Errorf("iframe %q: %w", sel, werr)
	}
	sctx, cancel := chromedp.NewContext(d.s.ctx, chromedp.WithTargetID(target.ID(n.Node.FrameID)))
	if err := chromedp.Do(sctx); err != nil {
		cancel()
		return nil, fmt.Errorf("attach to iframe %q: %w", sel, err)
	}
	s := &session{ctx: sctx, cancel: cancel}
	child = &doc{s: s, frame: n.Node.FrameID, parent: d, iframe: sel}
	return child, child.ensureWorld(ctx)
}

// isTarget reports whether the browser has a target with id.
func isTarget(s *session, id target.ID) bool {
	infos, err := chromedp.Targets(s.ctx)
	if err != nil {
		return false
	}
	for _, t := range infos {
		if t.TargetID == id {
			return true
		}
	}
	return false
}

// worldGone reports whether err says the execution context no longer exists.
func worldGone(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Cannot find context") || strings.Contains(s, "context was destroyed") ||
		strings.Contains(s, "No frame") || strings.Contains(s, "Execution context")
}

// exceptionError turns a JavaScript exception into an error.
func exceptionError(e *runtime.ExceptionDetails) error {
	msg := e.Text
	if e.Exception != nil && e.Exception.Description != "" {
		msg = e.Exception.Description
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i]
		}
	}
	return fmt.Errorf("script error: %s", msg)
}
