package email

import (
	"sync"
	"testing"
	"time"
)

// events records what the tests' watchers tell their OnEvent hooks and what
// they publish, and wakes waitFor at each: the tests wait on the watchers'
// own events, never for a fixed time.
type events struct {
	mu  sync.Mutex
	log []tagged
	ch  chan struct{} // closed and replaced at each event
}

// tagged is an event with the name of the watcher (or process) it came from.
type tagged struct {
	tag string
	e   WatcherEvent // 0 for a published result
}

// changes is the events of every watcher of the package's tests.
var changes = &events{ch: make(chan struct{})}

// record adds an event and wakes the waiters.
func (ev *events) record(tag string, e WatcherEvent) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.log = append(ev.log, tagged{tag, e})
	close(ev.ch)
	ev.ch = make(chan struct{})
}

// hook returns an OnEvent hook for a Watcher, recording under tag.
func (ev *events) hook(tag string) func(WatcherEvent) {
	return func(e WatcherEvent) { ev.record(tag, e) }
}

// since returns the events after the first n, and the number of events so far.
func (ev *events) since(n int) ([]tagged, int) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return append([]tagged(nil), ev.log[min(n, len(ev.log)):]...), len(ev.log)
}

func (ev *events) changed() <-chan struct{} {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return ev.ch
}

// mark returns the number of events so far, for since.
func (ev *events) mark() int {
	_, n := ev.since(1 << 30)
	return n
}

// waitFor waits until cond, a state the watchers expose (results queued, a
// connection, their events), holds: it is checked again after every watcher
// event and every published result. Past timeout the test fails.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	expired := time.After(timeout)
	for {
		changed := changes.changed()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-expired:
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

// saw reports whether an event e tagged tag came after mark.
func saw(mark int, tag string, e WatcherEvent) bool {
	evs, _ := changes.since(mark)
	for _, ev := range evs {
		if ev.tag == tag && ev.e == e {
			return true
		}
	}
	return false
}

// nextSecond waits until the wall clock is in a later whole second than at:
// INTERNALDATE, set by the mail server, has whole seconds.
func nextSecond(at time.Time) {
	<-time.After(time.Until(at.Truncate(time.Second).Add(time.Second)))
}
