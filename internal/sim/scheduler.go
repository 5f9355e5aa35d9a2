package sim

import (
	"container/heap"
	"sync"
	"time"
)

// scheduler runs jobs at their time from one goroutine and one timer, however
// many are pending: a min-heap ordered by time (then by insertion), woken when an
// earlier job arrives. Jobs still pending at shutdown are dropped.
type scheduler struct {
	run func(*job) // called from the scheduler goroutine, one job at a time

	mu      sync.Mutex
	h       jobHeap
	seq     uint64
	stopped bool

	wake chan struct{} // buffered 1: "the earliest job changed"
	stop chan struct{}
	done chan struct{}
}

// newScheduler returns a scheduler that calls run for each due job.
func newScheduler(run func(*job)) *scheduler {
	return &scheduler{
		run:  run,
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
}

// start runs the loop until shutdown.
func (s *scheduler) start() { go s.loop() }

// shutdown stops the loop, waits for it, and returns the number of dropped jobs.
// It is safe to call more than once.
func (s *scheduler) shutdown() int {
	s.mu.Lock()
	already := s.stopped
	s.stopped = true
	s.mu.Unlock()
	if !already {
		close(s.stop)
	}
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.h)
	s.h = nil
	return n
}

// add schedules j; it reports false once the scheduler is shut down.
func (s *scheduler) add(j *job) bool {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return false
	}
	s.seq++
	j.seq = s.seq
	heap.Push(&s.h, j)
	first := s.h[0] == j
	s.mu.Unlock()
	if first {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// pending returns the number of jobs not yet run.
func (s *scheduler) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.h)
}

// loop runs due jobs, then sleeps until the next one, a wake-up or stop.
func (s *scheduler) loop() {
	defer close(s.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next, ok := s.runDue()
		if ok {
			timer.Reset(time.Until(next))
		} else {
			timer.Stop()
		}
		select {
		case <-s.stop:
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// runDue runs every job whose time has come and returns the time of the next one.
func (s *scheduler) runDue() (time.Time, bool) {
	for {
		select {
		case <-s.stop:
			return time.Time{}, false
		default:
		}
		s.mu.Lock()
		if len(s.h) == 0 {
			s.mu.Unlock()
			return time.Time{}, false
		}
		top := s.h[0]
		if top.at.After(time.Now()) {
			s.mu.Unlock()
			return top.at, true
		}
		heap.Pop(&s.h)
		s.mu.Unlock()
		s.run(top)
	}
}

// jobHeap is a min-heap of jobs by (at, seq).
type jobHeap []*job

func (h jobHeap) Len() int { return len(h) }
func (h jobHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h jobHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }

// Push implements heap.Interface.
func (h *jobHeap) Push(x any) { *h = append(*h, x.(*job)) }

// Pop implements heap.Interface.
func (h *jobHeap) Pop() any {
	old := *h
	j := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return j
}
