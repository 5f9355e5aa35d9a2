package workers

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/probes"
)

// The test binary doubles as a worker process: with STAKEOUT_TEST_WORKER set, TestMain runs
// a real worker (asynq server, Redis, SQLite) with a test probe instead of the tests, so
// tests can run several worker processes and kill them.
func TestMain(m *testing.M) {
	if os.Getenv("STAKEOUT_TEST_WORKER") != "" {
		os.Exit(runTestWorker())
	}
	os.Exit(m.Run())
}

// Environment of a test worker process.
const (
	envRedis    = "STAKEOUT_TEST_REDIS"    // host:port
	envDB       = "STAKEOUT_TEST_DB"       // SQLite file; empty: results not served
	envSleep    = "STAKEOUT_TEST_SLEEP"    // how long each probe holds its slot
	envShutdown = "STAKEOUT_TEST_SHUTDOWN" // worker ShutdownTimeout
)

func runTestWorker() int {
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	opts := redisconn.Addr(os.Getenv(envRedis))
	rdb := opts.Client()
	defer rdb.Close()
	sleep, _ := time.ParseDuration(os.Getenv(envSleep))
	shutdown, _ := time.ParseDuration(os.Getenv(envShutdown))
	reg := probes.NewRegistry()
	_ = reg.Register(campaign.ChannelEmail, recordingProbe(rdb, sleep))
	cfg := Config{Redis: opts, Concurrency: 4, Registry: reg, Logger: log, ShutdownTimeout: shutdown,
		PacingMaxWait: 200 * time.Millisecond, Queues: map[string]int{"email": 1, "results": 1}}
	if db := os.Getenv(envDB); db != "" {
		st, err := store.Open(ctx, db)
		if err != nil {
			log.Error("open store", "err", err)
			return 1
		}
		defer st.Close()
		cfg.Store = notifyingStore{st, rdb}
	}
	w, err := New(cfg)
	if err != nil {
		log.Error("new worker", "err", err)
		return 1
	}
	if err := w.Run(ctx); err != nil {
		log.Error("worker", "err", err)
		return 1
	}
	return 0
}

// recordingProbe notes in Redis when each attempt starts and ends, and how many probes
// of the target run at once, then holds for sleep and answers.
func recordingProbe(rdb *redis.Client, sleep time.Duration) probes.Probe {
	return probes.Func(func(ctx context.Context, t probes.Target) (probes.Result, error) {
		key := "test:{" + t.Target.ID + "}"
		now := time.Now().UnixMicro()
		n := rdb.Incr(ctx, key+":running").Val()
		rdb.Eval(ctx, `if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end`,
			[]string{key + ":maxrunning"}, n)
		rdb.RPush(ctx, key+":starts", now)
		rdb.RPush(ctx, "test:attempts:"+t.ProbeID, os.Getpid())
		notify(rdb)
		defer rdb.Decr(context.WithoutCancel(ctx), key+":running")
		select {
		case <-time.After(sleep):
		case <-ctx.Done():
			return probes.Result{}, ctx.Err()
		}
		d := 1500 * time.Millisecond
		return probes.Result{Outcome: result.Answered, FirstResponse: &d, HumanResponse: &d}, nil
	})
}

// startWorker runs the test binary as a worker process; it is killed when the test ends.
func startWorker(t *testing.T, redisAddr, db string, sleep, shutdown time.Duration) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STAKEOUT_TEST_WORKER=1", envRedis+"="+redisAddr, envDB+"="+db,
		envSleep+"="+sleep.String(), envShutdown+"="+shutdown.String())
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start worker process: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// testEvents is the Redis channel on which the test probe, the test stores and
// the tests' browser pools say that something happened, in this process or in a
// worker process: waitFor checks its condition again at each message.
const testEvents = "test:events"

// notify says on testEvents that something happened.
func notify(rdb redis.UniversalClient) {
	rdb.Publish(context.Background(), testEvents, "")
}

// waitFor waits until cond holds, checking it again at each message on
// testEvents; past timeout the test fails.
func waitFor(t *testing.T, rdb redis.UniversalClient, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	sub := rdb.Subscribe(ctx, testEvents)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // subscribed: no event is missed from here
		t.Fatalf("subscribe to %s: %v", testEvents, err)
	}
	events := sub.Channel()
	for !cond() {
		select {
		case <-events:
		case <-ctx.Done():
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

// notifyingStore is a real store that says on testEvents when it has written.
type notifyingStore struct {
	store.Store
	rdb redis.UniversalClient
}

// Upsert writes through the store, then notifies.
func (s notifyingStore) Upsert(ctx context.Context, r result.Result) (bool, error) {
	defer notify(s.rdb)
	return s.Store.Upsert(ctx, r)
}

// UpsertBatch writes through the store, then notifies.
func (s notifyingStore) UpsertBatch(ctx context.Context, rs []result.Result) ([]bool, error) {
	defer notify(s.rdb)
	return s.Store.UpsertBatch(ctx, rs)
}

// pollFor waits until cond holds, for states that announce nothing (a task in asynq's
// retry set, a metric of another component), checking every 20 ms; past timeout the
// test fails.
func pollFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
