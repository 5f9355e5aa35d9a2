package scheduler

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/runstate"
)

// errNotRolling is returned by a top-up of a run that has nothing left to enqueue.
var errNotRolling = errors.New("nothing left to enqueue")

// TopUp enqueues the probes of every run launched with a horizon whose next top-up is
// due: those planned from the run's through mark to now plus its horizon. Each run is
// planned again from the campaign YAML kept at its first launch (the plan is
// deterministic, seeded by the run id), under the run's launch lock; a run another
// process is launching or topping up is left to it. It returns what each top-up did;
// a run that fails is logged and tried again on the next call.
func (l *Launcher) TopUp(ctx context.Context) []LaunchReport {
	return l.topUp(ctx, l.now())
}

func (l *Launcher) topUp(ctx context.Context, now time.Time) []LaunchReport {
	log := l.logger()
	runs, err := l.States.DueRolling(ctx, now)
	if err != nil {
		log.Error("top up runs", "err", err)
		return nil
	}
	var out []LaunchReport
	for _, run := range runs {
		if ctx.Err() != nil {
			break
		}
		rep, did, err := l.topUpRun(ctx, run, now)
		switch {
		case err != nil:
			log.Error("top up run", "run", run, "err", err)
		case did:
			log.Info("run topped up", "run", run, "enqueued", rep.Enqueued, "existing", rep.Existing,
				"skipped", rep.Skipped, "later", rep.Later, "through", rep.Through.Format(time.RFC3339))
			out = append(out, rep)
		}
	}
	return out
}

// topUpRun tops up one run under its lock; did is false when another process holds
// the lock.
func (l *Launcher) topUpRun(ctx context.Context, run string, now time.Time) (rep LaunchReport, did bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			rep, did, err = LaunchReport{Run: run}, false, fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	lock, lctx, err := lockRun(ctx, l.Redis, run, false, nil, l.logger())
	if err != nil || lock == nil {
		return rep, false, err
	}
	defer lock.release(ctx)
	rep, err = l.topUpLocked(lctx, run, now)
	if errors.Is(err, errNotRolling) {
		return rep, false, nil
	}
	return rep, err == nil, err
}

// topUpLocked enqueues the probes of run planned in [through, now+horizon).
func (l *Launcher) topUpLocked(ctx context.Context, id string, now time.Time) (LaunchReport, error) {
	rep := LaunchReport{Run: id}
	meta, ok, err := l.States.GetMeta(ctx, id)
	if err != nil {
		return rep, err
	}
	if !ok || !meta.Cancelled.IsZero() || meta.Horizon <= 0 {
		// Cancelled, relaunched at once, or gone from Redis: nothing to top up.
		return rep, errors.Join(errNotRolling, l.States.MarkDone(ctx, id))
	}
	file, src, ok, err := l.States.LoadCampaign(ctx, id)
	if err != nil {
		return rep, err
	}
	if !ok {
		return rep, fmt.Errorf("the campaign it was launched from is not in Redis (launch it again to keep it)")
	}
	c, err := campaign.ParseWith(ctx, file, src, campaign.Options{NoProfiles: true})
	if err != nil {
		return rep, fmt.Errorf("plan the rest of the run: %w", err)
	}
	run := Run{ID: id, Start: meta.Start, End: meta.End}
	plan, err := Plan(c, run)
	if err != nil {
		return rep, fmt.Errorf("plan the rest of the run: %w", err)
	}
	if len(plan) != meta.Total {
		return rep, fmt.Errorf("planned again, the run has %d probes, but it was launched with %d: left as it is", len(plan), meta.Total)
	}
	rep.Total = len(plan)
	through, last := horizonEnd(plan, now, meta.Horizon)
	var due []Probe
	for _, p := range plan {
		if !p.At.Before(meta.Through) && p.At.Before(through) {
			due = append(due, p)
		} else if !p.At.Before(through) {
			rep.Later++
		}
	}
	if err := l.enqueueDue(ctx, c, run, due, &rep); err != nil {
		return rep, err
	}
	if err := l.States.ExpireRun(ctx, id, Expiry(c, run, now), launchedKey(id)); err != nil {
		return rep, err
	}
	if _, err := l.States.AdvanceThrough(ctx, id, through, last, topUpLead(meta.Horizon)); err != nil {
		return rep, err
	}
	rep.Through = through
	return rep, nil
}

// pending returns how many probes of a run with meta are not yet in its run state:
// planned beyond its horizon, not enqueued so far.
func pending(meta runstate.Meta, counts map[string]int) int {
	known := 0
	for _, n := range counts {
		known += n
	}
	return max(meta.Total-known, 0)
}
