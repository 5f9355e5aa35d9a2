package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
)

// processors is the number of probes whose replies of a batch are processed at once.
const processors = 16

// incoming is one fetched message, parsed.
type incoming struct {
	uid    imap.UID
	seen   Seen
	tokens []string
	reply  Reply
	// why is set when the message cannot be matched: no_token or unparsable.
	why string
	err error
}

// parse reads one fetched message into what correlation needs.
func parse(uid imap.UID, raw []byte, internalDate time.Time) incoming {
	in := incoming{uid: uid}
	reply, err := ParseReply(bytes.NewReader(raw), 0)
	if err != nil {
		in.why, in.err = "unparsable", err
		return in
	}
	cls := Classify(reply)
	in.reply = reply
	in.seen = Seen{ID: replyID(reply, raw), At: replyTime(reply, internalDate), Kind: cls.Kind, Ticket: cls.Ticket}
	switch cls.Kind {
	case KindBounce:
		in.seen.DSN, in.seen.Text = reply.DSNAction, reply.Text
	case KindHuman:
		in.seen.Text = reply.Text // the answer, graded for quality
	}
	if in.tokens = reply.Tokens(); len(in.tokens) == 0 {
		in.why = "no_token"
	}
	return in
}

// processAll gives every message of a batch to the probe it answers. The replies of one
// probe (by first token) are handled by one goroutine, in order of their time, so the
// probe is decided with every reply of the batch that came before the deciding one;
// different probes are handled concurrently.
func (w *Watcher) processAll(ctx context.Context, ins []incoming) error {
	groups := map[string][]incoming{}
	var order []string
	for _, in := range ins {
		if in.why != "" {
			w.unmatched(in.why, "err", in.err, "message_id", in.reply.MessageID, "subject", in.reply.Subject)
			continue
		}
		key := in.tokens[0]
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], in)
	}
	next := make(chan []incoming)
	errs := make(chan error, len(order))
	var wg sync.WaitGroup
	for range min(processors, len(order)) {
		wg.Go(func() {
			for g := range next {
				slices.SortStableFunc(g, func(a, b incoming) int {
					if c := a.seen.At.Compare(b.seen.At); c != 0 {
						return c
					}
					return int(a.uid) - int(b.uid)
				})
				for _, in := range g {
					if err := w.process(ctx, in); err != nil {
						errs <- err
						break
					}
				}
			}
		})
	}
	for _, key := range order {
		next <- groups[key]
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs // nil when the channel is empty
}

// process gives one reply to the probe it answers. A reply that matches no pending
// probe is logged, counted and kept for its probe, never an error: the watcher goes on.
func (w *Watcher) process(ctx context.Context, in incoming) error {
	o, err := w.Pendings.ObserveAny(ctx, in.tokens, in.seen, w.decided)
	switch {
	case err != nil:
		return err
	case o.Known:
		w.matched(in, o)
	case o.New:
		w.unmatched("unknown_probe", "message_id", in.reply.MessageID, "subject", in.reply.Subject, "kept_for_its_probe", o.Held)
	}
	return nil
}

func (w *Watcher) matched(in incoming, o Observed) {
	if !o.New {
		w.Logger.Debug("reply seen before, counted once", "mailbox", w.Mailbox.Address, "message_id", in.reply.MessageID)
		return
	}
	w.Metrics.Replies.WithLabelValues(w.Mailbox.Address, string(in.seen.Kind)).Inc()
	if o.ClockSkew {
		w.Metrics.ClockSkew.WithLabelValues(w.Mailbox.Address).Inc()
		w.Logger.Warn("reply stamped before its probe's message went out: a clock problem, not used as a response",
			"mailbox", w.Mailbox.Address, "message_id", in.reply.MessageID, "at", in.seen.At)
	}
}

func (w *Watcher) unmatched(reason string, kv ...any) {
	w.Metrics.Unmatched.WithLabelValues(w.Mailbox.Address, reason).Inc()
	w.Logger.Info("reply matches no pending probe", append([]any{"mailbox", w.Mailbox.Address, "reason", reason}, kv...)...)
}

// decided publishes the result of a probe its replies decided, before the record is stored.
func (w *Watcher) decided(p *Pending) error { return w.Publish(p) }

// replyTime is when our mail server received the reply: its INTERNALDATE, else the
// topmost Received header, else its Date.
func replyTime(r Reply, internalDate time.Time) time.Time {
	switch {
	case !internalDate.IsZero():
		return internalDate
	case !r.ReceivedAt.IsZero():
		return r.ReceivedAt
	}
	return r.Date
}

// replyID identifies a reply across deliveries: its Message-ID, else a digest of its header.
func replyID(r Reply, raw []byte) string {
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
