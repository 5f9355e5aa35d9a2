package lease

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// KeepOptions configure a Keeper. Zero values take the stated defaults.
type KeepOptions struct {
	// Every is the time between two renewals (default a third of the lease's TTL).
	Every time.Duration
	// OnError, when set, is called with each renewal that failed with a Redis error
	// while the lease may still be held (for logs and metrics). It must not block.
	OnError func(error)
	// OnLost, when set, is called once, with the reason, when the lease is lost. It
	// must not block.
	OnLost func(error)
	// OnRenew, when set, is called after each renewal that succeeded (tests wait on it).
	OnRenew func()
}

// Keeper renews one lease in the background until Stop. The lease is lost when a
// renewal finds another owner (or none), or when renewals failed for a whole TTL since
// the last one that succeeded: by then the key has expired in Redis.
type Keeper struct {
	l    *Lease
	opts KeepOptions
	lost chan struct{}
	stop chan struct{}
	done chan struct{}

	stopOnce sync.Once
	mu       sync.Mutex
	err      error
}

// Keep starts a Keeper of l.
func (l *Lease) Keep(opts KeepOptions) *Keeper {
	if opts.Every <= 0 {
		opts.Every = l.ttl / 3
	}
	k := &Keeper{l: l, opts: opts, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go k.run()
	return k
}

// Lost is closed when the lease is lost.
func (k *Keeper) Lost() <-chan struct{} { return k.lost }

// Err returns why the lease was lost, nil while it is held.
func (k *Keeper) Err() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.err
}

// Stop stops renewing and waits for the keeper's goroutine; it does not release the
// lease. It is safe to call more than once.
func (k *Keeper) Stop() {
	k.stopOnce.Do(func() { close(k.stop) })
	<-k.done
}

func (k *Keeper) run() {
	defer close(k.done)
	t := time.NewTicker(k.opts.Every)
	defer t.Stop()
	// The TTL counts from before the request of the last renewal that succeeded.
	held := time.Now()
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
		}
		sent := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), k.opts.Every)
		err := k.l.Renew(ctx)
		cancel()
		switch {
		case err == nil:
			held = sent
			if k.opts.OnRenew != nil {
				k.opts.OnRenew()
			}
			continue
		case errors.Is(err, ErrLost):
		case time.Since(held) < k.l.ttl:
			if k.opts.OnError != nil {
				k.opts.OnError(err)
			}
			continue
		default:
			if k.opts.OnError != nil {
				k.opts.OnError(err)
			}
			err = fmt.Errorf("%w: no renewal for %s: %w", ErrLost, k.l.ttl, err)
		}
		k.setLost(err)
		return
	}
}

func (k *Keeper) setLost(err error) {
	k.mu.Lock()
	k.err = err
	k.mu.Unlock()
	close(k.lost)
	if k.opts.OnLost != nil {
		k.opts.OnLost(err)
	}
}
