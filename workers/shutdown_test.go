package workers

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes"
)

// runWorker builds a worker serving the email queue with probe and runs it until the
// returned stop is called; stop returns once Run has.
func runWorker(t *testing.T, addr string, probe probes.Probe, shutdown time.Duration, hook func()) (stop func()) {
	t.Helper()
	reg := probes.NewRegistry()
	_ = reg.Register(campaign.ChannelEmail, probe)
	w, err := New(Config{Redis: redisconn.Addr(addr), Concurrency: 4, Registry: reg, ShutdownTimeout: shutdown,
		Logger: slog.New(slog.DiscardHandler), Queues: map[string]int{tasks.QueueEmail: 1}})
	if err != nil {
		t.Fatal(err)
	}
	w.drainHook = hook
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// When the shutdown timeout runs out, asynq hands the task back and returns at once;
// the worker still waits for the handler, so that it marks its probe scheduled again
// and frees its pacing slot before the worker closes its Redis connections.
func TestShutdownWaitsForHandlers(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	ids := enqueueProbes(t, rdb, "drain", []string{"acme"}, 1, tasks.Pacing{MaxInFlight: 1})
	started, release := make(chan struct{}), make(chan struct{})
	probe := probes.Func(func(ctx context.Context, _ probes.Target) (probes.Result, error) {
		close(started)
		<-ctx.Done()
		<-release // a handler slow to wind down: it returns after asynq gave up on it
		return probes.Result{}, ctx.Err()
	})
	var once bool
	stop := runWorker(t, srv.Addr, probe, 100*time.Millisecond, func() {
		if !once {
			once = true
			close(release)
		}
	})
	t.Cleanup(func() {
		if !once {
			close(release)
		}
	})
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the probe did not start")
	}
	stop()
	ctx := context.Background()
	states, _ := runstate.New(rdb).States(ctx, "drain", ids)
	if states[0] != runstate.Scheduled {
		t.Errorf("after shutdown the handed-back probe is %q, want scheduled", states[0])
	}
	if n := rdb.Exists(ctx, slotKey("acme", 0)).Val(); n != 0 {
		t.Errorf("after shutdown target acme's pacing slot is still held")
	}
}

// semProbe is a probe whose reservations share one slot, like the tabs of a browser
// with room for one conversation.
type semProbe struct {
	sem     chan struct{}
	waiting chan string // probe ids waiting for the slot
	started chan string // probe ids whose conversation started
	finish  chan struct{}
}

func (s *semProbe) Probe(ctx context.Context, t probes.Target) (probes.Result, error) {
	panic("the dispatcher reserves first")
}

