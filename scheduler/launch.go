package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// DefaultLaunchConcurrency is the number of concurrent enqueuers of a launch.
const DefaultLaunchConcurrency = 1024

// Launcher puts a run's planned probes onto asynq, each at its planned time under a
// deterministic task id. Launching the same run again, or from several processes at
// once, enqueues each probe exactly once: probes that already started or ended are
// skipped by their run state, and asynq refuses a second task with the same id.
//
// With a Horizon, a launch enqueues only the probes planned before now+Horizon and
// keeps the campaign's YAML with the run; TopUp (which every `stakeout scheduler` runs
// on each scan) plans the run again from it and enqueues the rest as time passes, so
// Redis holds a horizon of probes, not the whole window.
type Launcher struct {
	// Redis is the server of the asynq queues. Enqueues from the concurrent enqueuers go
	// through go-redis's autopipeliner, so many enqueue scripts share one round trip.
	Redis  *redis.Client
	States *runstate.Store
	// Concurrency is the number of concurrent enqueuers (default DefaultLaunchConcurrency).
	Concurrency int
	// Progress, when set, is called as probes are handled with the count so far.
	Progress func(done int)
	// Store, when set, is the result store: the launch records the run there, and
	// never enqueues a probe the store has a send or a result of (Redis may have lost
	// the run's state; the store has not).
	Store store.Ledger
	// Horizon, when positive, is how far ahead of now probes are enqueued; zero
	// enqueues the whole run at once. Top-ups follow the horizon of the run's latest
	// launch.
	Horizon time.Duration
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Logger receives what top-ups do (default slog.Default()).
	Logger *slog.Logger
	// Waiting, when set, is called once when Launch must wait for the run's lock (a
	// launch, top-up or cancel of the run by another process is in progress).
	Waiting func()
}

// LaunchReport says what a launch did.
type LaunchReport struct {
	Run string
	// Total probes in the plan.
	Total int
	// Enqueued by this launch.
	Enqueued int
	// Existing probes that were already queued (an earlier or concurrent launch).
	Existing int
	// Skipped probes that had already started, ended or been cancelled.
	Skipped int
	// Recorded probes that the store says were sent or have a result (included in
	// Skipped): never sent again.
	Recorded int
	// Later probes are planned at or after Through, beyond the horizon: top-ups
	// enqueue them as time passes.
	Later int
	// Through is the end of the horizon: every probe planned before it is enqueued
	// (zero when the whole run was enqueued at once).
	Through time.Time
}

func (l *Launcher) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Launcher) logger() *slog.Logger {
	if l.Logger != nil {
		return l.Logger
	}
	return slog.Default()
}

// Launch enqueues plan, the plan of run for campaign c: all of it, or with a Horizon
// what is planned before now+Horizon. It holds the run's launch lock meanwhile (waiting
// for a scheduler that is launching or topping up the same run; Waiting, when set, is
// called once if it must wait).
func (l *Launcher) Launch(ctx context.Context, c *campaign.Campaign, run Run, plan []Probe) (LaunchReport, error) {
	lock, lctx, err := lockRun(ctx, l.Redis, run.ID, true, l.Waiting, l.logger())
	if err != nil {
		return LaunchReport{Run: run.ID, Total: len(plan)}, err
	}
	defer lock.release(ctx)
	return l.launch(lctx, c, run, plan, l.now())
}

