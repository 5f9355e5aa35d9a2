package runstate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	return New(redistest.Client(t, redistest.Start(t)))
}

func states(t *testing.T, s *Store, run string, ids ...string) []string {
	t.Helper()
	got, err := s.States(context.Background(), run, ids)
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	return got
}

func TestFinal(t *testing.T) {
	for state, want := range map[string]bool{Scheduled: false, Running: false, "": false, "bogus": false,
		Cancelled: true, "answered": true, "auto_only": true, "no_response": true, "failed": true} {
		if got := Final(state); got != want {
			t.Errorf("Final(%q) = %v, want %v", state, got, want)
		}
	}
}

// MarkScheduled sets only probes without a state: running and final ones stay.
func TestMarkScheduledKeepsStates(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.Start(ctx, "r", "running"); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, "r", "answered", result.Answered); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkScheduled(ctx, "r", []string{"cancelled"}); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Cancel(ctx, "r", "cancelled"); !ok || err != nil {
		t.Fatalf("Cancel(scheduled) = %v, %v; want true", ok, err)
	}
	ids := []string{"new", "running", "answered", "cancelled"}
	if err := s.MarkScheduled(ctx, "r", ids); err != nil {
		t.Fatal(err)
	}
	want := []string{Scheduled, Running, "answered", Cancelled}
	if diff := cmp.Diff(want, states(t, s, "r", ids...)); diff != "" {
		t.Errorf("states after MarkScheduled (-want +got):\n%s", diff)
	}
	if got := states(t, s, "other", "new"); got[0] != "" {
		t.Errorf("state of a probe of another run = %q, want \"\"", got[0])
	}
}

// Start returns the previous state and never leaves a final state.
func TestStart(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	s.MarkScheduled(ctx, "r", []string{"sched", "cancel"})
	s.Cancel(ctx, "r", "cancel")
	for _, o := range result.Outcomes {
		s.Finish(ctx, "r", string(o), o)
	}
	tests := []struct {
		id, prev, after string
	}{
		{"unknown", "", Running},
		{"sched", Scheduled, Running},
		{"sched", Running, Running}, // a re-delivered task
		{"cancel", Cancelled, Cancelled},
		{"answered", "answered", "answered"},
		{"auto_only", "auto_only", "auto_only"},
		{"no_response", "no_response", "no_response"},
		{"failed", "failed", "failed"},
	}
	for _, tt := range tests {
		prev, err := s.Start(ctx, "r", tt.id)
		if err != nil {
			t.Fatalf("Start(%s): %v", tt.id, err)
		}
		if prev != tt.prev {
			t.Errorf("Start(%s) prev = %q, want %q", tt.id, prev, tt.prev)
		}
		if got := states(t, s, "r", tt.id)[0]; got != tt.after {
			t.Errorf("state of %s after Start = %q, want %q", tt.id, got, tt.after)
		}
	}
}

// Cancel moves only scheduled probes.
func TestCancel(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	s.MarkScheduled(ctx, "r", []string{"sched", "run", "done"})
	s.Start(ctx, "r", "run")
	s.Finish(ctx, "r", "done", result.NoResponse)
	for id, want := range map[string]bool{"sched": true, "run": false, "done": false, "unknown": false} {
		ok, err := s.Cancel(ctx, "r", id)
		if err != nil || ok != want {
			t.Errorf("Cancel(%s) = %v, %v; want %v", id, ok, err, want)
		}
	}
	if ok, _ := s.Cancel(ctx, "r", "sched"); ok {
		t.Errorf("Cancel(cancelled probe) = true, want false")
	}
	want := []string{Cancelled, Running, "no_response", ""}
	if diff := cmp.Diff(want, states(t, s, "r", "sched", "run", "done", "unknown")); diff != "" {
		t.Errorf("states after Cancel (-want +got):\n%s", diff)
	}
}

