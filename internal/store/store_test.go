package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// sample returns a complete result for probe id in run.
func sample(run, id string) result.Result {
	t0 := time.Date(2026, 11, 3, 14, 0, 0, 123456789, time.FixedZone("EST", -5*3600))
	return result.Result{
		ProbeID:        id,
		Run:            run,
		Campaign:       "nov",
		Target:         "acme",
		Industry:       "retail",
		Channel:        "chat",
		Scenario:       "refund",
		PlannedAt:      t0,
		StartedAt:      t0.Add(2 * time.Second),
		FinishedAt:     t0.Add(5 * time.Minute),
		Outcome:        result.Answered,
		FirstResponseS: result.Seconds(1500 * time.Millisecond),
		HumanResponseS: result.Seconds(42 * time.Second),
		DurationS:      300,
		Evidence:       []byte(`{"transcript":["hi"]}`),
	}
}

func mustUpsert(t *testing.T, s Store, r result.Result) bool {
	t.Helper()
	created, err := s.Upsert(context.Background(), r)
	if err != nil {
		t.Fatalf("Upsert(%q): %v", r.ProbeID, err)
	}
	return created
}

func mustGet(t *testing.T, s Store, id string) result.Result {
	t.Helper()
	got, ok, err := s.Get(context.Background(), id)
	if err != nil || !ok {
		t.Fatalf("Get(%q) = ok %v, err %v; want a result", id, ok, err)
	}
	return got
}

func TestUpsertIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		r := sample("run1", "p1")
		if !mustUpsert(t, s, r) {
			t.Errorf("first Upsert(%q) created = false, want true", r.ProbeID)
		}
		if mustUpsert(t, s, r) {
			t.Errorf("second Upsert(%q) created = true, want false", r.ProbeID)
		}
		if diff := cmp.Diff(r, mustGet(t, s, "p1")); diff != "" {
			t.Errorf("Get after two identical upserts (-want +got):\n%s", diff)
		}

		// A second result of the same revision (a duplicate, or a relaunched probe's
		// second attempt) never replaces the first.
		second := r
		second.Outcome, second.Reason = result.NoResponse, result.ReasonDeadline
		second.FirstResponseS, second.HumanResponseS, second.Evidence = nil, nil, nil
		second.StartedAt = time.Time{}
		if mustUpsert(t, s, second) {
			t.Errorf("third Upsert(%q) created = true, want false", r.ProbeID)
		}
		if _, err := s.UpsertBatch(context.Background(), []result.Result{second}); err != nil {
			t.Fatalf("UpsertBatch(second): %v", err)
		}
		if diff := cmp.Diff(r, mustGet(t, s, "p1")); diff != "" {
			t.Errorf("Get after a second result of the same revision (-want +got):\n%s", diff)
		}
	})
}

// A correction (a higher revision) replaces the stored result; an older revision
// arriving late changes nothing.
func TestUpsertKeepsHighestRevision(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		first := sample("run1", "p1")
		first.Revision = 1
		mustUpsert(t, s, first)
		corrected := first
		corrected.Revision, corrected.FirstResponseS = 3, result.Seconds(time.Second)
		if mustUpsert(t, s, corrected) {
			t.Errorf("Upsert(revision 3) created = true, want false")
		}
		stale := first
		stale.Revision = 2
		if mustUpsert(t, s, stale) {
			t.Errorf("Upsert(revision 2) created = true, want false")
		}
		if _, err := s.UpsertBatch(context.Background(), []result.Result{first, stale}); err != nil {
			t.Fatalf("UpsertBatch(older revisions): %v", err)
		}
		if diff := cmp.Diff(corrected, mustGet(t, s, "p1")); diff != "" {
			t.Errorf("Get after older revisions (-want +got):\n%s", diff)
		}
	})
}

func TestGetReturnsUTC(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		r := sample("run1", "p1")
		mustUpsert(t, s, r)
		got := mustGet(t, s, "p1")
		if got.PlannedAt.Location() != time.UTC || !got.PlannedAt.Equal(r.PlannedAt) {
			t.Errorf("PlannedAt = %v, want %v in UTC", got.PlannedAt, r.PlannedAt.UTC())
		}
	})
}

func TestGetMissing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		got, ok, err := s.Get(context.Background(), "nope")
		if err != nil || ok {
			t.Errorf("Get(missing) = %v, %v, %v; want zero, false, nil", got, ok, err)
		}
	})
}

func TestUpsertRejectsInvalid(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		nan := 0.0
		nan /= nan
		bad := map[string]result.Result{
			"no probe id":   {Outcome: result.Answered},
			"bad outcome":   {ProbeID: "p", Outcome: "maybe"},
			"NaN latency":   {ProbeID: "p", Outcome: result.Answered, FirstResponseS: &nan},
			"time overflow": {ProbeID: "p", Outcome: result.Answered, PlannedAt: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)},
		}
		for name, r := range bad {
			if _, err := s.Upsert(context.Background(), r); err == nil {
				t.Errorf("Upsert(%s) succeeded, want error", name)
			}
		}
		if _, err := s.UpsertBatch(context.Background(), []result.Result{sample("r", "ok"), bad["bad outcome"]}); err == nil {
			t.Errorf("UpsertBatch with an invalid result succeeded, want error")
		}
		if _, ok, _ := s.Get(context.Background(), "ok"); ok {
			t.Errorf("UpsertBatch that failed validation stored part of the batch")
		}
	})
}

