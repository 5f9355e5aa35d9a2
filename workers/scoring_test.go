package workers

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// A burst of results is stored, then scored by one recomputation; the score gauges
// export the card.
func TestResultsAreScoredOnce(t *testing.T) {
	srv := redistest.Start(t)
	st := openStore(t, filepath.Join(t.TempDir(), "r.db"))
	reg := prometheus.NewRegistry()
	w, err := New(Config{Redis: redisconn.Addr(srv.Addr), Concurrency: 4, Store: st, Registerer: reg,
		Queues: map[string]int{tasks.QueueResults: 1, tasks.QueueScoring: 1}, Scoring: &ScoringConfig{Metrics: true},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	updates := make(chan scoring.Card, 100)
	var mu sync.Mutex
	var calls []tasks.Score
	w.scoreHook = func(s tasks.Score, cards []scoring.Card) {
		mu.Lock()
		calls = append(calls, s)
		mu.Unlock()
		updates <- cards[0]
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	client := asynq.NewClient(asynq.RedisClientOpt{Addr: srv.Addr})
	defer client.Close()
	base := time.Now().Add(-time.Hour).UTC()
	const n = 12
	for i := range n {
		human := float64(20 + i)
		r := result.Result{ProbeID: fmt.Sprintf("run/acme/chat/%04d", i), Run: "run", Target: "acme", Industry: "retail", Channel: "chat",
			Scenario: "s", PlannedAt: base.Add(time.Duration(i) * time.Minute), Outcome: result.Answered, FirstResponseS: &human, HumanResponseS: &human}
		task, err := tasks.NewResultTask(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.Enqueue(task); err != nil {
			t.Fatal(err)
		}
	}
	var card scoring.Card
	for card.Probes < n {
		select {
		case card = <-updates:
		case <-time.After(60 * time.Second):
			t.Fatalf("no scorecard with %d probes after 60 s (last: %d probes)", n, card.Probes)
		}
	}
	mu.Lock()
	got := len(calls)
	mu.Unlock()
	// The results arrive in at most as many batches as asynq aggregated; each batch
	// queues one scoring task for (run, acme, chat), and the tasks of a burst are
	// aggregated again: far fewer recomputations than results.
	if got < 1 || got > 2 || calls[0] != (tasks.Score{Run: "run", Target: "acme", Channel: "chat"}) {
		t.Errorf("recomputations %v for %d results, want one or two of run/acme/chat", calls, n)
	}
	if card.Reached != n || card.Answered != n || card.Tier == scoring.TierNone {
		t.Errorf("card: reached %d answered %d tier %v, want %d, %d and a tier", card.Reached, card.Answered, card.Tier, n, n)
	}
	want := fmt.Sprintf(`
# HELP stakeout_response_rate Share (0-1) of the probes that reached the target that a human answered, latest scorecard. Absent below the minimum sample.
# TYPE stakeout_response_rate gauge
stakeout_response_rate{channel="chat",target="acme",window="30d"} 1
stakeout_response_rate{channel="chat",target="acme",window="7d"} 1
stakeout_response_rate{channel="chat",target="acme",window="run"} 1
# HELP stakeout_score_probes_reached Probes that reached the target (every outcome but failed) in the latest scorecard, published or not.
# TYPE stakeout_score_probes_reached gauge
stakeout_score_probes_reached{channel="chat",target="acme",window="30d"} %[1]d
stakeout_score_probes_reached{channel="chat",target="acme",window="7d"} %[1]d
stakeout_score_probes_reached{channel="chat",target="acme",window="run"} %[1]d
# HELP stakeout_sla_human_response_seconds The SLA's longest acceptable time to a first human answer, from the target's latest run.
# TYPE stakeout_sla_human_response_seconds gauge
stakeout_sla_human_response_seconds{channel="chat",target="acme"} 300
`, n)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "stakeout_response_rate", "stakeout_score_probes_reached", "stakeout_sla_human_response_seconds"); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}