// Finish records the outcome, whatever the probe's state was.
func TestFinishAndCounts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var ids []string
	for i := range 10 {
		ids = append(ids, fmt.Sprintf("p%02d", i))
	}
	s.MarkScheduled(ctx, "r", ids)
	s.Start(ctx, "r", "p00")
	s.Start(ctx, "r", "p01")
	s.Finish(ctx, "r", "p01", result.Answered)
	s.Finish(ctx, "r", "p02", result.Failed) // a probe that failed before it was started
	s.Finish(ctx, "r", "p03", result.AutoOnly)
	s.Start(ctx, "r", "p04")
	s.Finish(ctx, "r", "p04", result.NoResponse)
	s.Cancel(ctx, "r", "p05")
	got, err := s.Counts(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{Scheduled: 4, Running: 1, "answered": 1, "failed": 1, "auto_only": 1, "no_response": 1, Cancelled: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Counts (-want +got):\n%s", diff)
	}
	if got, err := s.Counts(ctx, "unknown"); err != nil || len(got) != 0 {
		t.Errorf("Counts(unknown run) = %v, %v; want empty", got, err)
	}
}

// Each pages through a hash larger than one HSCAN batch, seeing every probe once.
func TestEachManyProbes(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	const n = 12345
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("run/t%03d/email/%04d", i%500, i)
	}
	if err := s.MarkScheduled(ctx, "big", ids); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[:100] {
		s.Finish(ctx, "big", id, result.Answered)
	}
	seen := map[string]string{}
	err := s.Each(ctx, "big", func(id, state string) error {
		if _, dup := seen[id]; dup {
			t.Errorf("Each gave %s twice", id)
		}
		seen[id] = state
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("Each saw %d probes, want %d", len(seen), n)
	}
	for i, id := range ids {
		want := Scheduled
		if i < 100 {
			want = "answered"
		}
		if seen[id] != want {
			t.Fatalf("Each: %s = %q, want %q", id, seen[id], want)
		}
	}
	counts, err := s.Counts(ctx, "big")
	if err != nil || counts[Scheduled] != n-100 || counts["answered"] != 100 {
		t.Errorf("Counts = %v, %v; want %d scheduled, 100 answered", counts, err, n-100)
	}
	got := states(t, s, "big", ids...)
	if len(got) != n || got[0] != "answered" || got[n-1] != Scheduled {
		t.Errorf("States over %d ids: %d states, first %q, last %q", n, len(got), got[0], got[n-1])
	}

	stop := errors.New("stop")
	calls := 0
	err = s.Each(ctx, "big", func(string, string) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Each with a failing fn = %v after %d calls, want stop after 1", err, calls)
	}
}

func TestMeta(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, ok, err := s.GetMeta(ctx, "unknown"); ok || err != nil {
		t.Errorf("GetMeta(unknown) ok = %v, err = %v; want false, nil", ok, err)
	}
	paris := time.FixedZone("CET", 3600)
	m := Meta{Campaign: "shoes", Total: 30,
		Start: time.Date(2030, 1, 1, 1, 0, 0, 0, paris), End: time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)}
	if err := s.SetMeta(ctx, "shoes-20300101T0000Z", m); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.GetMeta(ctx, "shoes-20300101T0000Z")
	if err != nil || !ok {
		t.Fatalf("GetMeta = %v, %v", ok, err)
	}
	want := Meta{Campaign: "shoes", Total: 30, Start: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), End: m.End}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetMeta (-want +got):\n%s", diff)
	}
	// Setting it again (a repeated launch) keeps one entry in the list of runs.
	s.SetMeta(ctx, "shoes-20300101T0000Z", m)
	s.SetMeta(ctx, "shoes-20300201T0000Z", m)
	runs, err := s.rdb.ZRange(ctx, RunsKey, 0, -1).Result()
	if err != nil || len(runs) != 2 {
		t.Errorf("runs = %q, %v; want 2", runs, err)
	}
}

func TestRequeue(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.Start(ctx, "r", "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, "r", "b", "answered"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if err := s.Requeue(ctx, "r", id); err != nil {
			t.Fatalf("Requeue(%s): %v", id, err)
		}
	}
	got, _ := s.States(ctx, "r", []string{"a", "b"})
	if want := []string{"scheduled", "answered"}; !slices.Equal(got, want) {
		t.Errorf("states after Requeue = %v, want %v (only running goes back)", got, want)
	}
}
