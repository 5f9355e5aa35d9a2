package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/lease"
)

// lockTTL bounds how long a crashed scheduler keeps a run locked; a live scheduler
// renews its lock while it launches.
var lockTTL = 30 * time.Second

func launchedKey(run string) string { return "stakeout:run:{" + run + "}:launched" }
func lockKey(run string) string     { return "stakeout:run:{" + run + "}:launching" }

// runLock is the held launch lock of one run: launches, top-ups and cancels of a run
// take it, so that one of them at a time changes what is enqueued.
type runLock struct {
	lock   *lease.Lease
	keeper *lease.Keeper
	cancel context.CancelCauseFunc
	log    *slog.Logger
	run    string
}

// lockRun takes the launch lock of run. Without wait it returns nil when another
// process holds the lock; with wait it retries until the lock is free or ctx ends,
// calling waiting (when set) once before the first retry. The lock is renewed until
// release; the returned context ends when the lock is lost (Redis unreachable for a
// whole TTL), which stops the work done under it.
func lockRun(ctx context.Context, rdb redis.UniversalClient, run string, wait bool, waiting func(), log *slog.Logger) (*runLock, context.Context, error) {
	if log == nil {
		log = slog.Default()
	}
	var lk *lease.Lease
	for {
		var err error
		if lk, err = lease.Acquire(ctx, rdb, lockKey(run), lockTTL); err != nil {
			return nil, ctx, err
		}
		if lk != nil || !wait {
			break
		}
		if waiting != nil {
			waiting()
			waiting = nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx, fmt.Errorf("wait for the launch lock of run %s: %w", run, context.Cause(ctx))
		case <-time.After(lockTTL / 30):
		}
	}
	if lk == nil {
		return nil, ctx, nil
	}
	lctx, cancel := context.WithCancelCause(ctx)
	rl := &runLock{lock: lk, cancel: cancel, log: log, run: run}
	rl.keeper = lk.Keep(lease.KeepOptions{
		OnError: func(err error) { log.Warn("renew launch lock", "run", run, "err", err) },
		OnLost:  func(err error) { cancel(err) },
	})
	return rl, lctx, nil
}

// release stops renewing the lock and gives it up.
func (l *runLock) release(ctx context.Context) {
	l.keeper.Stop()
	if err := l.lock.Release(context.WithoutCancel(ctx)); err != nil {
		l.log.Warn("release launch lock", "run", l.run, "err", err)
	}
	l.cancel(nil)
}
