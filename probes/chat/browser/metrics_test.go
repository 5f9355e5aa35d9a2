package browser

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/metrics"
)

// The worker's metrics implement the hook, with the same restart reasons.
var _ Metrics = (*metrics.Browser)(nil)

func TestMetricsRestartReasons(t *testing.T) {
	if diff := cmp.Diff(metrics.BrowserRestartReasons, RestartReasons); diff != "" {
		t.Errorf("metrics.BrowserRestartReasons differ from RestartReasons (-want +got):\n%s", diff)
	}
	live := func() *generation { return &generation{bctx: context.Background(), lost: make(chan struct{})} }
	broken, cancelled := live(), live()
	broken.broken = true
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cancelled.bctx = ctx
	gone := make(chan struct{})
	close(gone)
	lost := &generation{bctx: context.Background(), lost: gone}
	for _, tc := range []struct {
		name string
		g    *generation
		want string
	}{
		{"none yet", nil, RestartStart},
		{"served its tabs", live(), RestartRecycled},
		{"a tab did not close", broken, RestartUnresponsive},
		{"context ended", cancelled, RestartCrashed},
		{"connection lost", lost, RestartCrashed},
	} {
		if got := restartReason(tc.g); got != tc.want {
			t.Errorf("%s: restartReason = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// recorded is what a recorder was told.
type recorded struct {
	Capacity, InUse, MaxInUse, StartFailures int
	Restarts                                 []string
}

// recorder is a Metrics that keeps what it is told.
type recorder struct {
	mu sync.Mutex
	recorded
}

func (r *recorder) SetCapacity(n int) { r.mu.Lock(); r.Capacity = n; r.mu.Unlock() }
func (r *recorder) AddInUse(d int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.InUse += d
	r.MaxInUse = max(r.MaxInUse, r.InUse)
}
func (r *recorder) Restarted(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Restarts = append(r.Restarts, reason)
}
func (r *recorder) StartFailed() { r.mu.Lock(); r.StartFailures++; r.mu.Unlock() }

// got returns a copy of what r was told.
func (r *recorder) got() recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.recorded
}

// A pool tells its hook its capacity, the slot an Acquire holds while it starts a
// browser, and a failed start. /bin/false stands for a Chromium that does not start,
// so no browser runs in this test.
func TestMetricsHook(t *testing.T) {
	rec := &recorder{}
	p := newPool(t, Options{ExecPath: "/bin/false", MaxConcurrent: 3, Metrics: rec})
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		tab, err := p.Acquire(ctx)
		cancel()
		if err == nil {
			_ = tab.Close()
			t.Fatalf("Acquire with /bin/false as Chromium succeeded, want a start error")
		}
	}
	want := recorded{Capacity: 3, InUse: 0, MaxInUse: 1, StartFailures: 2}
	if diff := cmp.Diff(want, rec.got()); diff != "" {
		t.Errorf("hook after two failed starts (-want +got):\n%s", diff)
	}
	if p.why != RestartStart {
		t.Errorf("reason kept for the next start = %q, want %q", p.why, RestartStart)
	}
}

// A Pool without Options.Metrics works with the no-op hook.
func TestMetricsHookDefault(t *testing.T) {
	p := newPool(t, Options{ExecPath: "/bin/false"})
	if _, ok := p.metrics.(noMetrics); !ok {
		t.Errorf("Pool.metrics = %T, want noMetrics", p.metrics)
	}
}
