package email

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// Deadlines closes email probes at their deadline: at t0 + deadline a probe with no
// human reply is closed as no_response, or auto_only when only automated replies came.
//
// A reply that reached our mail server before the deadline counts even when the watcher
// reads it later, so a deadline waits until its mailbox has been read through past it
// (for up to MaxWait; then it closes the probe anyway and says so).
type Deadlines struct {
	Pendings *Pendings
	Redis    redis.UniversalClient
	Logger   *slog.Logger
	// MaxWait is how long a deadline waits for its mailbox to be read (default 1h).
	MaxWait time.Duration
}

// NotReadYet is returned by Deadlines.Close while the probe's mailbox has not been read
// through past its deadline: try again After.
type NotReadYet struct {
	Mailbox string
	After   time.Duration
}

func (e *NotReadYet) Error() string {
	return "mailbox " + e.Mailbox + " not read past the deadline yet"
}

// deadlineSlack covers the time between a reply's INTERNALDATE and the moment it shows
// in the mailbox.
const deadlineSlack = 2 * time.Second

// Close decides the probe of token at its deadline and publishes its result, or returns
// a *NotReadYet while its mailbox has not been read past the deadline.
func (h *Deadlines) Close(ctx context.Context, probeID, token string, publish Publish) error {
	if err := h.waitForMailbox(ctx, token); err != nil {
		return err
	}
	known, err := h.Pendings.Close(ctx, token, publish)
	if err != nil {
		return err
	}
	if !known {
		h.Logger.Warn("deadline of an email probe with no record", "probe", probeID)
	}
	return nil
}

// waitForMailbox returns a *NotReadYet while the probe's mailbox has not been read
// through past its deadline.
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
	return &NotReadYet{Mailbox: p.Mailbox, After: max(time.Until(need), 2*time.Second)}
}
