package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes"
)

// Dispatcher runs probe tasks: it checks the run state, reserves what the probe needs of
// this worker (a browser tab for chat), takes a pacing slot of the target, runs the
// channel's probe and turns what it measured into a result task. It records what every
// probe has in common; probes add only their own measurements.
type Dispatcher struct {
	Registry *probes.Registry
	Pacer    *Pacer
	States   *runstate.Store
	Client   *asynq.Client
	Metrics  *metrics.Probe
	Logger   *slog.Logger
	// PacingMaxWait is how long a probe waits in the worker for a pacing slot before it
	// is handed back to the queue (default 5s).
	PacingMaxWait time.Duration
	// Now is the clock of business hours and run windows (default time.Now).
	Now func() time.Time
	// Stopping, when closed, tells the dispatcher that its worker is stopping: a probe
	// that waits for a browser tab or a pacing slot goes back to the queue untouched,
	// and no probe starts. Nil: never.
	Stopping <-chan struct{}
	// Recorded, when set, is the result store: a probe that has a result there is
	// never run again (a relaunch after Redis lost the run's state), its run state is
	// set to the stored outcome.
	Recorded Recorded
	// Evidence, when set, keeps the large evidence of results (screenshots): the
	// result carries its reference. Nil: the evidence goes inline.
	Evidence store.Evidence

	specs     *specCache
	specsOnce sync.Once
}

// ProcessTask implements asynq.Handler for probe tasks.
func (d *Dispatcher) ProcessTask(ctx context.Context, t *asynq.Task) error {
	ref, err := tasks.ParseProbe(t)
	if err != nil {
		return err
	}
	d.specsOnce.Do(func() { d.specs = newSpecCache(d.States) })
	p, err := d.specs.assign(ctx, ref)
	if err != nil {
		return err
	}
	log := d.Logger.With("probe", p.ProbeID, "channel", p.Channel, "target", p.Target.ID)
	probe, ok := d.Registry.Lookup(p.Channel)
	if !ok {
		return fmt.Errorf("no probe for channel %q in this worker", p.Channel)
	}
	states, err := d.States.States(ctx, p.Run, []string{p.ProbeID})
	if err != nil {
		return err
	}
	if runstate.Final(states[0]) {
		log.Info("probe already ended, not run again", "state", states[0])
		return nil
	}
	if done, err := d.recorded(ctx, p, log); done || err != nil {
		return err
	}
	if done, err := d.gate(ctx, p, log); done {
		return err
	}
	if d.stopping() {
		return errStopping
	}
	// What the probe waits for in the worker, it stops waiting for when the worker stops.
	wctx, stopWaiting := d.waitContext(ctx)
	defer stopWaiting()
	if r, ok := probe.(probes.Reserver); ok {
		// The worker's resource first: the target's pacing slot is not held, nor the
		// probe in flight, while it waits for the browser.
		res, err := d.reserve(wctx, p, r)
		if err != nil {
			if d.stopping() && ctx.Err() == nil {
				return errStopping
			}
			return d.notStarted(ctx, p, err, log)
		}
		defer res.Release()
		probe = res
	}
	slot, err := d.acquire(wctx, p)
	if err != nil {
		if d.stopping() && ctx.Err() == nil {
			return errStopping
		}
		return err
	}
	defer func() {
		if err := slot.Release(context.WithoutCancel(ctx)); err != nil {
			log.Warn("release pacing slot", "err", err)
		}
	}()
	return d.start(ctx, p, probe, slot, log)
}

// errStopping hands a probe that has not started back to its queue when the worker
// stops: a deferral, so the attempt does not count.
var errStopping = &Deferred{Why: "worker stopping", After: time.Second}

