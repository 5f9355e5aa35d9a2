package workers

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// enqueueProbes puts n email probes per target onto the queue, due now, marked scheduled.
func enqueueProbes(t *testing.T, rdb *redis.Client, run string, targets []string, n int, pacing tasks.Pacing) []string {
	t.Helper()
	ctx := context.Background()
	client := asynq.NewClientFromRedisClient(rdb)
	states := runstate.New(rdb)
	spec := &tasks.RunSpec{Run: run, Campaign: "test", Pacing: pacing, Targets: map[string]tasks.SpecTarget{},
		Scenarios: map[string]campaign.Scenario{"s": {ID: "s", Message: "Hello"}}}
	for _, target := range targets {
		spec.Targets[target] = tasks.SpecTarget{Target: tasks.Target{ID: target, Name: target, Industry: "test"}}
	}
	b, _ := spec.Marshal()
	if _, err := states.SaveSpec(ctx, run, b); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, target := range targets {
		for seq := 1; seq <= n; seq++ {
			p := tasks.Probe{
				ProbeID: run + "/" + target + "/email/" + strconv.Itoa(seq), Run: run, Channel: campaign.ChannelEmail,
				TargetID: target, ScenarioID: "s", Seq: seq, PlannedAt: time.Now(),
			}
			task, err := tasks.NewProbeTask(p, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.EnqueueContext(ctx, task); err != nil {
				t.Fatalf("enqueue %s: %v", p.ProbeID, err)
			}
			ids = append(ids, p.ProbeID)
		}
	}
	if err := states.SetMeta(ctx, run, runstate.Meta{Campaign: "test", Total: len(ids)}); err != nil {
		t.Fatal(err)
	}
	if err := states.MarkScheduled(ctx, run, ids); err != nil {
		t.Fatal(err)
	}
	return ids
}

func openStore(t testing.TB, path string) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func countResults(t *testing.T, st store.Store, run string) int {
	t.Helper()
	counts, err := st.Counts(context.Background(), run)
	if err != nil {
		t.Fatalf("Counts: %v", err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// Three worker processes with 4 slots each share two targets; pacing must hold across
// all of them: never more than max_in_flight at once, starts at least min_gap apart.
func TestPacingAcrossThreeWorkers(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	db := filepath.Join(t.TempDir(), "results.db")
	pacing := tasks.Pacing{MaxInFlight: 2, MinGap: 300 * time.Millisecond}
	targets := []string{"acme", "globex"}
	ids := enqueueProbes(t, rdb, "pace", targets, 8, pacing)
	for range 3 {
		startWorker(t, srv.Addr, db, 400*time.Millisecond, 10*time.Second)
	}
	st := openStore(t, db)
	ctx := context.Background()
	waitFor(t, rdb, 90*time.Second, "every probe's result", func() bool { return countResults(t, st, "pace") == len(ids) })
	// The results handler stores a result, then sets the probe's run state, which says
	// nothing when it changes: look at it until it has caught up.
	var counts map[string]int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if counts, _ = runstate.New(rdb).Counts(ctx, "pace"); counts[string(result.Answered)] == len(ids) {
			break
		}
	}

	for _, target := range targets {
		key := "test:{" + target + "}"
		maxRunning, _ := rdb.Get(ctx, key+":maxrunning").Int()
		if maxRunning > pacing.MaxInFlight || maxRunning < 1 {
			t.Errorf("target %s: %d probes ran at once, want 1..%d", target, maxRunning, pacing.MaxInFlight)
		}
		starts := startTimes(t, rdb, key+":starts")
		if len(starts) != 8 {
			t.Errorf("target %s: %d probe attempts, want 8", target, len(starts))
		}
		for i := 1; i < len(starts); i++ {
			// The slot is taken at Redis time; the probe notes its start after the
			// dispatcher's work that follows, which a loaded machine (CI runs every package
			// at once, Chromium included) delays by tens of milliseconds, more for one probe
			// than the next: allow half the gap (unpaced starts are a few ms apart, so the
			// check still tells pacing from none).
			if gap := starts[i] - starts[i-1]; gap < pacing.MinGap/2 {
				t.Errorf("target %s: starts %d and %d are %s apart, want ≥ %s", target, i-1, i, gap, pacing.MinGap)
			}
		}
	}
	if counts[string(result.Answered)] != len(ids) {
		t.Errorf("run state counts = %v, want %d answered", counts, len(ids))
	}
}

func startTimes(t *testing.T, rdb *redis.Client, key string) []time.Duration {
	t.Helper()
	vals, err := rdb.LRange(context.Background(), key, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Duration
	for _, v := range vals {
		us, _ := strconv.ParseInt(v, 10, 64)
		out = append(out, time.Duration(us)*time.Microsecond)
	}
	slices.Sort(out)
	return out
}

// A worker killed with SIGKILL in the middle of a probe loses nothing: after asynq's
// lease expires another worker runs the probe again and its result is recorded once.
func TestSIGKILLMidProbe(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	db := filepath.Join(t.TempDir(), "results.db")
	ids := enqueueProbes(t, rdb, "kill", []string{"acme"}, 1, tasks.Pacing{MaxInFlight: 1})
	ctx := context.Background()
	attempts := "test:attempts:" + ids[0]

	victim := startWorker(t, srv.Addr, db, time.Hour, time.Minute)
	waitFor(t, rdb, 30*time.Second, "the probe to start", func() bool { return rdb.LLen(ctx, attempts).Val() == 1 })
	if err := victim.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.Wait()

	startWorker(t, srv.Addr, db, 100*time.Millisecond, time.Minute)
	st := openStore(t, db)
	waitFor(t, rdb, 150*time.Second, "the killed probe's result", func() bool { return countResults(t, st, "kill") == 1 })

	r, ok, err := st.Get(ctx, ids[0])
	if err != nil || !ok {
		t.Fatalf("Get(%s) = %v, %v", ids[0], ok, err)
	}
	if r.Outcome != result.Answered {
		t.Errorf("outcome = %s, want answered", r.Outcome)
	}
	if n := rdb.LLen(ctx, attempts).Val(); n != 2 {
		t.Errorf("probe attempts = %d, want 2 (killed, then retried)", n)
	}
}

// SIGTERM lets a running probe finish within the shutdown timeout.
func TestSIGTERMLetsProbeFinish(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	db := filepath.Join(t.TempDir(), "results.db")
	ids := enqueueProbes(t, rdb, "term", []string{"acme"}, 1, tasks.Pacing{MaxInFlight: 1})
	ctx := context.Background()
	w := startWorker(t, srv.Addr, db, 2*time.Second, 30*time.Second)
	waitFor(t, rdb, 30*time.Second, "the probe to start", func() bool { return rdb.LLen(ctx, "test:attempts:"+ids[0]).Val() == 1 })
	if err := w.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := w.Wait(); err != nil {
		t.Fatalf("worker exit after SIGTERM: %v", err)
	}
	st := openStore(t, db)
	// The probe's result task was enqueued before exit; a results worker records it.
	startWorker(t, srv.Addr, db, time.Millisecond, time.Second)
	waitFor(t, rdb, 30*time.Second, "the result", func() bool { return countResults(t, st, "term") == 1 })
	if n := rdb.LLen(ctx, "test:attempts:"+ids[0]).Val(); n != 1 {
		t.Errorf("probe attempts = %d, want 1 (finished during shutdown)", n)
	}
}

// SIGTERM with a probe longer than the shutdown timeout hands the probe back to the
// queue; another worker runs it.
func TestSIGTERMHandsProbeBack(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	db := filepath.Join(t.TempDir(), "results.db")
	ids := enqueueProbes(t, rdb, "back", []string{"acme"}, 1, tasks.Pacing{MaxInFlight: 1})
	ctx := context.Background()
	w := startWorker(t, srv.Addr, db, time.Hour, time.Second)
	waitFor(t, rdb, 30*time.Second, "the probe to start", func() bool { return rdb.LLen(ctx, "test:attempts:"+ids[0]).Val() == 1 })
	if err := w.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = w.Wait()
	states, _ := runstate.New(rdb).States(ctx, "back", ids)
	if states[0] != runstate.Scheduled {
		t.Errorf("state of the handed-back probe = %q, want scheduled", states[0])
	}
	startWorker(t, srv.Addr, db, 100*time.Millisecond, time.Second)
	st := openStore(t, db)
	waitFor(t, rdb, 60*time.Second, "the handed-back probe's result", func() bool { return countResults(t, st, "back") == 1 })
	if n := rdb.LLen(ctx, "test:attempts:"+ids[0]).Val(); n != 2 {
		t.Errorf("probe attempts = %d, want 2", n)
	}
}
