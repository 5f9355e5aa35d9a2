package workers

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// BenchmarkResultsIngest measures the results handler end to end per task: decode, SQLite
// upsert (a real file), metrics, run state in a real Redis. Reports results/s.
func BenchmarkResultsIngest(b *testing.B) {
	h, _ := newResults(b)
	ctx := context.Background()
	all := make([]*asynq.Task, b.N)
	for i := range b.N {
		r := benchResult(i)
		task, err := tasks.NewResultTask(r)
		if err != nil {
			b.Fatal(err)
		}
		all[i] = task
	}
	b.ResetTimer()
	for _, task := range all {
		if err := h.ProcessTask(ctx, task); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "results/s")
}

// BenchmarkResultsIngestParallel runs the handler from 10 goroutines, as a worker with
// --concurrency 10 does.
func BenchmarkResultsIngestParallel(b *testing.B) {
	h, _ := newResults(b)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(5) // 5 × GOMAXPROCS(2) = 10 goroutines
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			task, err := tasks.NewResultTask(benchResult(int(next.Add(1))))
			if err != nil {
				b.Fatal(err)
			}
			if err := h.ProcessTask(ctx, task); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "results/s")
}

// BenchmarkResultsIngestBatch measures the batch path a results worker takes: asynq
// aggregates result tasks into batches of up to 500, stored in one transaction each.
func BenchmarkResultsIngestBatch(b *testing.B) {
	h, _ := newResults(b)
	ctx := context.Background()
	const size = 500
	var batches []*asynq.Task
	for i := 0; i < b.N; i += size {
		var group []*asynq.Task
		for j := i; j < min(i+size, b.N); j++ {
			r := benchResult(j)
			task, err := tasks.NewResultTask(r)
			if err != nil {
				b.Fatal(err)
			}
			group = append(group, task)
		}
		batches = append(batches, tasks.AggregateResults(tasks.ResultGroup, group))
	}
	b.ResetTimer()
	for _, batch := range batches {
		if err := h.ProcessBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "results/s")
}

func benchResult(i int) result.Result {
	human := 3600.0
	return result.Result{ProbeID: fmt.Sprintf("bench/t%03d/email/%06d", i%100, i), Run: "bench", Target: fmt.Sprintf("t%03d", i%100),
		Channel: "email", Scenario: "s", PlannedAt: time.Now(), StartedAt: time.Now(), Outcome: result.Answered,
		FirstResponseS: &human, HumanResponseS: &human}
}
