package sim

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestSchedulerManyJobs(t *testing.T) {
	const n = 5000
	var (
		mu    sync.Mutex
		ran   []*job
		late  time.Duration
		early int
	)
	all := make(chan struct{}) // closed when the n-th job has run
	s := newScheduler(func(j *job) {
		mu.Lock()
		defer mu.Unlock()
		if time.Now().Before(j.at) {
			early++
		}
		ran = append(ran, j)
		late = max(late, time.Since(j.at))
		if len(ran) == n {
			close(all)
		}
	})
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	for range n {
		s.add(&job{at: start.Add(time.Duration(rng.IntN(300)) * time.Millisecond)})
	}
	before := runtime.NumGoroutine()
	s.start()
	if g := runtime.NumGoroutine(); g > before+1 {
		t.Errorf("%d goroutines with %d jobs pending, want at most %d (one scheduler)", g, n, before+1)
	}
	select {
	case <-all:
	case <-time.After(time.Minute):
		t.Errorf("%d jobs pending a minute after the last was due", s.pending())
	}
	if dropped := s.shutdown(); dropped != 0 {
		t.Fatalf("shutdown dropped %d jobs, want 0", dropped)
	}
	if len(ran) != n {
		t.Fatalf("ran %d jobs, want %d", len(ran), n)
	}
	for i := 1; i < n; i++ {
		if ran[i].at.Before(ran[i-1].at) {
			t.Fatalf("job %d (at %v) ran after a later one (at %v)", i, ran[i].at, ran[i-1].at)
		}
	}
	if early > 0 {
		t.Fatalf("%d jobs ran before their time", early)
	}
	t.Logf("latest job ran %v after its time", late)
}

func TestSchedulerEarlierJobWakes(t *testing.T) {
	done := make(chan *job, 2)
	s := newScheduler(func(j *job) { done <- j })
	s.start()
	defer s.shutdown()
	far := &job{at: time.Now().Add(time.Hour)}
	near := &job{at: time.Now().Add(50 * time.Millisecond)}
	s.add(far)
	s.add(near)
	select {
	case j := <-done:
		if j != near {
			t.Errorf("ran the job due in an hour first")
		}
	case <-time.After(2 * time.Second):
		t.Fatalf("the near job did not run: an earlier job must wake the scheduler")
	}
}

func TestSchedulerShutdownDrops(t *testing.T) {
	s := newScheduler(func(*job) { t.Errorf("a job ran after shutdown") })
	s.start()
	for range 3 {
		s.add(&job{at: time.Now().Add(time.Hour)})
	}
	if got := s.shutdown(); got != 3 {
		t.Errorf("shutdown() = %d, want 3 dropped", got)
	}
	if s.add(&job{at: time.Now()}) {
		t.Errorf("add after shutdown = true, want false")
	}
	if got := s.shutdown(); got != 0 {
		t.Errorf("second shutdown() = %d, want 0", got)
	}
}
