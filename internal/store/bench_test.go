package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// benchResult is a realistic result with a small transcript as evidence.
func benchResult(i int) result.Result {
	r := sample("bench", fmt.Sprintf("bench/acme/chat/%09d", i))
	r.Evidence = []byte(`{"transcript":[{"from":"us","text":"Hello, I would like a refund for order 1234."},{"from":"agent","text":"Sure, let me check that for you."}]}`)
	return r
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "results/s")
}

// BenchmarkUpsert stores one new result per call.
func BenchmarkUpsert(b *testing.B) {
	for _, bk := range backends {
		b.Run(bk.name, func(b *testing.B) {
			s, _ := bk.openTemp(b)
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.Upsert(ctx, benchResult(i)); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b)
		})
	}
}

// BenchmarkUpsertBatch stores new results in batches of 100 and of 500 (the results
// worker's largest group); b.N counts results.
func BenchmarkUpsertBatch(b *testing.B) {
	for _, bk := range backends {
		for _, size := range []int{100, 500} {
			b.Run(fmt.Sprintf("%s/%d", bk.name, size), func(b *testing.B) {
				s, _ := bk.openTemp(b)
				ctx := context.Background()
				batch := make([]result.Result, 0, size)
				b.ResetTimer()
				for i := range b.N {
					batch = append(batch, benchResult(i))
					if len(batch) == size || i == b.N-1 {
						if _, err := s.UpsertBatch(ctx, batch); err != nil {
							b.Fatal(err)
						}
						batch = batch[:0]
					}
				}
				reportRate(b)
			})
		}
	}
}

// BenchmarkUpsertParallel stores one new result per call from GOMAXPROCS goroutines,
// as the results worker does.
func BenchmarkUpsertParallel(b *testing.B) {
	for _, bk := range backends {
		b.Run(bk.name, func(b *testing.B) {
			s, _ := bk.openTemp(b)
			ctx := context.Background()
			var next atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Upsert(ctx, benchResult(int(next.Add(1)))); err != nil {
						b.Error(err)
						return
					}
				}
			})
			reportRate(b)
		})
	}
}

// BenchmarkUpsertExisting re-delivers results that are already stored (updates).
func BenchmarkUpsertExisting(b *testing.B) {
	for _, bk := range backends {
		b.Run(bk.name, func(b *testing.B) {
			const ids = 1000
			s, _ := bk.openTemp(b)
			ctx := context.Background()
			for i := range ids {
				if _, err := s.Upsert(ctx, benchResult(i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.Upsert(ctx, benchResult(i%ids)); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b)
		})
	}
}

// BenchmarkUpsertBatchParallel stores new results in batches of 500 from 4 goroutines
// per core, as a results worker's concurrent handlers do; b.N counts results.
func BenchmarkUpsertBatchParallel(b *testing.B) {
	const size = 500
	for _, bk := range backends {
		b.Run(bk.name, func(b *testing.B) {
			s, _ := bk.openTemp(b)
			ctx := context.Background()
			var next atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				batch := make([]result.Result, 0, size)
				flush := func() bool {
					if len(batch) == 0 {
						return true
					}
					_, err := s.UpsertBatch(ctx, batch)
					batch = batch[:0]
					if err != nil {
						b.Error(err)
						return false
					}
					return true
				}
				for pb.Next() {
					batch = append(batch, benchResult(int(next.Add(1))))
					if len(batch) == size && !flush() {
						return
					}
				}
				flush()
			})
			reportRate(b)
		})
	}
}
