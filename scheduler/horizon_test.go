package scheduler

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// rollingCampaign is a 72-hour, always-open email campaign of 2 targets × 36 probes,
// parsed from YAML (a launch with a horizon keeps the YAML).
func rollingCampaign(t *testing.T) (*campaign.Campaign, Run, []Probe) {
	t.Helper()
	c, err := campaign.Parse("rolling.yaml", []byte(campaignYAML("rolling", "2030-01-01T00:00:00Z", "72h", "none", 2, 36)))
	if err != nil {
		t.Fatal(err)
	}
	run := FirstRun(c)
	plan, err := Plan(c, run)
	if err != nil {
		t.Fatal(err)
	}
	return c, run, plan
}

// before counts the probes of plan planned before t.
func before(plan []Probe, t time.Time) int {
	n := 0
	for _, p := range plan {
		if p.At.Before(t) {
			n++
		}
	}
	return n
}

func horizonLauncher(rdb *redis.Client, now *time.Time) *Launcher {
	l := newLauncher(rdb)
	l.Horizon = 24 * time.Hour
	l.Now = func() time.Time { return *now }
	return l
}

// queuedIDs returns the probe ids of the scheduled tasks of the email queue, failing
// the test on a probe queued twice.
func queuedIDs(t *testing.T, rdb *redis.Client) map[string]bool {
	t.Helper()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	ids := map[string]bool{}
	for page := 1; ; page++ {
		ts, err := insp.ListScheduledTasks(tasks.QueueEmail, asynq.PageSize(1000), asynq.Page(page))
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) == 0 {
			return ids
		}
		for _, ti := range ts {
			p, err := tasks.ParseProbe(asynq.NewTask(ti.Type, ti.Payload))
			if err != nil {
				t.Fatal(err)
			}
			if ids[p.ProbeID] {
				t.Errorf("probe %s queued twice", p.ProbeID)
			}
			ids[p.ProbeID] = true
		}
	}
}

