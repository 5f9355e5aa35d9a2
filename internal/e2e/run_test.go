package e2e

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/sim"
	"github.com/stakeoutcx/stakeout/internal/simtest"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/scheduler"
	"github.com/stakeoutcx/stakeout/workers"
)

// onSim is one end-to-end run: a simulator, a worker, and a campaign against
// the simulator.
type onSim struct {
	// sim configures the simulator.
	sim sim.Config
	// worker configures the worker; Redis, Store, Logger and Concurrency are set.
	worker workers.Config
	// campaign returns the campaign to launch against the running simulator.
	campaign func(s *sim.Sim) *campaign.Campaign
	// limit bounds the wait for every probe's result.
	limit time.Duration
}

// run launches the campaign and runs the worker until every probe has its
// result; it returns the results and the simulator's truth.
func (o onSim) run(t *testing.T) ([]result.Result, []sim.TruthRecord) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := redistest.Start(t)
	s := simtest.Start(t, o.sim)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := newWatchedStore(db)
	cfg := o.worker
	cfg.Redis, cfg.Store, cfg.Logger = redisconn.Addr(srv.Addr), st, failureLog(t)
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 20
	}
	w, err := workers.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	camp := o.campaign(s)
	run := scheduler.FirstRun(camp)
	plan, err := scheduler.Plan(camp, run)
	if err != nil {
		t.Fatal(err)
	}
	// The test measures accuracy, not the window: the last probes of a short window,
	// held back by their target's min_gap on a loaded machine, may start after it ends
	// (they would end failed/out_of_window). Give them a minute more to start.
	run.End = run.End.Add(time.Minute)
	rdb := redistest.Client(t, srv)
	if _, err := (&scheduler.Launcher{Redis: rdb, States: runstate.New(rdb)}).Launch(ctx, camp, run, plan); err != nil {
		t.Fatal(err)
	}
	waitResults(ctx, t, st, run.ID, len(plan), o.limit)
	var rs []result.Result
	if err := st.Each(ctx, run.ID, func(r result.Result) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	return rs, readTruth(t, s)
}

// waitResults waits up to limit for total results of run, reading the counts
// again each time the store has written.
func waitResults(ctx context.Context, t *testing.T, st *watchedStore, run string, total int, limit time.Duration) {
	t.Helper()
	expired := time.After(limit)
	for {
		written := st.written()
		counts, err := st.Counts(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range counts {
			n += c
		}
		if n == total {
			return
		}
		select {
		case <-written:
		case <-expired:
			t.Fatalf("after %s only %d of %d probes have a result (%v)", limit, n, total, counts)
		}
	}
}

// watchedStore is the real store, saying when it has written: written returns
// a channel closed after the next Upsert or UpsertBatch.
type watchedStore struct {
	store.Store
	mu sync.Mutex
	ch chan struct{}
}

func newWatchedStore(s store.Store) *watchedStore {
	return &watchedStore{Store: s, ch: make(chan struct{})}
}

func (w *watchedStore) written() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ch
}

func (w *watchedStore) wrote() {
	w.mu.Lock()
	close(w.ch)
	w.ch = make(chan struct{})
	w.mu.Unlock()
}

// Upsert writes through the store, then wakes the waiters.
func (w *watchedStore) Upsert(ctx context.Context, r result.Result) (bool, error) {
	defer w.wrote()
	return w.Store.Upsert(ctx, r)
}

// UpsertBatch writes through the store, then wakes the waiters.
func (w *watchedStore) UpsertBatch(ctx context.Context, rs []result.Result) ([]bool, error) {
	defer w.wrote()
	return w.Store.UpsertBatch(ctx, rs)
}

// readTruth reads the simulator's truth log.
func readTruth(t testing.TB, s *sim.Sim) []sim.TruthRecord {
	t.Helper()
	return readTruthFile(t, s.Config().TruthLog)
}

// readTruthFile reads a simulator's truth log at path.
func readTruthFile(t testing.TB, path string) []sim.TruthRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	truth, err := sim.ReadTruth(f)
	if err != nil {
		t.Fatal(err)
	}
	return truth
}
