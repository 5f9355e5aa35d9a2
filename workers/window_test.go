package workers

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes"
)

// weekdays9to5 is Monday to Friday, 09:00 to 17:00.
var weekdays9to5 = []campaign.Hours{{Days: "mon-fri", Open: "09:00", Close: "17:00",
	Weekdays: [7]bool{false, true, true, true, true, true, false}, OpenMin: 9 * 60, CloseMin: 17 * 60}}

// hoursProbe saves a run whose target acme, in New York, is open on weekdays from 9 to
// 5, and returns its one email probe task (carrying the window's end), marked scheduled.
func hoursProbe(t *testing.T, rdb *redis.Client, run string, end time.Time) (tasks.Probe, *asynq.Task) {
	t.Helper()
	ctx := context.Background()
	states := runstate.New(rdb)
	spec := &tasks.RunSpec{Run: run, Campaign: "test", Pacing: tasks.Pacing{MaxInFlight: 1},
		Targets: map[string]tasks.SpecTarget{"acme": {Target: tasks.Target{ID: "acme", Name: "Acme", Industry: "test",
			Timezone: "America/New_York", BusinessHours: weekdays9to5}}},
		Scenarios: map[string]campaign.Scenario{"s": {ID: "s", Message: "Hello"}}}
	b, _ := spec.Marshal()
	if _, err := states.SaveSpec(ctx, run, b); err != nil {
		t.Fatal(err)
	}
	p := tasks.Probe{ProbeID: run + "/acme/email/1", Run: run, Channel: campaign.ChannelEmail, TargetID: "acme",
		ScenarioID: "s", Seq: 1, PlannedAt: time.Now(), WindowEnd: end}
	task, err := tasks.NewProbeTask(p, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := states.MarkScheduled(ctx, run, []string{p.ProbeID}); err != nil {
		t.Fatal(err)
	}
	return p, task
}

// testDispatcher returns a dispatcher on rdb whose clock reads now and whose email
// probe counts its calls.
func testDispatcher(t *testing.T, rdb *redis.Client, now time.Time, calls *atomic.Int32) *Dispatcher {
	t.Helper()
	reg := probes.NewRegistry()
	_ = reg.Register(campaign.ChannelEmail, probes.Func(func(ctx context.Context, _ probes.Target) (probes.Result, error) {
		calls.Add(1)
		return probes.Result{Outcome: result.NoResponse, Reason: result.ReasonDeadline}, nil
	}))
	client := asynq.NewClientFromRedisClient(rdb)
	return &Dispatcher{Registry: reg, Pacer: NewPacer(rdb), States: runstate.New(rdb), Client: client,
		Metrics: metrics.NewProbe(prometheus.NewRegistry()), Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return now }}
}

