package email

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes"
)

// Probe is the email channel's probe. It sends the scenario's message and returns at
// once: the mail watcher matches replies to the probe as they arrive, and a deadline
// task closes it at t0 + deadline. A worker slot is never held while waiting for a human.
type Probe struct {
	Sender   *Sender
	Pendings *Pendings
	Redis    redis.UniversalClient
	Client   *asynq.Client
}

// Probe implements probes.Probe.
func (e *Probe) Probe(ctx context.Context, a probes.Target) (probes.Result, error) {
	if a.Email == nil || a.Mailbox == nil {
		// The campaign validator refuses this; a hand-made task could still carry it.
		return probes.Result{Outcome: result.Failed, Reason: result.ReasonMailboxUnreachable}, nil
	}
	if err := RegisterMailbox(ctx, e.Redis, *a.Mailbox); err != nil {
		return probes.Result{}, err
	}
	// A retried attempt whose message already went out (its record exists) does not
	// send it again: it only makes sure the deadline task exists.
	if prev, ok, err := e.Pendings.Get(ctx, Token(a.ProbeID)); err != nil {
		return probes.Result{}, err
	} else if ok && !prev.T0.IsZero() {
		return probes.Result{Pending: true}, e.enqueueDeadline(ctx, a.ProbeID, prev.Token, prev.Deadline)
	}
	started := time.Now().UTC()
	sent, err := e.Sender.Send(ctx, a)
	if IsPermanent(err) {
		return probes.Result{Outcome: result.Failed, Reason: result.ReasonSMTPRejected}, nil
	}
	if err != nil {
		return probes.Result{}, err
	}
	p := Pending{
		Token: sent.Token, ProbeID: a.ProbeID, Run: a.Run, Campaign: a.Campaign, Target: a.Target.ID,
		Industry: a.Target.Industry, Scenario: a.Scenario.ID, Mailbox: a.Mailbox.Address, MessageID: sent.MessageID,
		PlannedAt: a.PlannedAt, StartedAt: started, T0: sent.T0, Deadline: sent.T0.Add(a.Deadline),
	}
	if err := e.Pendings.Register(ctx, p); err != nil {
		return probes.Result{}, err
	}
	return probes.Result{Pending: true}, e.enqueueDeadline(ctx, a.ProbeID, sent.Token, p.Deadline)
}

// enqueueDeadline enqueues the task that closes the probe at its deadline (once).
func (e *Probe) enqueueDeadline(ctx context.Context, probeID, token string, at time.Time) error {
	task, err := tasks.NewDeadlineTask(tasks.Deadline{ProbeID: probeID, Token: token}, at)
	if err != nil {
		return err
	}
	if _, err := e.Client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue deadline of %s: %w", probeID, err)
	}
	return nil
}
