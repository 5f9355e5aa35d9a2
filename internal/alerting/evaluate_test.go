package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/detect"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// history stores n results of acme on email, the ith started at start+i*gap, answered
// after a log-normal time of median median(i), or failed when failed(i).
func history(t *testing.T, st store.Store, from, n int, start time.Time, median func(i int) float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, uint64(from)))
	var rs []result.Result
	for i := from; i < from+n; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		r := result.Result{ProbeID: fmt.Sprintf("run/acme/email/%04d", i), Run: "run", Target: "acme", Channel: "email",
			Scenario: "s", PlannedAt: at, StartedAt: at, Outcome: result.Answered}
		human := median(i) * math.Exp(0.4*rng.NormFloat64())
		r.HumanResponseS, r.FirstResponseS = &human, &human
		rs = append(rs, r)
	}
	if _, err := st.UpsertBatch(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

// An alert opens once on a slowdown, stays open while it lasts (a second evaluation
// opens nothing more), keeps its evidence, and resolves on recovery.
func TestEvaluatorLifecycle(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := time.Now()
	start := now.Add(-2 * time.Hour)
	e := &Evaluator{Store: st, Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)}
	set := Settings{Client: "acme-corp", Campaign: "c", Params: detect.Params{Window: 10, MinBaseline: 10}}
	steady := func(int) float64 { return 60 }

	history(t, st, 0, 40, start, steady)
	if changed, err := e.Evaluate(ctx, "run", "acme", "email", set); err != nil || len(changed) != 0 {
		t.Fatalf("steady service: %d alerts changed (%v), want none: %+v", len(changed), err, changed)
	}
	history(t, st, 40, 12, start, func(int) float64 { return 600 })
	changed, err := e.Evaluate(ctx, "run", "acme", "email", set)
	if err != nil || len(changed) != 1 {
		t.Fatalf("slowdown: %d alerts changed (%v), want one: %+v", len(changed), err, changed)
	}
	a := changed[0]
	if a.Kind != "latency" || a.State != store.AlertFiring || a.Client != "acme-corp" || a.Campaign != "c" || a.Run != "run" || a.Since.IsZero() {
		t.Errorf("opened alert = %+v", a)
	}
	var f detect.Finding
	if err := json.Unmarshal(a.Evidence, &f); err != nil || !f.Firing || len(f.Recent.Probes) == 0 || f.Baseline.N < 10 {
		t.Errorf("evidence = %+v, %v; want the firing finding with its probes", f, err)
	}
	if changed, err := e.Evaluate(ctx, "run", "acme", "email", set); err != nil || len(changed) != 0 {
		t.Errorf("evaluated again: %d alerts changed (%v), want none", len(changed), err)
	}

	history(t, st, 52, 30, start, steady)
	now = now.Add(time.Hour)
	changed, err = e.Evaluate(ctx, "run", "acme", "email", set)
	if err != nil || len(changed) != 1 || changed[0].ID != a.ID || changed[0].State != store.AlertResolved || changed[0].Resolution == "" {
		t.Fatalf("recovery: changed %+v (%v), want alert %s resolved", changed, err, a.ID)
	}
	if list, _ := st.ListAlerts(ctx, store.AlertFilter{}); len(list) != 1 {
		t.Errorf("%d alerts stored, want 1", len(list))
	}
}

// A campaign that turned alerts off records none.
func TestEvaluatorOff(t *testing.T) {
	st := openStore(t)
	history(t, st, 0, 40, time.Now().Add(-time.Hour), func(i int) float64 { return 60 * float64(1+i/20*10) })
	e := &Evaluator{Store: st, Logger: slog.New(slog.DiscardHandler)}
	if changed, err := e.Evaluate(context.Background(), "run", "acme", "email", Settings{Off: true}); err != nil || len(changed) != 0 {
		t.Errorf("alerts off: %+v, %v", changed, err)
	}
}
