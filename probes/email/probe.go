package email

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/probes"
)

// Probe is the email channel's probe. It sends the scenario's message and returns at
// once: the mail watcher matches replies to the probe as they arrive, and a deadline
// task closes it at t0 + deadline. A worker slot is never held while waiting for a human.
//
// A company receives each probe's message once: the probe's record is written to the
// store (Ledger) and to Redis before DATA, and an attempt that finds a record of an
// earlier attempt's send in either never sends again. When Redis lost the record, the
// store's row rebuilds it and the probe waits for replies and its deadline as if just
// sent.
type Probe struct {
	Sender   *Sender
	Pendings *Pendings
	Redis    redis.UniversalClient
	Client   *asynq.Client
	// Publish enqueues the result of a probe that replies decided before the send was
	// recorded (replies that arrived before the server's 250 reached us). Nil: none.
	Publish Publish
	// Logger receives a record when an interrupted send is resolved (default: discard).
	Logger *slog.Logger
	// Ledger, when set, records each send before DATA and is checked before sending
	// (every probing worker of a fleet should have it: see docs/worker.md).
	Ledger Ledger
}

// Probe implements probes.Probe.
func (e *Probe) Probe(ctx context.Context, a probes.Target) (probes.Result, error) {
	if a.Email == nil || a.Mailbox == nil {
		// The campaign validator refuses this; a hand-made task could still carry it.
		return probes.Result{Outcome: result.Failed, Reason: result.ReasonMailboxUnreachable}, nil
	}
	token := Token(a.ProbeID)
	prev, ok, err := e.Pendings.Get(ctx, token)
	if err != nil {
		return probes.Result{}, err
	}
	switch {
	case ok && !prev.T0.IsZero():
		// A retried attempt whose message went out: only make sure the deadline exists.
		return probes.Result{Pending: true}, e.enqueueDeadline(ctx, a.ProbeID, token, prev.Deadline)
	case ok && prev.Outcome == result.Failed:
		return probes.Result{Outcome: result.Failed, Reason: prev.Reason}, nil
	case ok && prev.Sending():
		return e.resume(ctx, a, prev)
	case !ok && e.Ledger != nil:
		if sd, sent, err := e.Ledger.GetSend(ctx, a.ProbeID); err != nil || sent {
			if err != nil {
				return probes.Result{}, err
			}
			return e.restore(ctx, sd)
		}
	}
	started := time.Now().UTC()
	var rec Pending
	sent, err := e.Sender.SendWith(ctx, a, func(s Sent) error {
		// Before DATA the company has received nothing: the dispatcher may still abort.
		if err := probes.Sending(ctx); err != nil {
			return err
		}
		rec = e.record(a, s, started)
		return e.begin(ctx, a, rec)
	})
	if err != nil {
		return e.failed(ctx, a.ProbeID, token, err)
	}
	if e.Ledger != nil {
		if err := e.Ledger.ConfirmSend(ctx, a.ProbeID, sent.T0, sent.T0.Add(rec.Wait)); err != nil {
			// The row written before DATA is there: a restore times it from DATA.
			e.logger().Warn("record t0 in the store", "probe", a.ProbeID, "err", err)
		}
	}
	p, err := e.Pendings.Confirm(ctx, token, sent.T0, T0Accepted, e.Publish)
	if errors.Is(err, ErrNoRecord) {
		// The record written before DATA is gone (Redis lost it): write it again, sent.
		rec.T0, rec.T0Source, rec.Deadline = sent.T0, T0Accepted, sent.T0.Add(rec.Wait)
		if err = e.Pendings.Register(ctx, rec, e.Publish); err == nil {
			p = &rec
		}
	}
	if err != nil {
		return probes.Result{}, err
	}
	return probes.Result{Pending: true}, e.enqueueDeadline(ctx, a.ProbeID, token, p.Deadline)
}

// record is the probe's record as written before DATA.
func (e *Probe) record(a probes.Target, s Sent, started time.Time) Pending {
	return Pending{
		Token: s.Token, ProbeID: a.ProbeID, Run: a.Run, Campaign: a.Campaign, Target: a.Target.ID,
		Industry: a.Target.Industry, Scenario: a.Scenario.ID, Mailbox: a.Mailbox.Address, MessageID: s.MessageID,
		PlannedAt: a.PlannedAt, StartedAt: started, SendingAt: time.Now().UTC(), Wait: a.Deadline,
	}
}

