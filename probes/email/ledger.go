package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// Ledger is what the email probe needs of the results store: the record of the
// messages it sent, written before DATA, which outlives a Redis that loses its data
// (store.Store has it).
type Ledger interface {
	RecordSend(ctx context.Context, s store.Send) error
	ConfirmSend(ctx context.Context, probeID string, t0, deadline time.Time) error
	AbandonSend(ctx context.Context, probeID string) error
	GetSend(ctx context.Context, probeID string) (store.Send, bool, error)
	OpenSends(ctx context.Context, channel string) ([]store.Send, error)
}

// sendRecord is the Record of an email send in the store: the probe's record as
// written before DATA and the settings of the mailbox it was sent from (which name
// where the passwords are, never the passwords), enough to watch for its replies and
// close it at its deadline again.
type sendRecord struct {
	Pending Pending          `json:"pending"`
	Mailbox campaign.Mailbox `json:"mailbox"`
}

// newSend is the store's row of a probe about to send from mb.
func newSend(p Pending, mb campaign.Mailbox) (store.Send, error) {
	b, err := json.Marshal(sendRecord{Pending: p, Mailbox: mb})
	if err != nil {
		return store.Send{}, err
	}
	return store.Send{ProbeID: p.ProbeID, Run: p.Run, Target: p.Target, Channel: string(campaign.ChannelEmail),
		Mailbox: p.Mailbox, Token: p.Token, MessageID: p.MessageID, SentAt: p.SendingAt, Record: b}, nil
}

// fromSend rebuilds a probe's record from its row in the store: sent at the row's t0
// when the server's acceptance was recorded, else (like an interrupted send) at the
// moment DATA began, with source T0DataStarted.
func fromSend(sd store.Send) (Pending, campaign.Mailbox, error) {
	var rec sendRecord
	if err := json.Unmarshal(sd.Record, &rec); err != nil {
		return Pending{}, campaign.Mailbox{}, fmt.Errorf("decode send of %s: %w", sd.ProbeID, err)
	}
	p := rec.Pending
	if p.Token == "" || rec.Mailbox.Address == "" {
		return Pending{}, campaign.Mailbox{}, fmt.Errorf("send of %s: record without token or mailbox", sd.ProbeID)
	}
	p.T0, p.T0Source = sd.T0, T0Accepted
	if p.T0.IsZero() {
		p.T0, p.T0Source = sd.SentAt, T0DataStarted
	}
	p.Deadline = p.T0.Add(p.Wait)
	p.SendingAt = time.Time{}
	return p, rec.Mailbox, nil
}

// Restorer puts back into Redis what it lost of the probes the store says were sent
// and have no result: their records, deadlines and mailboxes, so watchers read their
// replies and deadlines close them again. A worker runs it at start and before every
// scan of the mailbox list.
type Restorer struct {
	Ledger   Ledger
	Pendings *Pendings
	Redis    redis.UniversalClient
	Client   *asynq.Client
	Publish  Publish
	Logger   *slog.Logger
}

// Restore restores every open send whose record Redis lost, and returns how many.
// Sends whose deadline is more than keepAfterDeadline ago are left alone.
func (r *Restorer) Restore(ctx context.Context) (int, error) {
	open, err := r.Ledger.OpenSends(ctx, string(campaign.ChannelEmail))
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, sd := range open {
		restored, err := r.restore(ctx, sd)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if restored {
			n++
		}
	}
	if n > 0 && r.Logger != nil {
		r.Logger.Warn("restored email probes whose records Redis lost (from the result store)", "probes", n)
	}
	return n, errors.Join(errs...)
}

// restore restores one send unless Redis has its record.
func (r *Restorer) restore(ctx context.Context, sd store.Send) (bool, error) {
	p, mb, err := fromSend(sd)
	if err != nil {
		return false, err
	}
	if time.Since(p.Deadline) > keepAfterDeadline {
		return false, nil
	}
	if _, ok, err := r.Pendings.Get(ctx, p.Token); err != nil || ok {
		return false, err
	}
	return rebuild(ctx, r.Pendings, r.Redis, r.Client, r.Publish, p, mb)
}

// rebuild writes p back to Redis as sent, registers its mailbox and enqueues its
// deadline, unless Redis has a record of p meanwhile (an attempt sending it right now
// wrote its own): then it does nothing and returns false.
func rebuild(ctx context.Context, ps *Pendings, rdb redis.UniversalClient, client *asynq.Client, publish Publish, p Pending, mb campaign.Mailbox) (bool, error) {
	restored, err := ps.Restore(ctx, p, publish)
	if err != nil || !restored {
		return false, err
	}
	if err := UseMailbox(ctx, rdb, mb); err != nil {
		return true, err
	}
	return true, enqueueDeadline(ctx, client, p.ProbeID, p.Token, p.Deadline)
}

// enqueueDeadline enqueues the task that closes the probe at its deadline (once).
func enqueueDeadline(ctx context.Context, client *asynq.Client, probeID, token string, at time.Time) error {
	task, err := tasks.NewDeadlineTask(tasks.Deadline{ProbeID: probeID, Token: token}, at)
	if err != nil {
		return err
	}
	if _, err := client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue deadline of %s: %w", probeID, err)
	}
	return nil
}
