package workers

import (
	"context"
	"encoding/json"
	"github.com/stakeoutcx/stakeout/internal/simtest"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/sim"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes"
	"github.com/stakeoutcx/stakeout/probes/chat"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
	"github.com/stakeoutcx/stakeout/probes/chat/browser/browsertest"
)

// chatSim starts a simulator with one inline chat company, acme, that
// answers within a second.
func chatSim(t *testing.T) *sim.Sim {
	t.Helper()
	s := simtest.Start(t, simtest.Parse(t, `
companies:
  - id: acme
    name: Acme
    chat: {style: inline, reply: {median: 300ms, p90: 500ms}}
`))
	return s
}

// enqueueChatProbe puts one chat probe of target acme, on url, onto the
// queue, due now, marked scheduled.
func enqueueChatProbe(t *testing.T, client *asynq.Client, states *runstate.Store, run, url string) string {
	t.Helper()
	ctx := context.Background()
	spec := &tasks.RunSpec{Run: run, Campaign: "test", Pacing: tasks.Pacing{MaxInFlight: 1},
		Deadlines: map[campaign.Channel]time.Duration{campaign.ChannelChat: 20 * time.Second},
		Targets: map[string]tasks.SpecTarget{"acme": {Target: tasks.Target{ID: "acme", Name: "Acme", Industry: "test"},
			Chat: &campaign.ChatChannel{URL: url, Profile: "sim-inline"}}},
		Scenarios: map[string]campaign.Scenario{"s": {ID: "s", Message: "Hello, is anyone there?"}}}
	b, _ := spec.Marshal()
	if _, err := states.SaveSpec(ctx, run, b); err != nil {
		t.Fatal(err)
	}
	p := tasks.Probe{ProbeID: run + "/acme/chat/1", Run: run, Channel: campaign.ChannelChat, TargetID: "acme",
		ScenarioID: "s", Seq: 1, PlannedAt: time.Now()}
	task, err := tasks.NewProbeTask(p, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.EnqueueContext(ctx, task); err != nil {
		t.Fatalf("enqueue %s: %v", p.ProbeID, err)
	}
	if err := states.SetMeta(ctx, run, runstate.Meta{Campaign: "test", Total: 1}); err != nil {
		t.Fatal(err)
	}
	if err := states.MarkScheduled(ctx, run, []string{p.ProbeID}); err != nil {
		t.Fatal(err)
	}
	return p.ProbeID
}

// metric returns the metric name of reg with the label channel="chat".
func metric(t *testing.T, reg *prometheus.Registry, name string) *dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "channel" && l.GetValue() == "chat" {
					return m
				}
			}
		}
	}
	return nil
}

// A chat probe that waits for the worker's browser holds no pacing slot of
// its target and is not in flight meanwhile; its started_at is when it got
// the browser, and the wait is recorded apart (evidence and a histogram).
func TestChatWaitsForBrowserWithoutPacingSlot(t *testing.T) {
	s := chatSim(t)
	url, _ := s.ChatURL("acme")
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	st := notifyingStore{openStore(t, filepath.Join(t.TempDir(), "results.db")), rdb}
	pool := browsertest.Pool(t, browser.Options{MaxConcurrent: 1, OnWaiting: func(int) { notify(rdb) }})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The test holds the browser's only slot.
	held, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}

	reg := prometheus.NewRegistry()
	probesReg := probes.NewRegistry()
	_ = probesReg.Register(campaign.ChannelChat, &chat.Probe{Pool: pool})
	w, err := New(Config{Redis: redisconn.Addr(srv.Addr), Concurrency: 2, Registry: probesReg, Store: st, Registerer: reg,
		Logger: slog.New(slog.DiscardHandler), Queues: map[string]int{tasks.QueueChat: 1, tasks.QueueResults: 1}})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { stop(); <-done }()

	client := asynq.NewClientFromRedisClient(rdb)
	id := enqueueChatProbe(t, client, runstate.New(rdb), "slot", url)
	waitFor(t, rdb, 30*time.Second, "the probe to wait for the browser", func() bool { return pool.Waiting() == 1 })
	waited := time.Now()
	if n := rdb.Exists(ctx, slotKey("acme", 0)).Val(); n != 0 {
		t.Errorf("while the probe waits for the browser, target acme has %d pacing slot(s) taken, want 0", n)
	}
	if m := metric(t, reg, "stakeout_probes_in_flight"); m != nil && m.GetGauge().GetValue() != 0 {
		t.Errorf("while the probe waits for the browser, stakeout_probes_in_flight{channel=chat} = %v, want 0", m.GetGauge().GetValue())
	}
	granted := time.Now()
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}

	var r result.Result
	waitFor(t, rdb, 60*time.Second, "the probe's result", func() bool {
		var ok bool
		r, ok, err = st.Get(ctx, id)
		return err == nil && ok
	})
	if r.Outcome != result.Answered {
		t.Errorf("outcome %s/%s, want answered", r.Outcome, r.Reason)
	}
	if r.StartedAt.Before(granted) {
		t.Errorf("started_at %s is %v before the browser slot was granted", r.StartedAt.Format(time.RFC3339Nano), granted.Sub(r.StartedAt))
	}
	var ev struct {
		BrowserWait *time.Duration `json:"browser_wait"`
	}
	if err := json.Unmarshal(r.Evidence, &ev); err != nil {
		t.Fatalf("evidence: %v", err)
	}
	if ev.BrowserWait == nil || *ev.BrowserWait < granted.Sub(waited) {
		t.Errorf("evidence browser_wait = %v, want at least %v", ev.BrowserWait, granted.Sub(waited))
	}
	h := metric(t, reg, "stakeout_browser_slot_wait_seconds")
	if h == nil || h.GetHistogram().GetSampleCount() != 1 || h.GetHistogram().GetSampleSum() < granted.Sub(waited).Seconds() {
		t.Errorf("stakeout_browser_slot_wait_seconds{channel=chat} = %v, want one wait of at least %v", h, granted.Sub(waited))
	}
}
