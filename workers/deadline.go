package workers

import (
	"context"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// Deadlines handles email deadline tasks: at t0 + deadline an email probe with no human
// reply is closed as no_response, or auto_only when only automated replies came.
//
// A reply that reached our mail server before the deadline counts even when the watcher
// reads it later, so a deadline waits until its mailbox has been read through past it
// (checked every few seconds, for up to MaxWait; then it closes the probe anyway and
// says so).
type Deadlines struct {
	Pendings *email.Pendings
	Redis    redis.UniversalClient
	Client   *asynq.Client
	Logger   *slog.Logger
	// MaxWait is how long a deadline waits for its mailbox to be read (default 1h).
	MaxWait time.Duration
}

// deadlineSlack covers the time between a reply's INTERNALDATE and the moment it shows
// in the mailbox.
const deadlineSlack = 2 * time.Second

// ProcessTask implements asynq.Handler for email deadline tasks.
func (h *Deadlines) ProcessTask(ctx context.Context, t *asynq.Task) error {
	d, err := tasks.ParseDeadline(t)
	if err != nil {
		return err
	}
	if err := h.waitForMailbox(ctx, d.Token); err != nil {
		return err
	}
	known, err := h.Pendings.Close(ctx, d.Token, func(p *email.Pending) error {
		return enqueueDecision(ctx, h.Client, p)
	})
	if err != nil {
		return err
	}
	if !known {
		h.Logger.Warn("deadline of an email probe with no record", "probe", d.ProbeID)
	}
	return nil
}

// waitForMailbox returns a *Deferred while the probe's mailbox has not been read through
// past its deadline.
func (h *Deadlines) waitForMailbox(ctx context.Context, token string) error {
	p, ok, err := h.Pendings.Get(ctx, token)
	if err != nil || !ok || p.Done() {
		return err
	}
	synced, err := SyncedAt(ctx, h.Redis, p.Mailbox)
	if err != nil {
		return err
	}
	need := p.Deadline.Add(deadlineSlack)
	if !synced.Before(need) {
		return nil
	}
	maxWait := h.MaxWait
	if maxWait == 0 {
		maxWait = time.Hour
	}
	if time.Since(p.Deadline) > maxWait {
		h.Logger.Warn("closing an email probe whose mailbox was not read past its deadline", "probe", p.ProbeID,
			"mailbox", p.Mailbox, "deadline", p.Deadline, "synced_at", synced)
		return nil
	}
	return &Deferred{Why: "mailbox " + p.Mailbox + " not read past the deadline yet", After: max(time.Until(need), 2*time.Second)}
}
