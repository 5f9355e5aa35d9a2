package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func testAlert(kind string, at time.Time) Alert {
	return Alert{Client: "acme-corp", Target: "acme", Channel: "email", Kind: kind, Severity: "warning", Run: "nov-2026-11",
		Campaign: "nov", OpenedAt: at, Since: at.Add(-time.Hour), Summary: "slower", Evidence: []byte(`{"kind":"` + kind + `"}`)}
}

func TestAlertLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		ctx := context.Background()
		s, _ := bk.openTemp(t)
		at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

		a, opened, err := s.OpenAlert(ctx, testAlert("latency", at))
		if err != nil || !opened {
			t.Fatalf("OpenAlert = %v, %v; want opened", opened, err)
		}
		if a.ID != AlertID("acme", "email", "latency", at) || len(a.ID) != 10 {
			t.Errorf("ID = %q, want AlertID's 10 hex digits", a.ID)
		}
		// A second firing alert of the same kind is refused; another kind opens.
		if _, opened, err := s.OpenAlert(ctx, testAlert("latency", at.Add(time.Minute))); err != nil || opened {
			t.Errorf("second OpenAlert of a firing kind = %v, %v; want not opened", opened, err)
		}
		b, opened, err := s.OpenAlert(ctx, testAlert("stopped_answering", at.Add(time.Minute)))
		if err != nil || !opened {
			t.Fatalf("OpenAlert of another kind = %v, %v", opened, err)
		}

		firing, last, err := s.AlertState(ctx, "acme", "email")
		if err != nil {
			t.Fatal(err)
		}
		if len(firing) != 2 || firing[0].ID != a.ID || firing[1].ID != b.ID || len(last) != 0 {
			t.Fatalf("AlertState = %+v, %v; want a and b firing, nothing resolved", firing, last)
		}
		if diff := cmp.Diff(a, firing[0]); diff != "" {
			t.Errorf("stored alert differs from the opened one (-opened +stored):\n%s", diff)
		}

		rat := at.Add(3 * time.Hour)
		r, resolved, err := s.ResolveAlert(ctx, a.ID, rat, "back to normal", []byte(`{}`))
		if err != nil || !resolved {
			t.Fatalf("ResolveAlert = %v, %v", resolved, err)
		}
		if r.State != AlertResolved || !r.ResolvedAt.Equal(rat) || r.Version != 2 || r.Resolution != "back to normal" {
			t.Errorf("resolved alert = %+v", r)
		}
		if _, again, err := s.ResolveAlert(ctx, a.ID, rat.Add(time.Hour), "", nil); err != nil || again {
			t.Errorf("resolving twice = %v, %v; want false", again, err)
		}
		firing, last, err = s.AlertState(ctx, "acme", "email")
		if err != nil || len(firing) != 1 || !last["latency"].Equal(rat) {
			t.Fatalf("after resolve: AlertState = %+v, %v, %v", firing, last, err)
		}
		// The kind may fire again once resolved.
		if _, opened, err := s.OpenAlert(ctx, testAlert("latency", at.Add(4*time.Hour))); err != nil || !opened {
			t.Errorf("reopening a resolved kind = %v, %v", opened, err)
		}

		// Delivery: firing alerts and those resolved since.
		d, err := s.Deliverable(ctx, rat)
		if err != nil || len(d) != 3 {
			t.Fatalf("Deliverable(resolved at) = %d alerts, %v; want 3", len(d), err)
		}
		if d, err = s.Deliverable(ctx, rat.Add(time.Second)); err != nil || len(d) != 2 {
			t.Fatalf("Deliverable(after) = %d alerts, %v; want 2 firing", len(d), err)
		}
		if err := s.MarkDelivered(ctx, a.ID, 2, rat); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDelivered(ctx, a.ID, 1, rat.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.GetAlert(ctx, a.ID[:6])
		if err != nil || !ok || got.Delivered != 2 || !got.DeliveredAt.Equal(rat) {
			t.Errorf("GetAlert(prefix) = %+v, %v, %v; want delivered version 2 kept", got, ok, err)
		}
		if _, ok, err := s.GetAlert(ctx, "zzzz"); ok || err != nil {
			t.Errorf("GetAlert(unknown) = %v, %v", ok, err)
		}

		list, err := s.ListAlerts(ctx, AlertFilter{Kind: "latency"})
		if err != nil || len(list) != 2 || list[0].OpenedAt.Before(list[1].OpenedAt) {
			t.Errorf("ListAlerts(latency) = %+v, %v; want 2, newest first", list, err)
		}
		if list, _ := s.ListAlerts(ctx, AlertFilter{State: AlertResolved}); len(list) != 1 || list[0].ID != a.ID {
			t.Errorf("ListAlerts(resolved) = %+v", list)
		}
		if list, _ := s.ListAlerts(ctx, AlertFilter{Limit: 1}); len(list) != 1 {
			t.Errorf("ListAlerts(limit 1) = %d alerts", len(list))
		}
	})
}

// TestAlertOpenRace opens the same kind from many goroutines: exactly one opens.
func TestAlertOpenRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		ctx := context.Background()
		s, _ := bk.openTemp(t)
		at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		var mu sync.Mutex
		opened := 0
		for i := range 8 {
			wg.Go(func() {
				_, ok, err := s.OpenAlert(ctx, testAlert("latency", at.Add(time.Duration(i)*time.Second)))
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					opened++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if opened != 1 {
			t.Errorf("%d alerts opened, want exactly 1", opened)
		}
	})
}

func TestAlertsReadOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		ctx := context.Background()
		s, path := bk.openTemp(t)
		if _, _, err := s.OpenAlert(ctx, testAlert("latency", time.Now())); err != nil {
			t.Fatal(err)
		}
		ro, err := OpenReadOnly(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		if list, err := ro.ListAlerts(ctx, AlertFilter{}); err != nil || len(list) != 1 {
			t.Errorf("read-only ListAlerts = %d, %v", len(list), err)
		}
		if _, _, err := ro.OpenAlert(ctx, testAlert("latency", time.Now())); !errors.Is(err, ErrReadOnly) {
			t.Errorf("read-only OpenAlert: %v, want ErrReadOnly", err)
		}
	})
}
