package workers

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

func newResults(t testing.TB) (*Results, *prometheus.Registry) {
	t.Helper()
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	reg := prometheus.NewRegistry()
	return &Results{
		Store:   openStore(t, filepath.Join(t.TempDir(), "r.db")),
		States:  runstate.New(rdb),
		Metrics: metrics.NewResults(reg),
		Logger:  slog.New(slog.DiscardHandler),
	}, reg
}

// A result delivered twice is stored once, counted once, and an email probe's outcome
// is logged once.
func TestResultsCountOnce(t *testing.T) {
	h, _ := newResults(t)
	var logs strings.Builder
	h.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	ctx := context.Background()
	human := 42.5
	r := result.Result{ProbeID: "run/acme/email/0001", Run: "run", Target: "acme", Channel: "email", Scenario: "s",
		PlannedAt: time.Unix(1000, 0).UTC(), StartedAt: time.Unix(1001, 0).UTC(), Outcome: result.Answered,
		FirstResponseS: &human, HumanResponseS: &human}
	task, err := tasks.NewResultTask(r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := h.ProcessTask(ctx, task); err != nil {
			t.Fatalf("ProcessTask #%d: %v", i+1, err)
		}
	}
	if got := testutil.ToFloat64(h.Metrics.Outcomes.WithLabelValues("email", "acme", "answered", "")); got != 1 {
		t.Errorf("stakeout_probe_results_total = %v, want 1", got)
	}
	if n := strings.Count(logs.String(), `msg="probe done" probe=run/acme/email/0001 channel=email target=acme outcome=answered human_response_s=42.5`); n != 1 {
		t.Errorf("the email probe's outcome was logged %d times, want once; logs:\n%s", n, logs.String())
	}
	if got := testutil.ToFloat64(h.Metrics.Duplicates.WithLabelValues("email")); got != 2 {
		t.Errorf("stakeout_results_duplicate_total = %v, want 2", got)
	}
	if n := testutil.CollectAndCount(h.Metrics.Response); n != 2 {
		t.Errorf("response histogram series = %d, want 2 (first, human)", n)
	}
	counts, err := h.Store.Counts(ctx, "run")
	if err != nil || counts[result.Answered] != 1 {
		t.Errorf("store counts = %v, %v; want 1 answered", counts, err)
	}
	states, _ := h.States.States(ctx, "run", []string{r.ProbeID})
	if states[0] != "answered" {
		t.Errorf("run state = %q, want answered", states[0])
	}
}

// A second result of the same probe (a relaunched probe, a duplicate) neither replaces
// the stored one nor changes the run state.
func TestResultsFirstWins(t *testing.T) {
	h, _ := newResults(t)
	ctx := context.Background()
	first := result.Result{ProbeID: "run/acme/chat/0001", Run: "run", Target: "acme", Channel: "chat", Scenario: "s",
		Outcome: result.Answered, HumanResponseS: result.Seconds(time.Second)}
	second := first
	second.Outcome, second.Reason, second.HumanResponseS = result.Failed, result.ReasonPageLoad, nil
	for i, r := range []result.Result{first, second} {
		task, err := tasks.NewResultTask(r)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			err = h.ProcessTask(ctx, task)
		} else {
			err = h.ProcessBatch(ctx, tasks.AggregateResults("g", []*asynq.Task{task}))
		}
		if err != nil {
			t.Fatalf("result %d: %v", i, err)
		}
	}
	if got, _, _ := h.Store.Get(ctx, first.ProbeID); got.Outcome != result.Answered {
		t.Errorf("stored outcome = %s, want the first result's answered", got.Outcome)
	}
	if states, _ := h.States.States(ctx, "run", []string{first.ProbeID}); states[0] != "answered" {
		t.Errorf("run state = %q, want answered", states[0])
	}
}

// A malformed result payload is not retried.
func TestResultsBadPayload(t *testing.T) {
	h, _ := newResults(t)
	err := h.ProcessTask(context.Background(), asynq.NewTask(tasks.TypeResult, []byte("{not json")))
	if err == nil || !strings.Contains(err.Error(), "skip retry") {
		t.Errorf("ProcessTask(bad payload) = %v, want a SkipRetry error", err)
	}
}

