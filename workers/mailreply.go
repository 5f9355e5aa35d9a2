package workers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// process gives one reply to the probe it answers. A reply that matches no pending
// probe is logged and counted, never an error: the watcher goes on.
func (w *MailWatcher) process(ctx context.Context, raw []byte, internalDate time.Time) error {
	reply, err := email.ParseReply(bytes.NewReader(raw), 0)
	if err != nil {
		w.unmatched("unparsable", "err", err)
		return nil
	}
	cls := email.Classify(reply)
	seen := email.Seen{ID: replyID(reply, raw), At: replyTime(reply, internalDate), Kind: cls.Kind, Ticket: cls.Ticket}
	tokens := reply.Tokens()
	for _, token := range tokens {
		known, err := w.Pendings.Observe(ctx, token, seen, w.decided)
		if err != nil {
			return err
		}
		if known {
			w.Metrics.Replies.WithLabelValues(w.Mailbox.Address, string(cls.Kind)).Inc()
			return nil
		}
	}
	reason := "unknown_probe"
	if len(tokens) == 0 {
		reason = "no_token"
	}
	w.unmatched(reason, "message_id", reply.MessageID, "subject", reply.Subject)
	return nil
}

func (w *MailWatcher) unmatched(reason string, kv ...any) {
	w.Metrics.Unmatched.WithLabelValues(w.Mailbox.Address, reason).Inc()
	w.Logger.Info("reply matches no pending probe", append([]any{"mailbox", w.Mailbox.Address, "reason", reason}, kv...)...)
}

// decided enqueues the result of a probe its reply decided, before the decision is stored.
// Evidence arriving after the decision gets a task id of its own, so it is not lost to
// the first result task's id.
func (w *MailWatcher) decided(p *email.Pending) error {
	return enqueueDecision(context.Background(), w.Client, p)
}

func enqueueDecision(ctx context.Context, client *asynq.Client, p *email.Pending) error {
	var opts []asynq.Option
	if n := len(p.Replies); n > 0 && p.Replies[n-1].Late {
		opts = append(opts, asynq.TaskID(tasks.ResultTaskID(p.ProbeID)+":evidence:"+strconv.Itoa(n)))
	}
	task, err := tasks.NewResultTask(p.Result(), opts...)
	if err != nil {
		return err
	}
	if _, err := client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue result of %s: %w", p.ProbeID, err)
	}
	return nil
}

// replyTime is when our mail server received the reply: its INTERNALDATE, else the
// topmost Received header, else its Date.
func replyTime(r email.Reply, internalDate time.Time) time.Time {
	switch {
	case !internalDate.IsZero():
		return internalDate
	case !r.ReceivedAt.IsZero():
		return r.ReceivedAt
	}
	return r.Date
}

// replyID identifies a reply across deliveries: its Message-ID, else a digest of its header.
func replyID(r email.Reply, raw []byte) string {
	if r.MessageID != "" {
		return r.MessageID
	}
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(raw)
	}
	sum := sha256.Sum256(raw[:end])
	return "sha256:" + hex.EncodeToString(sum[:12])
}
