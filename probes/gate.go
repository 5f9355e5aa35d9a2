package probes

import (
	"context"
	"sync"
)

// SendGate stands between a probe and the first thing it sends to its target. Until the
// probe passes it (Sending), the dispatcher may abort the attempt, for example because
// the target's pacing slot was lost: the probe then stops without having contacted the
// target, and its task goes back to the queue. Once the probe passed it, the attempt
// goes on whatever happens: the target may have seen us already, and a half-made contact
// abandoned would be worse than one that goes on.
type SendGate struct {
	cancel  context.CancelCauseFunc
	mu      sync.Mutex
	sent    bool
	aborted error
}

type gateKey struct{}

// WithSendGate returns a context for a probe's attempt, carrying a new gate.
func WithSendGate(ctx context.Context) (context.Context, *SendGate) {
	ctx, cancel := context.WithCancelCause(ctx)
	g := &SendGate{cancel: cancel}
	return context.WithValue(ctx, gateKey{}, g), g
}

// Sending is called by a probe just before it first sends anything to its target (chat:
// the pre-chat form or the first message; email: SMTP DATA). It returns an error when
// the attempt was aborted: the probe must then stop. Without a gate in ctx it returns
// ctx.Err().
func Sending(ctx context.Context) error {
	g, _ := ctx.Value(gateKey{}).(*SendGate)
	if g == nil {
		return ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.aborted != nil {
		return g.aborted
	}
	g.sent = true
	return ctx.Err()
}

// Abort cancels the attempt with err if its probe has not passed the gate yet, and
// reports whether it did.
func (g *SendGate) Abort(err error) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sent || g.aborted != nil {
		return false
	}
	g.aborted = err
	g.cancel(err)
	return true
}

// Close ends the gate when the attempt is over: no abort comes after it. It returns
// the error the attempt was aborted with, nil if it was not. It is safe to call more
// than once.
func (g *SendGate) Close() error {
	g.mu.Lock()
	g.sent = true
	err := g.aborted
	g.mu.Unlock()
	g.cancel(context.Canceled)
	return err
}
