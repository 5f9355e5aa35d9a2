package lease

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/redistest"
)

func TestAcquireRenewRelease(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Client(t, redistest.Start(t))
	a, err := Acquire(ctx, rdb, "k", time.Minute)
	if err != nil || a == nil {
		t.Fatalf("Acquire = %v, %v, want a lease", a, err)
	}
	b, err := Acquire(ctx, rdb, "k", time.Minute)
	if err != nil || b != nil {
		t.Fatalf("second Acquire = %v, %v, want nil, nil while the first holds it", b, err)
	}
	other := Held(rdb, "k", "someone else", time.Minute)
	if err := other.Renew(ctx); !errors.Is(err, ErrLost) {
		t.Errorf("Renew by another owner = %v, want ErrLost", err)
	}
	if err := other.Release(ctx); err != nil {
		t.Errorf("Release by another owner = %v, want nil", err)
	}
	if got := rdb.Get(ctx, "k").Val(); got != a.Token() {
		t.Fatalf("after another owner's release the key holds %q, want the first owner's token", got)
	}
	if err := a.Renew(ctx); err != nil {
		t.Errorf("Renew by the owner = %v", err)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatalf("Release = %v", err)
	}
	if n := rdb.Exists(ctx, "k").Val(); n != 0 {
		t.Errorf("key exists after release")
	}
	if err := a.Renew(ctx); !errors.Is(err, ErrLost) {
		t.Errorf("Renew after release = %v, want ErrLost", err)
	}
}

func TestKeeperKeepsTheLeasePastItsTTL(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Client(t, redistest.Start(t))
	l, err := Acquire(ctx, rdb, "k", 300*time.Millisecond)
	if err != nil || l == nil {
		t.Fatalf("Acquire = %v, %v", l, err)
	}
	renewed := make(chan struct{}, 100)
	k := l.Keep(KeepOptions{OnRenew: func() { renewed <- struct{}{} }})
	defer k.Stop()
	begin := time.Now()
	for n := 0; time.Since(begin) < 3*l.TTL() || n < 3; n++ {
		select {
		case <-renewed:
		case <-k.Lost():
			t.Fatalf("lease lost: %v", k.Err())
		case <-time.After(30 * time.Second):
			t.Fatal("no renewal in 30s")
		}
	}
	if got := rdb.Get(ctx, "k").Val(); got != l.Token() {
		t.Errorf("after three TTLs the key holds %q, want the owner's token", got)
	}
}

func TestKeeperReportsATakenLease(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Client(t, redistest.Start(t))
	l, _ := Acquire(ctx, rdb, "k", time.Second)
	lost := make(chan error, 1)
	k := l.Keep(KeepOptions{Every: 50 * time.Millisecond, OnLost: func(err error) { lost <- err }})
	defer k.Stop()
	rdb.Set(ctx, "k", "another owner", time.Minute)
	select {
	case err := <-lost:
		if !errors.Is(err, ErrLost) || !errors.Is(k.Err(), ErrLost) {
			t.Errorf("OnLost(%v), Err() = %v, want ErrLost", err, k.Err())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("keeper did not notice the lease was taken")
	}
	<-k.Lost()
	if got := rdb.Get(ctx, "k").Val(); got != "another owner" {
		t.Errorf("the keeper changed another owner's key: %q", got)
	}
}

// A keeper that cannot reach Redis reports each failure and, a TTL after its last
// renewal, the lease as lost.
func TestKeeperReportsRenewalFailures(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	l, _ := Acquire(ctx, rdb, "k", 500*time.Millisecond)
	failures := make(chan error, 100)
	k := l.Keep(KeepOptions{Every: 50 * time.Millisecond, OnError: func(err error) { failures <- err }})
	defer k.Stop()
	srv.Stop()
	select {
	case err := <-failures:
		if errors.Is(err, ErrLost) {
			t.Errorf("OnError(%v): a Redis error is not a lost lease", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no renewal failure reported")
	}
	select {
	case <-k.Lost():
		if !errors.Is(k.Err(), ErrLost) {
			t.Errorf("Err() = %v, want ErrLost", k.Err())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("lease not reported lost")
	}
}
