package workers

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes"
)

// chatDispatcher is a dispatcher over a new Redis and store, for a run "run" with one
// chat target acme whose window ends at windowEnd (zero: none). Its chat probe counts
// its runs in *ran and returns res.
func chatDispatcher(t *testing.T, windowEnd time.Time, res probes.Result, ran *int) (*Dispatcher, *redis.Client, store.Store) {
	t.Helper()
	rdb := redistest.Client(t, redistest.Start(t))
	st := openStore(t, filepath.Join(t.TempDir(), "r.db"))
	states := runstate.New(rdb)
	spec := &tasks.RunSpec{Run: "run", Campaign: "test", Pacing: tasks.Pacing{MaxInFlight: 1}, WindowEnd: windowEnd,
		Deadlines: map[campaign.Channel]time.Duration{campaign.ChannelChat: time.Minute},
		Targets:   map[string]tasks.SpecTarget{"acme": {Target: tasks.Target{ID: "acme", Name: "Acme"}, Chat: &campaign.ChatChannel{URL: "http://127.0.0.1:1/"}}},
		Scenarios: map[string]campaign.Scenario{"s": {ID: "s", Message: "Hello"}}}
	b, _ := spec.Marshal()
	if _, err := states.SaveSpec(context.Background(), "run", b); err != nil {
		t.Fatal(err)
	}
	reg := probes.NewRegistry()
	if err := reg.Register(campaign.ChannelChat, probes.Func(func(context.Context, probes.Target) (probes.Result, error) {
		*ran++
		return res, nil
	})); err != nil {
		t.Fatal(err)
	}
	d := &Dispatcher{Registry: reg, Pacer: NewPacer(rdb), States: states, Client: asynq.NewClientFromRedisClient(rdb),
		Metrics: metrics.NewProbe(prometheus.NewRegistry()), Logger: slog.New(slog.DiscardHandler), Recorded: st}
	return d, rdb, st
}

// A probe the store has a result of is not run again (Redis lost its run state and the
// probe was enqueued again); its run state becomes the stored outcome.
func TestDispatcherSkipsRecordedProbe(t *testing.T) {
	ctx := context.Background()
	ran := 0
	d, _, st := chatDispatcher(t, time.Time{}, probes.Result{Outcome: result.Failed, Reason: result.ReasonPageLoad}, &ran)
	states := d.States
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

// A probe the store records a send of (an earlier attempt reached its target) is
// resumed by its channel even after its run's window ended: it never ends
// failed/out_of_window, which says the target was never contacted.
func TestDispatcherResumesSentProbePastWindow(t *testing.T) {
	ctx := context.Background()
	ended := time.Now().Add(-time.Minute)
	ran := 0
	d, rdb, st := chatDispatcher(t, ended, probes.Result{Outcome: result.Failed, Reason: result.ReasonSendUnconfirmed}, &ran)
	for _, tt := range []struct {
		id     string
		sent   bool
		reason string
	}{{"run/acme/chat/1", false, result.ReasonOutOfWindow}, {"run/acme/chat/2", true, result.ReasonSendUnconfirmed}} {
		if tt.sent {
			if err := st.RecordSend(ctx, store.Send{ProbeID: tt.id, Run: "run", Target: "acme", Channel: "chat", SentAt: ended.Add(-time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		task, err := tasks.NewProbeTask(tasks.Probe{ProbeID: tt.id, Run: "run", Channel: campaign.ChannelChat, TargetID: "acme",
			ScenarioID: "s", Seq: 1, PlannedAt: ended.Add(-2 * time.Minute), WindowEnd: ended}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		ran = 0
		if err := d.ProcessTask(ctx, task); err != nil {
			t.Fatalf("%s: ProcessTask: %v", tt.id, err)
		}
		if want := map[bool]int{false: 0, true: 1}[tt.sent]; ran != want {
			t.Errorf("%s (sent %t): the probe ran %d times, want %d", tt.id, tt.sent, ran, want)
		}
		if r := enqueuedResult(t, rdb, tt.id); r.Reason != tt.reason {
			t.Errorf("%s (sent %t): result %s/%s, want reason %s", tt.id, tt.sent, r.Outcome, r.Reason, tt.reason)
		}
	}
}
