package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/probes"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

// Probe is the chat channel's probe: one conversation per probe, in a new
// browser context of the pool.
type Probe struct {
	// Pool is the browser the conversations run in.
	Pool *browser.Pool
	// Profiles resolves profile names (default: built-in profiles only).
	Profiles *Profiles
	// Logger receives debug logs (default: discarded).
	Logger *slog.Logger
	// Ledger, when set, records each conversation before its opening message
	// is sent, and is checked first: a probe whose conversation was started
	// (and left no result) is never started again; it ends
	// failed/send_unconfirmed. Every probing worker of a fleet should have it.
	Ledger Ledger
}

// Ledger is what the chat probe needs of the results store (store.Store has it).
type Ledger interface {
	RecordSend(ctx context.Context, s store.Send) error
	GetSend(ctx context.Context, probeID string) (store.Send, bool, error)
}

// Probe holds one conversation with t's chat widget. A finding (a failed
// step, no answer) is in the result; an error means the attempt could not
// run (the pool closed, or the worker is stopping) and is retried.
func (p *Probe) Probe(ctx context.Context, t probes.Target) (probes.Result, error) {
	r, err := p.Reserve(ctx, t)
	if err != nil {
		return probes.Result{}, err
	}
	defer r.Release()
	return r.Probe(ctx, t)
}

// Reserve waits for a tab of the pool for a conversation with t's widget; the
// worker's dispatcher calls it before it takes the target's pacing slot. A
// target without a chat channel or with a bad profile gets a reservation
// without a tab, whose Probe says what is wrong.
func (p *Probe) Reserve(ctx context.Context, t probes.Target) (probes.Reservation, error) {
	if t.Chat == nil {
		return &reservation{res: failed(result.ReasonProbeError, errors.New("the target has no chat channel in the run's spec"))}, nil
	}
	if p.Ledger != nil {
		sd, started, err := p.Ledger.GetSend(ctx, t.ProbeID)
		if err != nil {
			return nil, fmt.Errorf("chat probe: %w", err)
		}
		if started {
			return &reservation{res: failed(result.ReasonSendUnconfirmed, fmt.Errorf(
				"an earlier attempt started this conversation at %s and left no result: not started again",
				sd.SentAt.Format(time.RFC3339)))}, nil
		}
	}
	prof, err := p.profile(t)
	if err != nil {
		return &reservation{res: failed(result.ReasonProfile, err)}, nil
	}
	begin := time.Now()
	tab, err := p.Pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("chat probe: %w", err)
	}
	return &reservation{probe: p, prof: prof, tab: tab, wait: time.Since(begin)}, nil
}

// reservation is a tab held for one conversation, or the failed result of a
// target that cannot have one.
type reservation struct {
	probe *Probe
	prof  *profile.Profile
	tab   *browser.Tab
	wait  time.Duration // for the tab
	res   probes.Result // when tab is nil
}

// Probe holds the conversation in the reserved tab.
func (r *reservation) Probe(ctx context.Context, t probes.Target) (probes.Result, error) {
	if r.tab == nil {
		return r.res, nil
	}
	log := r.probe.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Conversation{
		URL: t.Chat.URL, Profile: r.prof, Message: t.Scenario.Message, FollowUps: t.Scenario.FollowUps,
		Vars: profile.Vars{PersonaName: t.Scenario.Persona.Name, PersonaEmail: t.Scenario.Persona.Email,
			PersonaPhone: t.Scenario.Persona.Phone, Message: t.Scenario.Message},
		Abandon: t.Deadline, Log: log.With("probe", t.ProbeID),
	}
	if l := r.probe.Ledger; l != nil {
		c.BeforeSend = func(ctx context.Context) error {
			return l.RecordSend(ctx, store.Send{ProbeID: t.ProbeID, Run: t.Run, Target: t.Target.ID,
				Channel: string(t.Channel), SentAt: time.Now().UTC()})
		}
	}
	rep := c.Run(ctx, r.tab)
	if ctx.Err() != nil {
		// The worker is stopping: hand the probe back rather than record a
		// conversation cut short.
		return probes.Result{}, fmt.Errorf("chat probe interrupted: %w", ctx.Err())
	}
	rep.BrowserWait = &r.wait
	return probes.Result{Outcome: rep.Outcome, Reason: rep.Reason, FirstResponse: rep.FirstResponse,
		HumanResponse: rep.HumanResponse, Evidence: rep.Evidence(), Blobs: rep.Blobs()}, nil
}

// Release closes the tab.
func (r *reservation) Release() {
	if r.tab != nil {
		_ = r.tab.Close()
	}
}

// profile returns the target's profile: its own (carried in the run's spec)
// or the one it names.
func (p *Probe) profile(t probes.Target) (*profile.Profile, error) {
	if t.Chat.ProfileSource != "" {
		return profile.Parse(t.Chat.Profile, []byte(t.Chat.ProfileSource))
	}
	ps := p.Profiles
	if ps == nil {
		ps = &Profiles{}
	}
	return ps.Lookup(t.Chat.Profile)
}

// failed is a failed result whose evidence says why.
func failed(reason string, err error) probes.Result {
	rep := &Report{Outcome: result.Failed, Reason: reason, Error: err.Error()}
	return probes.Result{Outcome: result.Failed, Reason: reason, Evidence: rep.Evidence()}
}
