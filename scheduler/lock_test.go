package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// A launch that lasts longer than the lock's TTL keeps its lock (the scheduler renews
// it), so a second scheduler does not start the same launch meanwhile; the lock goes
// when the launch ends.
func TestLaunchLockRenewed(t *testing.T) {
	old := lockTTL
	lockTTL = 300 * time.Millisecond
	t.Cleanup(func() { lockTTL = old })
	rdb := redistest.Client(t, redistest.Start(t))
	ctx := context.Background()
	dir := t.TempDir()
	yaml := campaignYAML("slow", "2030-01-01T00:00:00Z", "24h", "none", 1, 2)
	yaml = strings.Replace(yaml, "    timezone: UTC\n", "    timezone: UTC\n    business_hours: [{days: daily, open: \"08:00\", close: \"20:00\"}]\n", 1)
	writeCampaign(t, dir, "slow.yaml", yaml)
	r := newRecurring(rdb, dir, fixedNow("2030-01-01T06:00:00Z"), nil)
	run := "slow-20300101T0000Z"
	held := false
	r.Launcher.Progress = func(int) {
		begin := time.Now()
		for time.Since(begin) < 3*lockTTL {
			time.Sleep(lockTTL / 10)
		}
		held = rdb.Exists(ctx, lockKey(run)).Val() == 1
	}
	if got := r.Tick(ctx); len(got) != 1 {
		t.Fatalf("Tick = %q, want the run launched", got)
	}
	if !held {
		t.Errorf("three lock TTLs into the launch, its lock %s was gone", lockKey(run))
	}
	if n := rdb.Exists(ctx, lockKey(run)).Val(); n != 0 {
		t.Errorf("lock still held after the launch")
	}

	// The launched probes carry their run's window end and their target's hours.
	ts, err := asynq.NewInspectorFromRedisClient(rdb).ListScheduledTasks(tasks.QueueEmail)
	if err != nil || len(ts) != 2 {
		t.Fatalf("scheduled tasks = %d, %v; want 2", len(ts), err)
	}
	p, err := tasks.ParseProbe(asynq.NewTask(ts[0].Type, ts[0].Payload))
	if want := utc("2030-01-02T00:00:00Z"); err != nil || !p.WindowEnd.Equal(want) {
		t.Errorf("probe window end = %v, %v; want %v", p.WindowEnd, err, want)
	}
	b, _, _ := runstate.New(rdb).LoadSpec(ctx, run)
	spec, err := tasks.ParseRunSpec(b)
	if err != nil {
		t.Fatal(err)
	}
	a, err := spec.Assign(p)
	if err != nil {
		t.Fatal(err)
	}
	if h := a.Target.BusinessHours; len(h) != 1 || h[0].OpenMin != 8*60 || h[0].CloseMin != 20*60 || !h[0].Weekdays[time.Sunday] {
		t.Errorf("the target's hours in the run's spec = %+v, want daily 08:00-20:00", h)
	}
}
