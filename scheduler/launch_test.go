package scheduler

import (
	"context"
	"fmt"
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

// launchCampaign returns an always-open email campaign of targets × perTarget probes.
func launchCampaign(targets, perTarget int, window time.Duration) *campaign.Campaign {
	c := &campaign.Campaign{
		ID:   "bench",
		Name: "Bench",
		Schedule: campaign.Schedule{
			Start:           time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
			Window:          campaign.Window{Duration: window},
			ProbesPerTarget: map[campaign.Channel]int{campaign.ChannelEmail: perTarget},
		},
		Pacing:    campaign.Pacing{MaxInFlight: 1},
		Deadlines: campaign.Deadlines{Chat: campaign.Duration(20 * time.Minute), Email: campaign.Duration(72 * time.Hour)},
		Mailboxes: []campaign.Mailbox{{ID: "mb", Address: "shopper@stakeout.test"}},
		Scenarios: []campaign.Scenario{{ID: "refund", Subject: "Refund", Message: "Hello", Persona: campaign.Persona{Name: "Ann"}}},
	}
	for i := range targets {
		c.Targets = append(c.Targets, campaign.Target{
			ID: fmt.Sprintf("t%03d", i), Name: "T", Industry: "retail", Timezone: "UTC", Location: time.UTC,
			Channels: campaign.TargetChannels{Email: &campaign.EmailChannel{Address: "help@t.example", Mailbox: "mb"}},
		})
	}
	return c
}

func newLauncher(rdb *redis.Client) *Launcher {
	return &Launcher{Redis: rdb, States: runstate.New(rdb)}
}

// Launching one run from four processes at once, then again, enqueues each probe once.
func TestLaunchIdempotentConcurrent(t *testing.T) {
	srv := redistest.Start(t)
	c := launchCampaign(5, 40, 24*time.Hour)
	run := FirstRun(c)
	plan, err := Plan(c, run)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		reports []LaunchReport
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each launcher has its own connections, as separate processes would.
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
			defer rdb.Close()
			rep, err := newLauncher(rdb).Launch(context.Background(), c, run, plan)
			if err != nil {
				t.Errorf("Launch: %v", err)
			}
			mu.Lock()
			reports = append(reports, rep)
			mu.Unlock()
		}()
	}
	wg.Wait()
	enqueued := 0
	for _, r := range reports {
		enqueued += r.Enqueued
		if r.Enqueued+r.Existing+r.Skipped != len(plan) {
			t.Errorf("report %+v does not account for %d probes", r, len(plan))
		}
	}
	if enqueued != len(plan) {
		t.Errorf("probes enqueued by 4 concurrent launches = %d, want %d", enqueued, len(plan))
	}
	rdb := redistest.Client(t, srv)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	info, err := insp.GetQueueInfo(tasks.QueueEmail)
	if err != nil {
		t.Fatal(err)
	}
	if info.Scheduled != len(plan) {
		t.Errorf("scheduled tasks in queue = %d, want %d", info.Scheduled, len(plan))
	}
	again, err := newLauncher(rdb).Launch(context.Background(), c, run, plan)
	if err != nil || again.Enqueued != 0 || again.Existing != len(plan) {
		t.Errorf("second launch = %+v, %v; want 0 enqueued, %d existing", again, err, len(plan))
	}
	counts, _ := runstate.New(rdb).Counts(context.Background(), run.ID)
	if counts[runstate.Scheduled] != len(plan) {
		t.Errorf("run state = %v, want %d scheduled", counts, len(plan))
	}
}