// A launch with a horizon enqueues what starts within it; top-ups enqueue the rest as
// time passes, each probe once, only when due; status counts the rest as scheduled.
func TestHorizonLaunchAndTopUp(t *testing.T) {
	rdb := redistest.Client(t, redistest.Start(t))
	ctx := context.Background()
	c, run, plan := rollingCampaign(t)
	now := run.Start
	l := horizonLauncher(rdb, &now)

	rep, err := l.Launch(ctx, c, run, plan)
	if err != nil {
		t.Fatal(err)
	}
	due := before(plan, run.Start.Add(24*time.Hour))
	if due == 0 || due == len(plan) {
		t.Fatalf("a 24h horizon of a 72h run covers %d of %d probes: the test needs some on both sides", due, len(plan))
	}
	want := LaunchReport{Run: run.ID, Total: len(plan), Enqueued: due, Later: len(plan) - due, Through: run.Start.Add(24 * time.Hour)}
	if rep != want {
		t.Errorf("Launch = %+v, want %+v", rep, want)
	}
	if got := len(queuedIDs(t, rdb)); got != due {
		t.Errorf("tasks queued = %d, want %d", got, due)
	}
	states := runstate.New(rdb)
	st, err := GetStatus(ctx, states, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts[runstate.Scheduled] != len(plan) || st.Pending != len(plan)-due {
		t.Errorf("status = %v with %d pending, want all %d scheduled, %d pending", st.Counts, st.Pending, len(plan), len(plan)-due)
	}
	// The run's state expires 30 days after its last deadline (email: 72h by default).
	for _, k := range []string{"meta", "probes", "spec", "campaign"} {
		key := "stakeout:run:{" + run.ID + "}:" + k
		want := run.End.Add(c.Deadlines.Email.D() + runstate.Retention)
		if at := rdb.ExpireTime(ctx, key).Val(); at != time.Duration(want.Unix())*time.Second {
			t.Errorf("%s expires at %v, want %v", key, time.Unix(int64(at/time.Second), 0).UTC(), want)
		}
	}

	// Nothing is due until an eighth of the horizon has passed.
	now = run.Start.Add(3*time.Hour - time.Second)
	if reps := l.TopUp(ctx); len(reps) != 0 {
		t.Errorf("top-up before it is due = %+v, want none", reps)
	}
	now = run.Start.Add(3 * time.Hour)
	reps := l.TopUp(ctx)
	more := before(plan, now.Add(24*time.Hour)) - due
	if len(reps) != 1 || reps[0].Enqueued != more || reps[0].Through != now.Add(24*time.Hour) {
		t.Fatalf("top-up 3h in = %+v, want %d enqueued through %v", reps, more, now.Add(24*time.Hour))
	}
	if got := len(queuedIDs(t, rdb)); got != due+more {
		t.Errorf("tasks queued = %d, want %d", got, due+more)
	}

	// A probe that ran meanwhile is not queued again by a relaunch; a relaunch
	// enqueues nothing the top-ups did.
	if err := states.Finish(ctx, run.ID, plan[0].ID, "answered"); err != nil {
		t.Fatal(err)
	}
	again, err := l.Launch(ctx, c, run, plan)
	if err != nil || again.Enqueued != 0 || again.Skipped != 1 || again.Existing != due+more-1 {
		t.Errorf("relaunch = %+v, %v; want 0 enqueued, 1 skipped, %d existing", again, err, due+more-1)
	}

	// Long after the last top-up (a scheduler was down), the next one catches up
	// whole, and the run leaves the rolling set.
	now = run.End
	reps = l.TopUp(ctx)
	if len(reps) != 1 || reps[0].Enqueued != len(plan)-due-more || reps[0].Later != 0 {
		t.Fatalf("top-up at the window's end = %+v, want the last %d enqueued", reps, len(plan)-due-more)
	}
	if got := len(queuedIDs(t, rdb)); got != len(plan) {
		t.Errorf("tasks queued = %d, want all %d", got, len(plan))
	}
	if n := rdb.ZCard(ctx, runstate.RollingKey).Val(); n != 0 {
		t.Errorf("rolling runs after the last top-up = %d, want 0", n)
	}
	if st, _ := GetStatus(ctx, states, run.ID); st.Pending != 0 {
		t.Errorf("pending after the last top-up = %d, want 0", st.Pending)
	}
}

// Top-ups by several schedulers at once enqueue each probe once.
func TestHorizonTopUpConcurrent(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	ctx := context.Background()
	c, run, plan := rollingCampaign(t)
	now := run.Start
	if _, err := horizonLauncher(rdb, &now).Launch(ctx, c, run, plan); err != nil {
		t.Fatal(err)
	}
	later := run.Start.Add(30 * time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	enqueued := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := redis.NewClient(&redis.Options{Addr: srv.Addr})
			defer own.Close()
			// Each retries until its top-up finds nothing left to do in the horizon.
			for range 20 {
				reps := horizonLauncher(own, &later).TopUp(ctx)
				mu.Lock()
				for _, r := range reps {
					enqueued += r.Enqueued
				}
				mu.Unlock()
				if len(reps) == 0 && rdb.ZScore(ctx, runstate.RollingKey, run.ID).Val() > float64(later.UnixMilli()) {
					return
				}
			}
		}()
	}
	wg.Wait()
	want := before(plan, later.Add(24*time.Hour))
	if got := len(queuedIDs(t, rdb)); got != want {
		t.Errorf("tasks queued = %d, want %d", got, want)
	}
	if enqueued != want-before(plan, run.Start.Add(24*time.Hour)) {
		t.Errorf("probes enqueued by concurrent top-ups = %d, want %d", enqueued, want-before(plan, run.Start.Add(24*time.Hour)))
	}
}