func newYork(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// A probe due at 3 a.m. on a Saturday in its target's time zone does not run: it goes
// back to the queue, without counting as an attempt, until Monday 9 a.m. there.
func TestProbeOutsideHoursWaitsForOpening(t *testing.T) {
	rdb := redistest.Client(t, redistest.Start(t))
	now := newYork(t, "2026-12-05 03:00") // a Saturday
	_, task := hoursProbe(t, rdb, "hours", newYork(t, "2026-12-31 00:00"))
	var calls atomic.Int32
	d := testDispatcher(t, rdb, now, &calls)
	err := d.ProcessTask(context.Background(), task)
	var deferred *Deferred
	if !errors.As(err, &deferred) {
		t.Fatalf("ProcessTask = %v, want a *Deferred", err)
	}
	if want := newYork(t, "2026-12-07 09:00").Sub(now); deferred.After != want {
		t.Errorf("deferred for %s, want %s (until Monday 09:00 New York)", deferred.After, want)
	}
	if isFailure(err) {
		t.Errorf("isFailure(%v) = true: waiting for the opening must not use up a retry", err)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the probe ran %d time(s) outside its target's hours", n)
	}
	// Inside the hours it runs.
	d = testDispatcher(t, rdb, newYork(t, "2026-12-07 10:30"), &calls)
	if err := d.ProcessTask(context.Background(), task); err != nil {
		t.Fatalf("ProcessTask on Monday 10:30 = %v", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the probe ran %d time(s) inside its target's hours, want 1", n)
	}
}

// A probe due after its run's window, or whose target opens again only after it, ends
// failed/out_of_window, recorded as a result, without contacting the target.
func TestProbePastWindowFails(t *testing.T) {
	for _, tc := range []struct{ name, now, end string }{
		{"window ended", "2026-12-07 10:30", "2026-12-07 10:00"},
		{"no opening before the end", "2026-12-05 03:00", "2026-12-06 12:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb := redistest.Client(t, redistest.Start(t))
			p, task := hoursProbe(t, rdb, "late", newYork(t, tc.end))
			var calls atomic.Int32
			d := testDispatcher(t, rdb, newYork(t, tc.now), &calls)
			if err := d.ProcessTask(context.Background(), task); err != nil {
				t.Fatalf("ProcessTask = %v, want nil (a result)", err)
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("the probe ran %d time(s) past its window", n)
			}
			r := enqueuedResult(t, rdb, p.ProbeID)
			if r.Outcome != result.Failed || r.Reason != result.ReasonOutOfWindow {
				t.Errorf("result = %s/%s, want failed/out_of_window", r.Outcome, r.Reason)
			}
		})
	}
}

func enqueuedResult(t *testing.T, rdb *redis.Client, probeID string) result.Result {
	t.Helper()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	info, err := insp.GetTaskInfo(tasks.QueueResults, tasks.ResultTaskID(probeID))
	if err != nil {
		t.Fatalf("result task of %s: %v", probeID, err)
	}
	r, err := tasks.ParseResult(asynq.NewTask(info.Type, info.Payload))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Retries back off exponentially with jitter, capped, and are never due after the
// run's window ends.
func TestRetryDelayBoundedByWindow(t *testing.T) {
	now := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	delay := RetryDelay(func() time.Time { return now })
	task := func(end time.Time) *asynq.Task {
		tk, _ := tasks.NewProbeTask(tasks.Probe{ProbeID: "r/acme/email/1", Run: "r", Channel: campaign.ChannelEmail,
			TargetID: "acme", WindowEnd: end}, time.Minute)
		return tk
	}
	failed := errors.New("connection refused")
	far := now.Add(30 * 24 * time.Hour)
	for n, want := range map[int]time.Duration{0: RetryBase, 1: 2 * RetryBase, 3: 8 * RetryBase, 10: RetryCap, 24: RetryCap} {
		for range 20 {
			if d := delay(n, failed, task(far)); d > want || d < want/2 {
				t.Errorf("retry %d delayed %s, want %s..%s", n, d, want/2, want)
			}
		}
	}
	end := now.Add(3 * time.Second)
	if d := delay(10, failed, task(end)); d > 3*time.Second || d < 0 {
		t.Errorf("retry 10 of a probe whose window ends in 3s delayed %s, want at most 3s", d)
	}
	if d := delay(2, &Deferred{After: time.Hour}, task(end)); d > 3*time.Second {
		t.Errorf("a deferral past the window's end delayed %s, want at most 3s", d)
	}
	if d := delay(2, failed, task(now.Add(-time.Minute))); d != 0 {
		t.Errorf("retry after the window's end delayed %s, want 0 (the probe then ends out_of_window)", d)
	}
}

// Through a real worker: the probe due while its target is closed waits in asynq's
// retry set until the opening, with no attempt used.
func TestWorkerDefersClosedTarget(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	p, task := hoursProbe(t, rdb, "closed", newYork(t, "2026-12-31 00:00"))
	if _, err := asynq.NewClientFromRedisClient(rdb).Enqueue(task); err != nil {
		t.Fatal(err)
	}
	now := newYork(t, "2026-12-05 03:00") // a Saturday
	var calls atomic.Int32
	reg := probes.NewRegistry()
	_ = reg.Register(campaign.ChannelEmail, probes.Func(func(ctx context.Context, _ probes.Target) (probes.Result, error) {
		calls.Add(1)
		return probes.Result{Outcome: result.NoResponse, Reason: result.ReasonDeadline}, nil
	}))
	w, err := New(Config{Redis: redisconn.Addr(srv.Addr), Registry: reg, Logger: slog.New(slog.DiscardHandler),
		Queues: map[string]int{tasks.QueueEmail: 1}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	begin := time.Now()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	var info *asynq.TaskInfo
	pollFor(t, 30*time.Second, "the probe to wait in the retry set", func() bool {
		info, err = insp.GetTaskInfo(tasks.QueueEmail, tasks.ProbeTaskID(p.ProbeID))
		return err == nil && info.State == asynq.TaskStateRetry
	})
	wait := newYork(t, "2026-12-07 09:00").Sub(now)
	if info.Retried != 0 {
		t.Errorf("retried = %d, want 0: waiting for the opening is not a failed attempt", info.Retried)
	}
	if lo, hi := begin.Add(wait), time.Now().Add(wait); info.NextProcessAt.Before(lo.Add(-time.Second)) || info.NextProcessAt.After(hi.Add(time.Second)) {
		t.Errorf("next attempt at %s, want %s from now (Monday 09:00 New York)", info.NextProcessAt, wait)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the probe ran %d time(s) while its target was closed", n)
	}
}

// The check is made again once the probe has its tab and slot: a probe that waited past
// its target's closing time waits for the next opening instead of starting.
func TestProbeCheckedAgainAfterItsWaits(t *testing.T) {
	rdb := redistest.Client(t, redistest.Start(t))
	_, task := hoursProbe(t, rdb, "again", newYork(t, "2026-12-31 00:00"))
	var calls atomic.Int32
	d := testDispatcher(t, rdb, time.Time{}, &calls)
	clock := []time.Time{newYork(t, "2026-12-07 16:59"), newYork(t, "2026-12-07 17:14")}
	var reads atomic.Int32
	d.Now = func() time.Time { return clock[min(int(reads.Add(1))-1, len(clock)-1)] }
	err := d.ProcessTask(context.Background(), task)
	var deferred *Deferred
	if !errors.As(err, &deferred) {
		t.Fatalf("ProcessTask = %v, want a *Deferred (closed when it could start)", err)
	}
	if want := newYork(t, "2026-12-08 09:00").Sub(clock[1]); deferred.After != want {
		t.Errorf("deferred for %s, want %s (until Tuesday 09:00)", deferred.After, want)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the probe ran %d time(s) after closing time", n)
	}
	if n := rdb.Exists(context.Background(), slotKey("acme", 0)).Val(); n != 0 {
		t.Errorf("the pacing slot is still held")
	}
}