// Probes that already started or ended are not enqueued again, even after their task is gone.
func TestLaunchSkipsStartedProbes(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	ctx := context.Background()
	c := launchCampaign(1, 10, time.Hour)
	run := FirstRun(c)
	plan, _ := Plan(c, run)
	states := runstate.New(rdb)
	if err := states.Finish(ctx, run.ID, plan[0].ID, "answered"); err != nil {
		t.Fatal(err)
	}
	if _, err := states.Start(ctx, run.ID, plan[1].ID); err != nil {
		t.Fatal(err)
	}
	rep, err := newLauncher(rdb).Launch(ctx, c, run, plan)
	if err != nil {
		t.Fatal(err)
	}
	want := LaunchReport{Run: run.ID, Total: 10, Enqueued: 8, Skipped: 2}
	if rep != want {
		t.Errorf("Launch = %+v, want %+v", rep, want)
	}
}

// Status counts by state; cancel removes what has not started and leaves the rest.
func TestStatusAndCancel(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	ctx := context.Background()
	c := launchCampaign(2, 5, time.Hour)
	run := FirstRun(c)
	plan, _ := Plan(c, run)
	states := runstate.New(rdb)
	if _, err := newLauncher(rdb).Launch(ctx, c, run, plan); err != nil {
		t.Fatal(err)
	}
	if _, err := states.Start(ctx, run.ID, plan[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := states.Finish(ctx, run.ID, plan[1].ID, "no_response"); err != nil {
		t.Fatal(err)
	}
	st, err := GetStatus(ctx, states, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts["scheduled"] != 8 || st.Counts["running"] != 1 || st.Counts["no_response"] != 1 || st.Meta.Total != 10 {
		t.Errorf("status = %+v, want 8 scheduled, 1 running, 1 no_response of 10", st)
	}
	rep, err := Cancel(ctx, states, asynq.NewInspectorFromRedisClient(rdb), run.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep != (CancelReport{Cancelled: 8, Left: 2}) {
		t.Errorf("Cancel = %+v, want 8 cancelled, 2 left", rep)
	}
	info, _ := asynq.NewInspectorFromRedisClient(rdb).GetQueueInfo(tasks.QueueEmail)
	if info.Scheduled != 2 { // the tasks of plan[0] and plan[1] stay: their state says started or ended
		t.Errorf("scheduled tasks after cancel = %d, want 2", info.Scheduled)
	}
	if _, err := GetStatus(ctx, states, "nope"); err == nil {
		t.Errorf("GetStatus(unknown run) = nil error")
	}
	prev, _ := states.Start(ctx, run.ID, plan[2].ID)
	if prev != runstate.Cancelled {
		t.Errorf("Start(cancelled probe) prev = %q, want cancelled (the worker must not run it)", prev)
	}
}

// BenchmarkLaunch100k launches a 100,000-probe run into a real redis-server, and in the
// same benchmark enqueues the same tasks with a plain single-goroutine Enqueue loop.
func BenchmarkLaunch100k(b *testing.B) {
	srv := redistest.Start(b)
	rdb := redistest.Client(b, srv)
	ctx := context.Background()
	c := launchCampaign(100, 1000, 30*24*time.Hour)
	run := FirstRun(c)
	plan, err := Plan(c, run)
	if err != nil {
		b.Fatal(err)
	}
	var loopRate, launchRate float64
	for range b.N {
		rdb.FlushAll(ctx)
		client := asynq.NewClientFromRedisClient(rdb)
		begin := time.Now()
		for _, p := range plan {
			task, _ := tasks.NewProbeTask(probeTask(p), time.Minute)
			if _, err := client.Enqueue(task); err != nil {
				b.Fatal(err)
			}
		}
		loopRate = float64(len(plan)) / time.Since(begin).Seconds()

		rdb.FlushAll(ctx)
		begin = time.Now()
		rep, err := newLauncher(rdb).Launch(ctx, c, run, plan)
		if err != nil || rep.Enqueued != len(plan) {
			b.Fatalf("Launch = %+v, %v", rep, err)
		}
		launchRate = float64(len(plan)) / time.Since(begin).Seconds()
	}
	b.ReportMetric(launchRate, "launch_probes/s")
	b.ReportMetric(loopRate, "plain_loop_tasks/s")
	b.ReportMetric(launchRate/loopRate, "ratio")
}
