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
	task, err := tasks.NewDeadlineTask(tasks.Deadline{ProbeID: a.ProbeID, Token: sent.Token}, p.Deadline)
	if err != nil {
		return probes.Result{}, err
	}
	if _, err := e.Client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return probes.Result{}, fmt.Errorf("enqueue deadline of %s: %w", a.ProbeID, err)
	}
	return probes.Result{Pending: true}, nil
}