// launch is Launch under the run's lock.
func (l *Launcher) launch(ctx context.Context, c *campaign.Campaign, run Run, plan []Probe, now time.Time) (LaunchReport, error) {
	rep := LaunchReport{Run: run.ID, Total: len(plan)}
	through, last := horizonEnd(plan, now, l.Horizon)
	due := make([]Probe, 0, len(plan))
	for _, p := range plan {
		if p.At.Before(through) {
			due = append(due, p)
		}
	}
	rep.Later = len(plan) - len(due)
	if rep.Later > 0 && len(c.Source) == 0 {
		return rep, fmt.Errorf("run %s: a launch with a horizon keeps the campaign's YAML to plan the rest later, but campaign %s has none (load it with campaign.Load or Parse)", run.ID, c.ID)
	}
	if err := l.States.SetMeta(ctx, run.ID, runstate.Meta{Campaign: c.ID, Total: len(plan), Start: run.Start, End: run.End, Horizon: l.Horizon}); err != nil {
		return rep, err
	}
	rs := tasks.NewRunSpec(c, run.ID)
	rs.WindowEnd = run.End
	spec, err := rs.Marshal()
	if err != nil {
		return rep, err
	}
	if _, err := l.States.SaveSpec(ctx, run.ID, spec); err != nil {
		return rep, err
	}
	if rep.Later > 0 {
		if err := l.States.SaveCampaign(ctx, run.ID, c.File, c.Source); err != nil {
			return rep, err
		}
	}
	if l.Store != nil {
		if err := l.Store.RecordRun(ctx, store.Run{ID: run.ID, Campaign: c.ID, Spec: spec, Total: len(plan),
			Start: run.Start, End: run.End}); err != nil {
			return rep, err
		}
	}
	if err := l.enqueueDue(ctx, c, run, due, &rep); err != nil {
		return rep, err
	}
	if err := l.States.ExpireRun(ctx, run.ID, Expiry(c, run, now), launchedKey(run.ID)); err != nil {
		return rep, err
	}
	if _, err := l.States.AdvanceThrough(ctx, run.ID, through, last, topUpLead(l.Horizon)); err != nil {
		return rep, err
	}
	if l.Horizon > 0 {
		rep.Through = through
	}
	return rep, nil
}

// Expiry is when the state of run, launched or topped up at now, expires from Redis:
// runstate.Retention after the window's end plus the campaign's longest deadline, or
// after now when that is later (a run launched after its window).
func Expiry(c *campaign.Campaign, run Run, now time.Time) time.Time {
	var longest time.Duration
	for _, ch := range campaign.Channels {
		longest = max(longest, c.Deadlines.For(ch))
	}
	last := run.End.Add(longest)
	if now.After(last) {
		last = now
	}
	return last.Add(runstate.Retention)
}

// horizonEnd returns the end of the horizon that starts at now (after the last probe
// for a horizon of zero) and the time of the plan's last probe.
func horizonEnd(plan []Probe, now time.Time, horizon time.Duration) (through, last time.Time) {
	for _, p := range plan {
		if p.At.After(last) {
			last = p.At
		}
	}
	if horizon <= 0 {
		return last.Add(time.Millisecond), last
	}
	// The mark is kept in milliseconds.
	return now.Add(horizon).Truncate(time.Millisecond), last
}

// topUpLead is how far before a run's through mark its next top-up is due: when an
// eighth of the horizon has passed, so each top-up enqueues an eighth of a horizon of
// probes and Redis holds between 7/8 and all of a horizon.
func topUpLead(horizon time.Duration) time.Duration {
	return horizon - horizon/8
}

// DueCount returns how many probes of plan a launch at now with horizon enqueues.
func DueCount(plan []Probe, now time.Time, horizon time.Duration) int {
	through, _ := horizonEnd(plan, now, horizon)
	n := 0
	for _, p := range plan {
		if p.At.Before(through) {
			n++
		}
	}
	return n
}

// enqueueDue enqueues the probes of due that have not started, ended or been
// cancelled, counting what it did in rep. A probe of a cancelled run that was never
// enqueued is skipped too.
func (l *Launcher) enqueueDue(ctx context.Context, c *campaign.Campaign, run Run, due []Probe, rep *LaunchReport) error {
	meta, _, err := l.States.GetMeta(ctx, run.ID)
	if err != nil {
		return err
	}
	var done map[string]result.Outcome
	if l.Store != nil {
		if done, err = l.Store.Done(ctx, run.ID); err != nil {
			return err
		}
	}
	ids := make([]string, len(due))
	for i, p := range due {
		ids[i] = p.ID
	}
	states, err := l.States.States(ctx, run.ID, ids)
	if err != nil {
		return err
	}
	todo, restore := sortOut(due, states, done, !meta.Cancelled.IsZero(), rep)
	if err := l.States.Restore(ctx, run.ID, restore); err != nil {
		return err
	}
	if l.Progress != nil && rep.Skipped > 0 {
		l.Progress(rep.Skipped)
	}
	// Enqueues are independent, so batches may run in parallel and out of order. Many
	// small batches in flight keep both Redis and this process busy (measured on 2 cores:
	// 100 × 16 with 1024 enqueuers beat fewer, larger batches).
	ap, err := l.Redis.AutoPipelineWithOptions(&redis.AutoPipelineOptions{
		MaxBatchSize: 100, MaxConcurrentBatches: 16, Unordered: true,
	})
	if err != nil {
		return fmt.Errorf("redis autopipeline: %w", err)
	}
	// The autopipeliner is cached by the client and shared by later launches.
	client := asynq.NewClientFromRedisClient(ap)
	enq, existing, err := l.enqueueAll(ctx, client, c, todo, run, rep.Skipped)
	rep.Enqueued, rep.Existing = rep.Enqueued+enq, rep.Existing+existing
	return err
}

