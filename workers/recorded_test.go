package workers

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes"
)

// A probe the store has a result of is not run again (Redis lost its run state and the
// probe was enqueued again); its run state becomes the stored outcome.
func TestDispatcherSkipsRecordedProbe(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Client(t, redistest.Start(t))
	st := openStore(t, filepath.Join(t.TempDir(), "r.db"))
	states := runstate.New(rdb)
	spec := &tasks.RunSpec{Run: "run", Campaign: "test", Pacing: tasks.Pacing{MaxInFlight: 1},
		Deadlines: map[campaign.Channel]time.Duration{campaign.ChannelChat: time.Minute},
		Targets:   map[string]tasks.SpecTarget{"acme": {Target: tasks.Target{ID: "acme", Name: "Acme"}, Chat: &campaign.ChatChannel{URL: "http://127.0.0.1:1/"}}},
		Scenarios: map[string]campaign.Scenario{"s": {ID: "s", Message: "Hello"}}}
	b, _ := spec.Marshal()
	if _, err := states.SaveSpec(ctx, "run", b); err != nil {
		t.Fatal(err)
	}
	ran := 0
	reg := probes.NewRegistry()
	if err := reg.Register(campaign.ChannelChat, probes.Func(func(context.Context, probes.Target) (probes.Result, error) {
		ran++
		return probes.Result{Outcome: result.Failed, Reason: result.ReasonPageLoad}, nil
	})); err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClientFromRedisClient(rdb)
	d := &Dispatcher{Registry: reg, Pacer: NewPacer(rdb), States: states, Client: client,
		Metrics: metrics.NewProbe(prometheus.NewRegistry()), Logger: slog.New(slog.DiscardHandler), Recorded: st}
	id := "run/acme/chat/1"
	if _, err := st.Upsert(ctx, result.Result{ProbeID: id, Run: "run", Target: "acme", Channel: "chat", Scenario: "s",
		Outcome: result.Answered}); err != nil {
		t.Fatal(err)
	}
	task, err := tasks.NewProbeTask(tasks.Probe{ProbeID: id, Run: "run", Channel: campaign.ChannelChat, TargetID: "acme",
		ScenarioID: "s", Seq: 1, PlannedAt: time.Now()}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.ProcessTask(ctx, task); err != nil {
		t.Fatalf("ProcessTask: %v", err)
	}
	if ran != 0 {
		t.Errorf("the probe ran %d times, want 0 (the store has its result)", ran)
	}
	if s, _ := states.States(ctx, "run", []string{id}); s[0] != string(result.Answered) {
		t.Errorf("run state = %q, want answered", s[0])
	}
}
