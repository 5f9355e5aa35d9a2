package email

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Run watches the mailbox until ctx ends, reconnecting with backoff after errors.
func (w *Watcher) Run(ctx context.Context) error {
	backoff := time.Second
	for ctx.Err() == nil {
		began := time.Now()
		err := w.session(ctx)
		w.Metrics.Connected.WithLabelValues(w.Mailbox.Address).Set(0)
		w.event(EventDisconnected)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(began) > time.Minute {
			backoff = time.Second
		}
		wait := backoff + rand.N(backoff/2+1)
		w.Logger.Warn("mail watcher disconnected, reconnecting", "mailbox", w.Mailbox.Address, "err", err, "in", wait.Round(time.Millisecond).String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(2*backoff, 2*time.Minute)
	}
	return nil
}

// session is one connection: sync, then wait for news (IDLE) or the next poll, again.
func (w *Watcher) session(ctx context.Context) error {
	news := make(chan struct{}, 1)
	c, stop, err := w.dial(ctx, func() {
		select {
		case news <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return err
	}
	defer c.Close()
	// go-imap has no context: dial closes the connection when ctx ends, which ends
	// whatever command is running.
	defer stop()
	w.Metrics.Connected.WithLabelValues(w.Mailbox.Address).Set(1)
	w.Logger.Info("mail watcher connected", "mailbox", w.Mailbox.Address, "idle", w.idle(c))
	w.event(EventConnected)
	for {
		if err := w.Sync(ctx, c); err != nil {
			return err
		}
		if n, err := w.Pendings.Outstanding(ctx, w.Mailbox.Address); err == nil {
			w.Metrics.Outstanding.WithLabelValues(w.Mailbox.Address).Set(float64(n))
		}
		w.event(EventSynced)
		if err := w.wait(ctx, c, news); err != nil {
			return err
		}
	}
}

func (w *Watcher) idle(c *imapclient.Client) bool {
	return !w.NoIdle && c.Caps().Has(imap.CapIdle)
}

// wait returns when the server announces new messages (under IDLE), at the next poll,
// or when ctx ends. The poll also covers an IDLE that died silently.
func (w *Watcher) wait(ctx context.Context, c *imapclient.Client, news <-chan struct{}) error {
	poll := w.PollInterval
	if poll <= 0 {
		poll = 30 * time.Second
	}
	timer := time.NewTimer(poll)
	defer timer.Stop()
	if !w.idle(c) {
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
		return nil
	}
	cmd, err := c.Idle()
	if err != nil {
		return err
	}
	w.event(EventIdling)
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-news:
	case <-c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	return cmd.Wait()
}