// upsertConcurrently upserts ids from 8 goroutines spread over stores and returns
// how many calls reported created for each id.
func upsertConcurrently(t *testing.T, stores []Store, ids []string) map[string]int {
	t.Helper()
	var (
		mu      sync.Mutex
		created = make(map[string]int)
		wg      sync.WaitGroup
	)
	for g := range 8 {
		s := stores[g%len(stores)]
		wg.Go(func() {
			for i := range ids {
				id := ids[(i+g*7)%len(ids)] // different order per goroutine
				c, err := s.Upsert(context.Background(), sample("run1", id))
				if err != nil {
					t.Errorf("goroutine %d: Upsert(%q): %v", g, id, err)
					return
				}
				if c {
					mu.Lock()
					created[id]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return created
}

func checkOncePerID(t *testing.T, created map[string]int, ids []string) {
	t.Helper()
	for _, id := range ids {
		if created[id] != 1 {
			t.Errorf("probe %q: %d upserts reported created, want exactly 1", id, created[id])
		}
	}
}

func testIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("p%04d", i)
	}
	return ids
}

func TestConcurrentUpsertsCreateOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		ids := testIDs(200)
		checkOncePerID(t, upsertConcurrently(t, []Store{s}, ids), ids)
	})
}

// TestConcurrentStoresCreateOnce opens the same file twice, as two processes would,
// so that writers contend on SQLite's file lock and busy timeout, not only in Go.
func TestConcurrentStoresCreateOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s1, path := bk.openTemp(t)
		s2, err := Open(context.Background(), path)
		if err != nil {
			t.Fatalf("second Open(%q): %v", path, err)
		}
		defer s2.Close()
		ids := testIDs(200)
		checkOncePerID(t, upsertConcurrently(t, []Store{s1, s2}, ids), ids)
	})
}

func TestUpsertBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		ctx := context.Background()
		mustUpsert(t, s, sample("run1", "b"))
		batch := []result.Result{sample("run1", "a"), sample("run1", "b"), sample("run1", "c"), sample("run1", "a")}
		batch[3].Outcome = result.Failed
		got, err := s.UpsertBatch(ctx, batch)
		if err != nil {
			t.Fatalf("UpsertBatch: %v", err)
		}
		if diff := cmp.Diff([]bool{true, false, true, false}, got); diff != "" {
			t.Errorf("UpsertBatch created (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(batch[0], mustGet(t, s, "a")); diff != "" {
			t.Errorf("Get(a) after batch with a repeated id: the first must win (-want +got):\n%s", diff)
		}
		if got, err := s.UpsertBatch(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("UpsertBatch(nil) = %v, %v; want empty, nil", got, err)
		}
	})
}

func TestEachAndCounts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		ctx := context.Background()
		outcomes := map[string]result.Outcome{"c": result.Failed, "a": result.Answered, "b": result.Answered, "d": result.NoResponse}
		for id, o := range outcomes {
			r := sample("run1", id)
			r.Outcome = o
			mustUpsert(t, s, r)
		}
		mustUpsert(t, s, sample("run2", "aa"))

		for _, tc := range []struct {
			run    string
			ids    []string
			counts map[result.Outcome]int
		}{
			{"run1", []string{"a", "b", "c", "d"}, map[result.Outcome]int{result.Answered: 2, result.Failed: 1, result.NoResponse: 1}},
			{"run2", []string{"aa"}, map[result.Outcome]int{result.Answered: 1}},
			{"", []string{"a", "aa", "b", "c", "d"}, map[result.Outcome]int{result.Answered: 3, result.Failed: 1, result.NoResponse: 1}},
			{"none", nil, map[result.Outcome]int{}},
		} {
			var ids []string
			err := s.Each(ctx, tc.run, func(r result.Result) error { ids = append(ids, r.ProbeID); return nil })
			if err != nil {
				t.Errorf("Each(%q): %v", tc.run, err)
			}
			if diff := cmp.Diff(tc.ids, ids); diff != "" {
				t.Errorf("Each(%q) probe ids (-want +got):\n%s", tc.run, diff)
			}
			counts, err := s.Counts(ctx, tc.run)
			if err != nil {
				t.Errorf("Counts(%q): %v", tc.run, err)
			}
			if diff := cmp.Diff(tc.counts, counts); diff != "" {
				t.Errorf("Counts(%q) (-want +got):\n%s", tc.run, diff)
			}
		}
	})
}

func TestEachStopsOnError(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		for _, id := range []string{"a", "b", "c"} {
			mustUpsert(t, s, sample("run1", id))
		}
		stop := errors.New("stop")
		calls := 0
		err := s.Each(context.Background(), "", func(result.Result) error {
			calls++
			// Writing from inside Each must not deadlock.
			if _, err := s.Upsert(context.Background(), sample("run1", "z")); err != nil {
				return err
			}
			return stop
		})
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("Each with failing fn = %v after %d calls, want %v after 1", err, calls, stop)
		}
	})
}