// begin records the probe, before DATA, in the store and in Redis, and makes sure a
// watcher reads its mailbox.
func (e *Probe) begin(ctx context.Context, a probes.Target, p Pending) error {
	if e.Ledger != nil {
		sd, err := newSend(p, *a.Mailbox)
		if err != nil {
			return err
		}
		if err := e.Ledger.RecordSend(ctx, sd); err != nil {
			return err
		}
	}
	if err := e.Pendings.Register(ctx, p, e.Publish); err != nil {
		return err
	}
	// After the record (which makes the mailbox outstanding), so that a watcher that
	// hears of the mailbox finds a probe to watch for.
	return UseMailbox(ctx, e.Redis, *a.Mailbox)
}

// resume handles an attempt that finds an earlier attempt's send unconfirmed: the
// message may have gone out, so it is never sent again. t0 is taken as when that
// attempt began DATA; a probe that then gets no reply at all ends failed/send_unconfirmed.
func (e *Probe) resume(ctx context.Context, a probes.Target, prev *Pending) (probes.Result, error) {
	e.logger().Warn("an earlier attempt stopped while sending: not sending again, t0 is when it began DATA",
		"probe", a.ProbeID, "data_started", prev.SendingAt)
	if err := UseMailbox(ctx, e.Redis, *a.Mailbox); err != nil {
		return probes.Result{}, err
	}
	p, err := e.Pendings.Confirm(ctx, prev.Token, prev.SendingAt, T0DataStarted, e.Publish)
	if err != nil {
		return probes.Result{}, err
	}
	return probes.Result{Pending: true}, e.enqueueDeadline(ctx, a.ProbeID, prev.Token, p.Deadline)
}

// failed handles a send that failed. A message that may have reached the server is
// left recorded as sending (the retry resumes it); otherwise the record is released so
// a retry sends, or, when retrying cannot help, ends the probe failed/smtp_rejected.
func (e *Probe) failed(ctx context.Context, probeID, token string, err error) (probes.Result, error) {
	var se *SMTPError
	if !errors.As(err, &se) || se.MaybeSent {
		return probes.Result{}, err
	}
	if e.Ledger != nil {
		if lerr := e.Ledger.AbandonSend(ctx, probeID); lerr != nil {
			return probes.Result{}, errors.Join(err, lerr)
		}
	}
	// The server said no, or the session ended before DATA: nothing was delivered.
	if aerr := e.Pendings.Abandon(ctx, token, se.Permanent, result.ReasonSMTPRejected); aerr != nil {
		return probes.Result{}, errors.Join(err, aerr)
	}
	if se.Permanent {
		return probes.Result{Outcome: result.Failed, Reason: result.ReasonSMTPRejected}, nil
	}
	return probes.Result{}, err
}

// restore handles an attempt that finds no record in Redis but a send in the store
// (Redis lost its data): the message went out, so it is never sent again; the record
// is rebuilt from the store and the probe waits for replies and its deadline.
func (e *Probe) restore(ctx context.Context, sd store.Send) (probes.Result, error) {
	p, mb, err := fromSend(sd)
	if err != nil {
		return probes.Result{}, err
	}
	e.logger().Warn("the store says this probe's message was sent and Redis has no record of it: not sending again, record restored",
		"probe", sd.ProbeID, "t0_source", p.T0Source)
	restored, err := rebuild(ctx, e.Pendings, e.Redis, e.Client, e.Publish, p, mb)
	if err != nil {
		return probes.Result{}, err
	}
	if !restored {
		// A restorer put the record back meanwhile: make sure its deadline exists.
		cur, ok, err := e.Pendings.Get(ctx, p.Token)
		if err != nil {
			return probes.Result{}, err
		}
		if !ok {
			return probes.Result{}, ErrNoRecord // lost again: the retry restores it
		}
		return probes.Result{Pending: true}, e.enqueueDeadline(ctx, sd.ProbeID, p.Token, cur.Deadline)
	}
	return probes.Result{Pending: true}, nil
}

// enqueueDeadline enqueues the task that closes the probe at its deadline (once).
func (e *Probe) enqueueDeadline(ctx context.Context, probeID, token string, at time.Time) error {
	return enqueueDeadline(ctx, e.Client, probeID, token, at)
}

func (e *Probe) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}
