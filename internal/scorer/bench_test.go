package scorer

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// benchStore fills a SQLite store with one run of targets × 2 channels × perKey results
// spread over 30 days (70% answered with log-normal times, 10% auto_only, 15%
// no_response, 5% failed), each answer with a stored grade, as the scoring worker
// leaves them.
func benchStore(b *testing.B, targets, perKey int) store.Store {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "results.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	step := 30 * 24 * time.Hour / time.Duration(perKey)
	var rs []result.Result
	var gs []store.Grade
	flush := func() {
		if _, err := st.UpsertBatch(ctx, rs); err != nil {
			b.Fatal(err)
		}
		if err := st.PutGrades(ctx, gs); err != nil {
			b.Fatal(err)
		}
		rs, gs = rs[:0], gs[:0]
	}
	for t := range targets {
		for _, ch := range []string{"chat", "email"} {
			median := 60.0
			if ch == "email" {
				median = 4 * 3600
			}
			for i := range perKey {
				r := result.Result{ProbeID: fmt.Sprintf("bench/t%03d/%s/%05d", t, ch, i), Run: "bench", Campaign: "bench",
					Target: fmt.Sprintf("t%03d", t), Industry: fmt.Sprintf("ind%d", t%10), Channel: ch, Scenario: "s",
					PlannedAt: start.Add(time.Duration(i) * step)}
				r.StartedAt = r.PlannedAt
				switch u := rng.Float64(); {
				case u < 0.70:
					h := median * math.Exp(0.8*rng.NormFloat64())
					r.Outcome, r.HumanResponseS, r.FirstResponseS = result.Answered, &h, &h
					q := rng.Float64()
					gs = append(gs, store.Grade{ProbeID: r.ProbeID, GradeHead: store.GradeHead{Version: GradeVersion, Quality: &q}, Checks: []byte(`{"checks":[]}`)})
				case u < 0.80:
					r.Outcome = result.AutoOnly
				case u < 0.95:
					r.Outcome, r.Reason = result.NoResponse, result.ReasonDeadline
				default:
					r.Outcome, r.Reason = result.Failed, result.ReasonPageLoad
				}
				rs = append(rs, r)
				if len(rs) == 5000 {
					flush()
				}
			}
		}
	}
	flush()
	return st
}

// BenchmarkRebuild1M scores 1,000,000 stored results (500 targets × 2 channels × 1000)
// from scratch: 1000 run cards and 2000 trailing cards, each with its bootstrap
// intervals, replacing every stored card.
func BenchmarkRebuild1M(b *testing.B) {
	st := benchStore(b, 500, 1000)
	s := &Scorer{Store: st, Logger: slog.New(slog.DiscardHandler)}
	b.ResetTimer()
	for b.Loop() {
		stats, err := s.Rebuild(context.Background(), RebuildOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if stats.Cards != 3000 {
			b.Fatalf("rebuilt %d cards, want 3000", stats.Cards)
		}
	}
	b.ReportMetric(1e6/(b.Elapsed().Seconds()/float64(b.N)), "results/s")
}

// BenchmarkUpdate is one incremental update after a new result: the run card and the
// two trailing cards of one target and channel with 1000 results, in a store of
// 1,000,000.
func BenchmarkUpdate(b *testing.B) {
	st := benchStore(b, 500, 1000)
	s := &Scorer{Store: st, Logger: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	if _, err := s.Rebuild(ctx, RebuildOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		cards, err := s.Update(ctx, "bench", "t123", "email")
		if err != nil || len(cards) != 3 {
			b.Fatalf("Update = %d cards, %v", len(cards), err)
		}
	}
}

// BenchmarkRebuild100k is BenchmarkRebuild1M at a tenth of the size (50 targets).
func BenchmarkRebuild100k(b *testing.B) {
	st := benchStore(b, 50, 1000)
	s := &Scorer{Store: st, Logger: slog.New(slog.DiscardHandler)}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Rebuild(context.Background(), RebuildOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1e5/(b.Elapsed().Seconds()/float64(b.N)), "results/s")
}