// Every metric a worker and scheduler export passes the Prometheus linter (promtool's rules).
func TestMetricsLint(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	reg := metrics.NewRegistry()
	p := metrics.NewProbe(reg)
	r := metrics.NewResults(reg)
	reg.MustRegister(metrics.NewQueueCollector(asynq.NewInspectorFromRedisClient(rdb)))
	client := asynq.NewClientFromRedisClient(rdb)
	if _, err := client.Enqueue(asynq.NewTask("x", nil, asynq.Queue("email"))); err != nil {
		t.Fatal(err)
	}
	p.Duration.WithLabelValues("email", "answered").Observe(1)
	p.InFlight.WithLabelValues("email").Set(1)
	p.PacingWait.WithLabelValues("email").Observe(0.1)
	p.BrowserWait.WithLabelValues("chat").Observe(0.1)
	p.PacingDeferred.WithLabelValues("email", "acme").Inc()
	p.Errors.WithLabelValues("email").Inc()
	r.Outcomes.WithLabelValues("email", "acme", "answered", "").Inc()
	r.Response.WithLabelValues("email", "acme", "human").Observe(3600)
	r.Duplicates.WithLabelValues("email").Inc()
	m := metrics.NewMail(reg)
	m.Replies.WithLabelValues("shopper@probes.test", "human").Inc()
	m.Unmatched.WithLabelValues("shopper@probes.test", "no_token").Inc()
	m.Connected.WithLabelValues("shopper@probes.test").Set(1)
	m.LastPoll.WithLabelValues("shopper@probes.test").SetToCurrentTime()
	m.Outstanding.WithLabelValues("shopper@probes.test").Set(3)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatalf("GatherAndLint: %v", err)
	}
	for _, pr := range problems {
		t.Errorf("metric %s: %s", pr.Metric, pr.Text)
	}
	mfs, _ := reg.Gather()
	seen := map[string]bool{}
	for _, mf := range mfs {
		seen[mf.GetName()] = true
	}
	for _, name := range []string{"stakeout_response_seconds", "stakeout_probe_results_total", "asynq_tasks_enqueued", "stakeout_pacing_wait_seconds",
		"stakeout_mail_replies_unmatched_total", "stakeout_mail_outstanding_probes", "stakeout_mail_last_poll_timestamp_seconds"} {
		if !seen[name] {
			t.Errorf("metric %s not exported", name)
		}
	}
}

// A batch stores every result once; a duplicate inside it or from before counts once,
// and a malformed entry is dropped without losing the others.
func TestResultsBatch(t *testing.T) {
	h, _ := newResults(t)
	ctx := context.Background()
	mk := func(id string) *asynq.Task {
		task, err := tasks.NewResultTask(result.Result{ProbeID: "run/acme/email/" + id, Run: "run", Target: "acme",
			Channel: "email", Scenario: "s", Outcome: result.NoResponse, Reason: result.ReasonDeadline})
		if err != nil {
			t.Fatal(err)
		}
		return task
	}
	if err := h.ProcessTask(ctx, mk("0001")); err != nil {
		t.Fatal(err)
	}
	batch := tasks.AggregateResults(tasks.ResultGroup, []*asynq.Task{
		mk("0001"), mk("0002"), mk("0003"), mk("0002"),
		asynq.NewTask(tasks.TypeResult, []byte(`{"probe_id":""}`)),
	})
	if err := h.ProcessBatch(ctx, batch); err != nil {
		t.Fatalf("ProcessBatch: %v", err)
	}
	if got := testutil.ToFloat64(h.Metrics.Outcomes.WithLabelValues("email", "acme", "no_response", "deadline")); got != 3 {
		t.Errorf("stakeout_probe_results_total = %v, want 3", got)
	}
	if got := testutil.ToFloat64(h.Metrics.Duplicates.WithLabelValues("email")); got != 2 {
		t.Errorf("stakeout_results_duplicate_total = %v, want 2", got)
	}
	counts, _ := h.Store.Counts(ctx, "run")
	if counts[result.NoResponse] != 3 {
		t.Errorf("store counts = %v, want 3 no_response", counts)
	}
	states, _ := h.States.States(ctx, "run", []string{"run/acme/email/0002", "run/acme/email/0003"})
	if states[0] != "no_response" || states[1] != "no_response" {
		t.Errorf("run states = %v, want no_response", states)
	}
	if err := h.ProcessBatch(ctx, asynq.NewTask(tasks.TypeResultBatch, []byte("nope"))); err == nil || !strings.Contains(err.Error(), "skip retry") {
		t.Errorf("ProcessBatch(not a list) = %v, want a SkipRetry error", err)
	}
}