func (s *semProbe) Reserve(ctx context.Context, t probes.Target) (probes.Reservation, error) {
	select {
	case s.sem <- struct{}{}:
		return &semReservation{s}, nil
	default:
	}
	s.waiting <- t.ProbeID
	select {
	case s.sem <- struct{}{}:
		return &semReservation{s}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type semReservation struct{ s *semProbe }

func (r *semReservation) Probe(ctx context.Context, t probes.Target) (probes.Result, error) {
	r.s.started <- t.ProbeID
	<-r.s.finish
	return probes.Result{Outcome: result.NoResponse, Reason: result.ReasonDeadline}, nil
}

func (r *semReservation) Release() { <-r.s.sem }

// A stopping worker starts nothing new: a probe waiting for the worker's only tab goes
// back to its queue untouched (no attempt used) when SIGTERM comes, and does not start
// when the running conversation ends during the shutdown.
func TestStoppingWorkerStartsNothingNew(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	ids := enqueueProbes(t, rdb, "stop", []string{"acme", "globex"}, 1, tasks.Pacing{MaxInFlight: 1})
	p := &semProbe{sem: make(chan struct{}, 1), waiting: make(chan string, 2), started: make(chan string, 2), finish: make(chan struct{})}
	stop := runWorker(t, srv.Addr, p, time.Minute, nil)
	var running, waiting string
	for running == "" || waiting == "" {
		select {
		case running = <-p.started:
		case waiting = <-p.waiting:
		case <-time.After(30 * time.Second):
			t.Fatalf("want one probe running and one waiting for the tab; running %q, waiting %q", running, waiting)
		}
	}
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	pollFor(t, 30*time.Second, "the waiting probe to go back to its queue", func() bool {
		info, err := insp.GetTaskInfo(tasks.QueueEmail, tasks.ProbeTaskID(waiting))
		return err == nil && info.State != asynq.TaskStateActive
	})
	close(p.finish)
	<-stopped
	select {
	case id := <-p.started:
		t.Errorf("probe %s started after SIGTERM", id)
	default:
	}
	info, err := insp.GetTaskInfo(tasks.QueueEmail, tasks.ProbeTaskID(waiting))
	if err != nil {
		t.Fatal(err)
	}
	if info.Retried != 0 {
		t.Errorf("the handed-back task has retried = %d, want 0 (untouched)", info.Retried)
	}
	states, _ := runstate.New(rdb).States(context.Background(), "stop", ids)
	if i := slices.Index(ids, waiting); states[i] != runstate.Scheduled {
		t.Errorf("the handed-back probe is %q, want scheduled", states[i])
	}
}

// A pacing slot lost while its probe runs (another holder has the lease now) is noticed
// and counted. Before the probe contacted its target the attempt is aborted and handed
// back, untouched; after, it goes on and is recorded.
func TestPacingSlotLoss(t *testing.T) {
	for _, tc := range []struct {
		when    string
		sending bool
	}{{"before_send", false}, {"after_send", true}} {
		t.Run(tc.when, func(t *testing.T) {
			rdb := redistest.Client(t, redistest.Start(t))
			p, task := hoursProbe(t, rdb, "lost", time.Time{})
			var calls atomic.Int32
			d := testDispatcher(t, rdb, newYork(t, "2026-12-07 10:30"), &calls)
			d.Pacer.Lease = 300 * time.Millisecond
			lost := d.Metrics.PacingSlotsLost.WithLabelValues(string(campaign.ChannelEmail), tc.when)
			reg := probes.NewRegistry()
			_ = reg.Register(campaign.ChannelEmail, probes.Func(func(ctx context.Context, _ probes.Target) (probes.Result, error) {
				if tc.sending {
					if err := probes.Sending(ctx); err != nil {
						return probes.Result{}, err
					}
				}
				rdb.Set(context.Background(), slotKey("acme", 0), "another holder", time.Minute)
				if !tc.sending {
					<-ctx.Done() // the dispatcher aborts the attempt
					return probes.Result{}, ctx.Err()
				}
				pollFor(t, 30*time.Second, "the lost slot to be counted", func() bool { return testutil.ToFloat64(lost) == 1 })
				return probes.Result{Outcome: result.NoResponse, Reason: result.ReasonDeadline}, nil
			}))
			d.Registry = reg
			err := d.ProcessTask(context.Background(), task)
			if got := testutil.ToFloat64(lost); got != 1 {
				t.Errorf("stakeout_pacing_slots_lost_total{when=%q} = %v, want 1", tc.when, got)
			}
			states, _ := runstate.New(rdb).States(context.Background(), "lost", []string{p.ProbeID})
			var deferred *Deferred
			if tc.sending {
				if err != nil || states[0] != runstate.Running {
					t.Errorf("ProcessTask = %v, state %q; want nil and the result on its way (running)", err, states[0])
				}
			} else if !errors.As(err, &deferred) || states[0] != runstate.Scheduled {
				t.Errorf("ProcessTask = %v, state %q; want a *Deferred and the probe scheduled again", err, states[0])
			}
			if got := rdb.Get(context.Background(), slotKey("acme", 0)).Val(); got != "another holder" {
				t.Errorf("releasing a lost slot changed another holder's lease: %q", got)
			}
		})
	}
}