// Cancelling a rolling run cancels the probes not yet enqueued too: no top-up or
// relaunch enqueues them, and status counts them cancelled.
func TestHorizonCancel(t *testing.T) {
	rdb := redistest.Client(t, redistest.Start(t))
	ctx := context.Background()
	c, run, plan := rollingCampaign(t)
	now := run.Start
	l := horizonLauncher(rdb, &now)
	if _, err := l.Launch(ctx, c, run, plan); err != nil {
		t.Fatal(err)
	}
	states := runstate.New(rdb)
	rep, err := Cancel(ctx, states, asynq.NewInspectorFromRedisClient(rdb), run.ID, nil)
	if err != nil || rep != (CancelReport{Cancelled: len(plan)}) {
		t.Fatalf("Cancel = %+v, %v; want all %d cancelled", rep, err, len(plan))
	}
	now = run.End
	if reps := l.TopUp(ctx); len(reps) != 0 {
		t.Errorf("top-up of a cancelled run = %+v, want none", reps)
	}
	again, err := l.Launch(ctx, c, run, plan)
	if err != nil || again.Enqueued != 0 {
		t.Errorf("relaunch of a cancelled run = %+v, %v; want nothing enqueued", again, err)
	}
	if got := len(queuedIDs(t, rdb)); got != 0 {
		t.Errorf("tasks queued = %d, want 0", got)
	}
	st, err := GetStatus(ctx, states, run.ID)
	if err != nil || st.Counts[runstate.Cancelled] != len(plan) || st.Counts[runstate.Scheduled] != 0 {
		t.Errorf("status = %v, %v; want all %d cancelled", st.Counts, err, len(plan))
	}
	// A second cancel finds nothing left.
	if rep, err := Cancel(ctx, states, asynq.NewInspectorFromRedisClient(rdb), run.ID, nil); err != nil || rep.Cancelled != 0 {
		t.Errorf("second Cancel = %+v, %v; want 0 cancelled", rep, err)
	}
}

// A cancel waits for a top-up of the run in progress (it holds the run's lock).
func TestHorizonCancelWaitsForLock(t *testing.T) {
	rdb := redistest.Client(t, redistest.Start(t))
	ctx := context.Background()
	c, run, plan := rollingCampaign(t)
	now := run.Start
	if _, err := horizonLauncher(rdb, &now).Launch(ctx, c, run, plan); err != nil {
		t.Fatal(err)
	}
	lock, _, err := lockRun(ctx, rdb, run.ID, false, nil, nil)
	if err != nil || lock == nil {
		t.Fatalf("lockRun = %v, %v", lock, err)
	}
	waiting := make(chan struct{})
	done := make(chan CancelReport)
	go func() {
		rep, err := Cancel(ctx, runstate.New(rdb), asynq.NewInspectorFromRedisClient(rdb), run.ID, func() { close(waiting) })
		if err != nil {
			t.Error(err)
		}
		done <- rep
	}()
	<-waiting
	select {
	case rep := <-done:
		t.Fatalf("Cancel ended while the run was locked: %+v", rep)
	default:
	}
	lock.release(ctx)
	if rep := <-done; rep.Cancelled != len(plan) {
		t.Errorf("Cancel = %+v, want %d cancelled", rep, len(plan))
	}
}

// A launch with a horizon needs the campaign's YAML; one built in Go has none.
func TestHorizonNeedsSource(t *testing.T) {
	rdb := redistest.Client(t, redistest.Start(t))
	c := launchCampaign(1, 48, 48*time.Hour)
	run := FirstRun(c)
	plan, _ := Plan(c, run)
	now := run.Start
	if _, err := horizonLauncher(rdb, &now).Launch(context.Background(), c, run, plan); err == nil {
		t.Errorf("Launch with a horizon of a campaign without YAML = nil error")
	}
}

// The scheduler's scans launch a run with its horizon and top it up, and a top-up
// plans from the campaign kept at the launch, not from the file as it is now.
func TestRecurringTopsUp(t *testing.T) {
	rdb := redistest.Client(t, redistest.Start(t))
	ctx := context.Background()
	dir := t.TempDir()
	c, run, plan := rollingCampaign(t)
	writeCampaign(t, dir, "rolling.yaml", string(c.Source))
	now := run.Start.Add(time.Hour)
	r := newRecurring(rdb, dir, func() time.Time { return now }, nil)
	r.Launcher.Horizon = 24 * time.Hour
	if got := r.Tick(ctx); len(got) != 1 {
		t.Fatalf("Tick = %q, want the run launched", got)
	}
	if got, want := len(queuedIDs(t, rdb)), before(plan, now.Add(24*time.Hour)); got != want {
		t.Errorf("tasks queued after the launch = %d, want %d", got, want)
	}
	// The file changes (twice the probes); the running run keeps its plan.
	writeCampaign(t, dir, "rolling.yaml", campaignYAML("rolling", "2030-01-01T00:00:00Z", "72h", "none", 2, 72))
	now = run.Start.Add(50 * time.Hour)
	r.Tick(ctx)
	if got, want := len(queuedIDs(t, rdb)), before(plan, now.Add(24*time.Hour)); got != want {
		t.Errorf("tasks queued after a top-up = %d, want %d", got, want)
	}
	if ok, err := SchedulerSeen(ctx, rdb, now.Add(-time.Minute)); err != nil || !ok {
		t.Errorf("SchedulerSeen = %v, %v; want the scanning scheduler seen", ok, err)
	}
}

