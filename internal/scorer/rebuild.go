package scorer

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// RebuildOptions tune Rebuild.
type RebuildOptions struct {
	// Regrade grades every human answer again, even those with a current grade.
	Regrade bool
	// Progress, when set, is called after each card with the cards done and the total.
	Progress func(done, total int)
	// Parallel is how many cards are computed at once (default GOMAXPROCS).
	Parallel int
}

// RebuildStats says what a rebuild did.
type RebuildStats struct {
	Cards, Regraded int
}

// Rebuild recomputes every card from the stored results and replaces the stored cards
// in one transaction. Grades of the current rules are reused unless o.Regrade; with
// the same results and grades it writes the same cards.
func (s *Scorer) Rebuild(ctx context.Context, o RebuildOptions) (RebuildStats, error) {
	var st RebuildStats
	if o.Regrade && s.Grader != nil {
		n, err := s.regrade(ctx)
		if err != nil {
			return st, err
		}
		st.Regraded = n
	}
	keys, err := s.Store.Keys(ctx)
	if err != nil {
		return st, err
	}
	pairs := pairsOf(keys)
	anchor, err := s.Store.Anchor(ctx)
	if err != nil {
		return st, err
	}
	type job struct {
		key    store.Key
		window scoring.Window
		pair   [2]string
	}
	var jobs []job
	for _, k := range keys {
		jobs = append(jobs, job{key: k, window: scoring.WindowRun})
	}
	for _, w := range []scoring.Window{scoring.Window7d, scoring.Window30d} {
		for _, p := range pairs {
			jobs = append(jobs, job{window: w, pair: p})
		}
	}
	rows := make([]store.ScoreRow, len(jobs))
	err = parallel(ctx, len(jobs), o.Parallel, func(ctx context.Context, i int) (err error) {
		j := jobs[i]
		if j.window == scoring.WindowRun {
			rows[i], err = s.rebuildRun(ctx, j.key)
		} else {
			rows[i], err = s.rebuildTrailing(ctx, j.window, anchor, j.pair)
		}
		return err
	}, o.Progress)
	if err != nil {
		return st, err
	}
	if err := s.Store.PutScores(ctx, rows, true); err != nil {
		return st, err
	}
	st.Cards = len(rows)
	return st, nil
}

func (s *Scorer) rebuildRun(ctx context.Context, k store.Key) (store.ScoreRow, error) {
	rows, err := s.read(ctx, store.Filter{Run: k.Run, Target: k.Target, Channel: k.Channel})
	if err != nil {
		return store.ScoreRow{}, err
	}
	_, row, err := s.runCard(ctx, k.Run, k.Target, k.Channel, rows)
	return row, err
}

func (s *Scorer) rebuildTrailing(ctx context.Context, w scoring.Window, anchor time.Time, p [2]string) (store.ScoreRow, error) {
	_, row, err := s.trailingCard(ctx, w, anchor, p)
	return row, err
}

// parallel runs fn(0..n-1) on up to workers goroutines (default GOMAXPROCS) and
// returns the first error, after which the jobs not started are skipped. progress, when
// set, is called after each job with the jobs done.
func parallel(ctx context.Context, n, workers int, fn func(context.Context, int) error, progress func(done, total int)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		next     int
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= n || firstErr != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, ok := take(); ok; i, ok = take() {
				err := fn(ctx, i)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				done++
				if err == nil && progress != nil {
					progress(done, n)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// regrade grades every answered result again, in batches.
func (s *Scorer) regrade(ctx context.Context) (int, error) {
	var batch []store.Grade
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.Store.PutGrades(ctx, batch)
		batch = batch[:0]
		return err
	}
	err := s.Store.Each(ctx, "", func(r result.Result) error {
		if r.Outcome != result.Answered {
			return nil
		}
		spec, err := s.spec(ctx, r.Run)
		if err != nil {
			return err
		}
		g, err := s.grade(ctx, r, spec)
		if err != nil {
			return err
		}
		batch, n = append(batch, g), n+1
		if len(batch) >= 500 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return n, err
}

// Cards returns the stored cards f selects, ranked among all the cards they compete
// with (the same window, run and channel), whatever f's target and industry.
func Cards(ctx context.Context, st store.Scores, f store.ScoreFilter) ([]scoring.Card, error) {
	rows, err := st.ListScores(ctx, store.ScoreFilter{Window: f.Window, Run: f.Run, Channel: f.Channel})
	if err != nil {
		return nil, err
	}
	cards, err := decode(rows)
	if err != nil {
		return nil, err
	}
	scoring.Rank(cards)
	out := cards[:0]
	for _, c := range cards {
		if (f.Target == "" || c.Target == f.Target) && (f.Industry == "" || c.Industry == f.Industry) {
			out = append(out, c)
		}
	}
	return out, nil
}