// start runs probe p once it holds its target's pacing slot, unless the worker is
// stopping or the slot was lost meanwhile.
func (d *Dispatcher) start(ctx context.Context, p tasks.Assignment, probe probes.Probe, slot *Slot, log *slog.Logger) error {
	if d.stopping() {
		return errStopping
	}
	// The waits for a tab and a slot may have run past closing time or the window's end.
	if done, err := d.gate(ctx, p, log); done {
		return err
	}
	select {
	case <-slot.Lost():
		d.Metrics.PacingSlotsLost.WithLabelValues(string(p.Channel), "before_send").Inc()
		log.Warn("pacing slot lost before the probe started, handed back", "err", slot.Err())
		return &Deferred{Why: "pacing slot of " + p.Target.ID + " lost", After: time.Second}
	default:
	}
	prev, err := d.States.Start(ctx, p.Run, p.ProbeID)
	if err != nil {
		return err
	}
	if runstate.Final(prev) {
		log.Info("probe ended while waiting for its slot, not run", "state", prev)
		return nil
	}
	pctx, gate := probes.WithSendGate(ctx)
	defer gate.Close()
	stop := context.AfterFunc(ctxOf(slot.Lost()), func() {
		ch := string(p.Channel)
		if gate.Abort(errSlotLost) {
			d.Metrics.PacingSlotsLost.WithLabelValues(ch, "before_send").Inc()
			log.Warn("pacing slot lost before the probe contacted its target: attempt aborted, handed back", "err", slot.Err())
			return
		}
		// The target may have seen us already: the attempt goes on and is recorded;
		// another probe of the target may start meanwhile.
		d.Metrics.PacingSlotsLost.WithLabelValues(ch, "after_send").Inc()
		log.Warn("pacing slot lost after the probe contacted its target, it goes on", "err", slot.Err())
	})
	defer stop()
	return d.run(ctx, pctx, gate, p, probe, log)
}

// errSlotLost aborts a probe whose pacing slot was lost before it contacted its target.
var errSlotLost = errors.New("pacing slot lost")

func (d *Dispatcher) stopping() bool {
	select {
	case <-d.Stopping:
		return true
	default:
		return false
	}
}

// waitContext is ctx, also cancelled when the worker stops.
func (d *Dispatcher) waitContext(ctx context.Context) (context.Context, context.CancelFunc) {
	wctx, cancel := context.WithCancel(ctx)
	if d.Stopping == nil {
		return wctx, cancel
	}
	stop := context.AfterFunc(ctxOf(d.Stopping), cancel)
	return wctx, func() { stop(); cancel() }
}

// ctxOf is a context that ends when ch is closed.
func ctxOf(ch <-chan struct{}) context.Context { return chanCtx{context.Background(), ch} }

// chanCtx is a context whose Done is a channel of its owner.
type chanCtx struct {
	context.Context
	done <-chan struct{}
}

func (c chanCtx) Done() <-chan struct{} { return c.done }

func (c chanCtx) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// Recorded is what the dispatcher needs of the result store (store.Store has it).
type Recorded interface {
	Get(ctx context.Context, probeID string) (result.Result, bool, error)
}

// recorded reports whether the store has a result of p already; then the probe is not
// run and its run state becomes the stored outcome.
func (d *Dispatcher) recorded(ctx context.Context, p tasks.Assignment, log *slog.Logger) (bool, error) {
	if d.Recorded == nil {
		return false, nil
	}
	r, ok, err := d.Recorded.Get(ctx, p.ProbeID)
	if err != nil || !ok {
		return false, err
	}
	log.Warn("the store has a result of this probe: not run again", "outcome", r.Outcome)
	return true, d.States.Finish(ctx, p.Run, p.ProbeID, r.Outcome)
}

// reserve waits for what probe r needs of this worker, and records the wait.
func (d *Dispatcher) reserve(ctx context.Context, p tasks.Assignment, r probes.Reserver) (probes.Reservation, error) {
	begin := time.Now()
	res, err := r.Reserve(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", p.ProbeID, err)
	}
	d.Metrics.BrowserWait.WithLabelValues(string(p.Channel)).Observe(time.Since(begin).Seconds())
	return res, nil
}

// notStarted handles a probe whose reservation failed: it is retried, or recorded as
// failed on its last attempt.
func (d *Dispatcher) notStarted(ctx context.Context, p tasks.Assignment, err error, log *slog.Logger) error {
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	d.Metrics.Errors.WithLabelValues(string(p.Channel)).Inc()
	if retried < maxRetry {
		log.Warn("probe could not start, will retry", "err", err, "attempt", retried+1)
		return err
	}
	log.Error("probe could not start on its last attempt", "err", err)
	now := time.Now()
	return d.report(ctx, Record(p, probes.Result{Outcome: result.Failed, Reason: result.ReasonProbeError}, now, 0), log)
}