// BenchmarkRedisMemory1M launches a month of 1,000,000 email probes (1,000 targets ×
// 1,000) into a real redis-server twice, all at once and with a 24-hour horizon, and
// reports Redis's used memory after each (above an empty server's).
func BenchmarkRedisMemory1M(b *testing.B) {
	rdb := redistest.Client(b, redistest.Start(b))
	ctx := context.Background()
	c, err := campaign.Parse("month.yaml", []byte(campaignYAML("month", "2030-01-01T00:00:00Z", "720h", "none", 1000, 1000)))
	if err != nil {
		b.Fatal(err)
	}
	run := FirstRun(c)
	begin := time.Now()
	plan, err := Plan(c, run)
	if err != nil || len(plan) != 1_000_000 {
		b.Fatalf("Plan = %d probes, %v", len(plan), err)
	}
	planTime := time.Since(begin)
	used := func() float64 {
		b.Helper()
		info, err := rdb.Info(ctx, "memory").Result()
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					b.Fatal(err)
				}
				return n
			}
		}
		b.Fatal("INFO memory has no used_memory")
		return 0
	}
	for range b.N {
		rdb.FlushAll(ctx)
		empty := used()
		now := run.Start
		rep, err := (&Launcher{Redis: rdb, States: runstate.New(rdb), Now: func() time.Time { return now }}).Launch(ctx, c, run, plan)
		if err != nil || rep.Enqueued != len(plan) {
			b.Fatalf("Launch all at once = %+v, %v", rep, err)
		}
		whole := used() - empty
		rdb.FlushAll(ctx)
		empty = used()
		l := horizonLauncher(rdb, &now)
		if rep, err = l.Launch(ctx, c, run, plan); err != nil {
			b.Fatal(err)
		}
		day := used() - empty
		// A top-up when it is next due (3 hours in) plans the whole run again.
		now = run.Start.Add(3 * time.Hour)
		begin := time.Now()
		reps := l.TopUp(ctx)
		topUp := time.Since(begin)
		if len(reps) != 1 {
			b.Fatalf("top-up = %+v", reps)
		}
		peak := used() - empty
		b.ReportMetric(whole/1e6, "MB_all_at_once")
		b.ReportMetric(day/1e6, "MB_horizon_24h")
		b.ReportMetric(peak/1e6, "MB_horizon_after_topup")
		b.ReportMetric(whole/float64(len(plan)), "B/probe_all_at_once")
		b.ReportMetric(float64(rep.Enqueued), "probes_in_24h")
		b.ReportMetric(planTime.Seconds(), "s_plan")
		b.ReportMetric(topUp.Seconds(), "s_topup")
	}
}

// A launch waits for the run's lock held by another process (saying so once), then
// launches.
func TestLaunchWaitsForLock(t *testing.T) {
	rdb := redistest.Client(t, redistest.Start(t))
	ctx := context.Background()
	c, run, plan := rollingCampaign(t)
	lock, _, err := lockRun(ctx, rdb, run.ID, false, nil, nil)
	if err != nil || lock == nil {
		t.Fatalf("lockRun = %v, %v", lock, err)
	}
	now := run.Start
	l := horizonLauncher(rdb, &now)
	waiting := make(chan struct{})
	l.Waiting = func() { close(waiting) }
	done := make(chan LaunchReport)
	go func() {
		rep, err := l.Launch(ctx, c, run, plan)
		if err != nil {
			t.Error(err)
		}
		done <- rep
	}()
	<-waiting
	if _, ok, _ := runstate.New(rdb).GetMeta(ctx, run.ID); ok {
		t.Fatalf("the run was recorded while another process held its lock")
	}
	lock.release(ctx)
	if rep := <-done; rep.Enqueued != before(plan, run.Start.Add(24*time.Hour)) {
		t.Errorf("Launch after the lock was released = %+v", rep)
	}
}
