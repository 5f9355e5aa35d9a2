package workers

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes"
	"github.com/stakeoutcx/stakeout/scheduler"
)

// Backoff of failed probe attempts (docs/worker.md): attempt n (from 0) is retried after
// RetryBase·2ⁿ, at most RetryCap, of which a random part up to half is taken off (so
// workers that failed together do not retry together), and never after the run's window
// ends.
const (
	RetryBase = 10 * time.Second
	RetryCap  = 10 * time.Minute
)

// noWindowHorizon bounds the search for a target's next opening when its run has no
// window end (specs saved before it was kept): a week and a day covers every weekly rule.
const noWindowHorizon = 8 * 24 * time.Hour

// locations caches the time zones of targets.
var locations sync.Map // string → *time.Location

func location(name string) *time.Location {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil || name == "" {
		l = time.UTC // validated at load; a spec that still has a bad zone runs on UTC
	}
	locations.Store(name, l)
	return l
}

// opening says when probe p may start, seen at now: at once (wait 0, ok), after wait (its
// target is closed and opens before the run's window ends), or never (not ok: the window
// ended, or the target does not open again before it ends).
func opening(p tasks.Assignment, now time.Time) (wait time.Duration, ok bool) {
	end := p.WindowEnd
	if !end.IsZero() && !now.Before(end) {
		return 0, false
	}
	if len(p.Target.BusinessHours) == 0 {
		return 0, true
	}
	if end.IsZero() {
		end = now.Add(noWindowHorizon)
	}
	t := &campaign.Target{BusinessHours: p.Target.BusinessHours, Location: location(p.Target.Timezone)}
	at, ok := scheduler.NextOpening(t, now, end)
	if !ok {
		return 0, false
	}
	return at.Sub(now), true
}

// gate checks, before anything is reserved, that probe p may start now. A probe whose
// target is closed goes back to the queue until its next opening (a deferral, not a
// failed attempt); a probe past its run's window ends failed/out_of_window. done is true
// when the task is over (err is then what the handler returns).
func (d *Dispatcher) gate(ctx context.Context, p tasks.Assignment, log *slog.Logger) (done bool, err error) {
	if sent, err := d.contacted(ctx, p); err != nil || sent {
		// An earlier attempt may have reached the target already (the store has its
		// send): hours and window no longer apply; the channel resumes the probe (an
		// email waits for its replies, a chat ends send_unconfirmed).
		return err != nil, err
	}
	now := d.now()
	wait, ok := opening(p, now)
	switch {
	case !ok:
		log.Warn("probe past its run's window, not run", "window_end", p.WindowEnd)
		return true, d.report(ctx, Record(p, probes.Result{Outcome: result.Failed, Reason: result.ReasonOutOfWindow}, now, 0), log)
	case wait > 0:
		d.Metrics.HoursDeferred.WithLabelValues(string(p.Channel)).Inc()
		log.Info("target closed, probe waits for its next opening", "opens_at", now.Add(wait).UTC())
		return true, &Deferred{Why: "target " + p.Target.ID + " is closed", After: wait}
	}
	return false, nil
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// RetryDelay returns the asynq.Config.RetryDelayFunc of the workers, on the clock now: a
// deferral waits as long as it asks, the task of a dead worker is retried at once (it
// has waited out the lease already), and real failures back off exponentially with
// jitter (RetryBase, RetryCap). A probe's retry is never due after its run's window ends.
func RetryDelay(now func() time.Time) asynq.RetryDelayFunc {
	return func(n int, err error, t *asynq.Task) time.Duration {
		var deferred *Deferred
		var d time.Duration
		switch {
		case errors.As(err, &deferred):
			d = deferred.After
		case errors.Is(err, asynq.ErrLeaseExpired):
			d = time.Second
		default:
			d = backoff(n)
		}
		if !strings.HasPrefix(t.Type(), "probe:") {
			return d
		}
		p, perr := tasks.ParseProbe(t)
		if perr != nil || p.WindowEnd.IsZero() {
			return d
		}
		return max(min(d, p.WindowEnd.Sub(now())), 0)
	}
}

// backoff is the delay before retry n (from 0) of a failed attempt.
func backoff(n int) time.Duration {
	d := RetryCap
	if n < 16 {
		d = min(RetryBase<<n, RetryCap)
	}
	return d - rand.N(d/2+1)
}

// sends is what the dispatcher reads of the store's send records (store.Store has it).
type sends interface {
	GetSend(ctx context.Context, probeID string) (store.Send, bool, error)
}

// contacted reports whether the store records a send of p: an earlier attempt began
// sending to its target. It is a read by primary key, beside the one of d.recorded.
func (d *Dispatcher) contacted(ctx context.Context, p tasks.Assignment) (bool, error) {
	s, ok := d.Recorded.(sends)
	if !ok {
		return false, nil
	}
	_, sent, err := s.GetSend(ctx, p.ProbeID)
	return sent, err
}