func (d *Dispatcher) acquire(ctx context.Context, p tasks.Assignment) (*Slot, error) {
	wait := d.PacingMaxWait
	if wait == 0 {
		wait = 5 * time.Second
	}
	begin := time.Now()
	slot, err := d.Pacer.Acquire(ctx, p.Target.ID, p.ProbeID, p.Pacing.MaxInFlight, p.Pacing.MinGap, wait)
	var deferred *Deferred
	if errors.As(err, &deferred) {
		d.Metrics.PacingDeferred.WithLabelValues(string(p.Channel), p.Target.ID).Inc()
		return nil, err
	}
	if err == nil {
		d.Metrics.PacingWait.WithLabelValues(string(p.Channel)).Observe(time.Since(begin).Seconds())
	}
	return slot, err
}

// run runs the probe in pctx, the attempt's context behind gate.
func (d *Dispatcher) run(ctx, pctx context.Context, gate *probes.SendGate, p tasks.Assignment, probe probes.Probe, log *slog.Logger) error {
	ch := string(p.Channel)
	d.Metrics.InFlight.WithLabelValues(ch).Inc()
	defer d.Metrics.InFlight.WithLabelValues(ch).Dec()
	started := time.Now()
	res, err := probe.Probe(pctx, p)
	elapsed := time.Since(started)
	if gate.Close() != nil {
		// Aborted before it contacted the target: it waits again, untouched.
		if rerr := d.States.Requeue(context.WithoutCancel(ctx), p.Run, p.ProbeID); rerr != nil {
			log.Warn("run state", "err", rerr)
		}
		return &Deferred{Why: "pacing slot of " + p.Target.ID + " lost before the probe contacted it", After: time.Second}
	}
	if err != nil {
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		if retried < maxRetry || ctx.Err() != nil {
			// Retried later, or handed back on shutdown: the probe is waiting again.
			if rerr := d.States.Requeue(context.WithoutCancel(ctx), p.Run, p.ProbeID); rerr != nil {
				log.Warn("run state", "err", rerr)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d.Metrics.Errors.WithLabelValues(ch).Inc()
			log.Warn("probe attempt failed, will retry", "err", err, "attempt", retried+1)
			return fmt.Errorf("probe %s: %w", p.ProbeID, err)
		}
		log.Error("probe failed on its last attempt", "err", err)
		res = probes.Result{Outcome: result.Failed, Reason: result.ReasonProbeError}
	}
	if res.Pending {
		// The outcome comes later (email replies); the attempt itself is done.
		d.Metrics.Duration.WithLabelValues(ch, "pending").Observe(elapsed.Seconds())
		log.Info("probe done", "outcome", "pending", "duration", elapsed)
		return nil
	}
	d.Metrics.Duration.WithLabelValues(ch, string(res.Outcome)).Observe(elapsed.Seconds())
	r := Record(p, res, started, elapsed)
	r.Evidence = attach(ctx, d.Evidence, r.Evidence, res.Blobs, log)
	return d.report(ctx, r, log)
}

// Record builds the stored result of probe p from what its probe measured.
func Record(p tasks.Assignment, res probes.Result, started time.Time, elapsed time.Duration) result.Result {
	r := result.Result{
		ProbeID: p.ProbeID, Run: p.Run, Campaign: p.Campaign, Target: p.Target.ID,
		Industry: p.Target.Industry, Channel: string(p.Channel), Scenario: p.Scenario.ID,
		PlannedAt: p.PlannedAt, StartedAt: started.UTC(), FinishedAt: started.Add(elapsed).UTC(),
		Outcome: res.Outcome, Reason: res.Reason, DurationS: elapsed.Seconds(), Evidence: res.Evidence,
	}
	if res.Outcome != result.Failed {
		if res.FirstResponse != nil {
			r.FirstResponseS = result.Seconds(*res.FirstResponse)
		}
		if res.HumanResponse != nil {
			r.HumanResponseS = result.Seconds(*res.HumanResponse)
		}
	}
	return r
}

func (d *Dispatcher) report(ctx context.Context, r result.Result, log *slog.Logger) error {
	task, err := tasks.NewResultTask(r)
	if err != nil {
		return err
	}
	_, err = d.Client.EnqueueContext(context.WithoutCancel(ctx), task)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue result of %s: %w", r.ProbeID, err)
	}
	log.Info("probe done", "outcome", r.Outcome, "reason", r.Reason, "duration", time.Duration(r.DurationS*float64(time.Second)))
	return nil
}