// sortOut returns the probes of plan to enqueue: those whose run state is empty or
// scheduled and that the store has no send or result of (done); in a cancelled run,
// only those whose state is scheduled (a cancel running meanwhile). The others are
// counted in rep; those the store knows and Redis does not get their run state back
// (restore).
func sortOut(plan []Probe, states []string, done map[string]result.Outcome, cancelled bool, rep *LaunchReport) (todo []Probe, restore map[string]string) {
	todo = make([]Probe, 0, len(plan))
	restore = map[string]string{}
	for i, p := range plan {
		outcome, recorded := done[p.ID]
		switch {
		case recorded && runstate.Final(states[i]):
			rep.Skipped++
		case recorded:
			rep.Skipped++
			rep.Recorded++
			restore[p.ID] = recordedState(outcome)
		case states[i] == runstate.Scheduled || (states[i] == "" && !cancelled):
			todo = append(todo, p)
		default:
			rep.Skipped++
		}
	}
	return todo, restore
}

// recordedState is the run state of a probe the store knows: its outcome, or running
// for a message sent whose result has not come.
func recordedState(o result.Outcome) string {
	if o == "" {
		return runstate.Running
	}
	return string(o)
}

// enqueueAll enqueues probes with Concurrency workers, marking each chunk scheduled.
func (l *Launcher) enqueueAll(ctx context.Context, client *asynq.Client, c *campaign.Campaign, todo []Probe, run Run, base int) (enq, existing int, err error) {
	const chunk = 20000
	workers := l.Concurrency
	if workers <= 0 {
		workers = DefaultLaunchConcurrency
	}
	done := base
	for start := 0; start < len(todo); start += chunk {
		part := todo[start:min(start+chunk, len(todo))]
		e, x, err := l.enqueueChunk(ctx, client, c, part, run.End, workers)
		enq, existing = enq+e, existing+x
		if err != nil {
			return enq, existing, err
		}
		ids := make([]string, len(part))
		for i, p := range part {
			ids[i] = p.ID
		}
		if err := l.States.MarkScheduled(ctx, run.ID, ids); err != nil {
			return enq, existing, err
		}
		done += len(part)
		if l.Progress != nil {
			l.Progress(done)
		}
	}
	return enq, existing, nil
}

func (l *Launcher) enqueueChunk(ctx context.Context, client *asynq.Client, c *campaign.Campaign, part []Probe, end time.Time, workers int) (enq, existing int, err error) {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		next = make(chan Probe)
	)
	for range min(workers, len(part)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				created, err := enqueue(ctx, client, c, p, end)
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, err)
				case created:
					enq++
				default:
					existing++
				}
				mu.Unlock()
			}
		}()
	}
	for _, p := range part {
		if ctx.Err() != nil {
			break
		}
		next <- p
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	if len(errs) > 0 {
		return enq, existing, fmt.Errorf("enqueue %d of %d probes failed: %w", len(errs), len(part), errs[0])
	}
	return enq, existing, nil
}

func enqueue(ctx context.Context, client *asynq.Client, c *campaign.Campaign, p Probe, end time.Time) (created bool, err error) {
	pt := probeTask(p)
	pt.WindowEnd = end
	task, err := tasks.NewProbeTask(pt, MaxRunTime(c, p.Channel))
	if err != nil {
		return false, err
	}
	_, err = client.EnqueueContext(ctx, task)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", p.ID, err)
	}
	return true, nil
}

// MaxRunTime bounds one attempt of a probe on channel ch: a chat conversation lasts at
// most its abandon timeout; an email probe only sends.
func MaxRunTime(c *campaign.Campaign, ch campaign.Channel) time.Duration {
	if ch == campaign.ChannelChat {
		return c.Deadlines.For(ch) + 5*time.Minute
	}
	return 10 * time.Minute
}

func probeTask(p Probe) tasks.Probe {
	return tasks.Probe{ProbeID: p.ID, Run: p.Run, Channel: p.Channel, TargetID: p.Target,
		ScenarioID: p.Scenario, Seq: p.Seq, PlannedAt: p.At}
}
