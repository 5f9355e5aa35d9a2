package workers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Deferred is returned by a handler whose task cannot run yet (its target has no free
// pacing slot; a mailbox has not been read past a deadline): the task goes back to the
// queue for After without counting as a failed attempt.
type Deferred struct {
	Why   string
	After time.Duration
}

func (e *Deferred) Error() string {
	return fmt.Sprintf("%s: retry in %s", e.Why, e.After.Round(time.Millisecond))
}

// Pacer enforces per-target pacing across every worker process through Redis: at most
// MaxInFlight probes hold a slot of one target at a time, and two slots of one target
// are taken at least MinGap apart. A slot is a lease renewed while the probe runs, so a
// killed worker's slot frees itself after the lease.
type Pacer struct {
	rdb redis.UniversalClient
	// Lease is how long a slot lives without renewal (default 30s).
	Lease time.Duration
}

// NewPacer returns a Pacer on rdb.
func NewPacer(rdb redis.UniversalClient) *Pacer { return &Pacer{rdb: rdb, Lease: 30 * time.Second} }

func slotsKey(target string) string { return "stakeout:pace:{" + target + "}:slots" }
func lastKey(target string) string  { return "stakeout:pace:{" + target + "}:last" }

// acquireScript returns 0 when the slot is taken, or the milliseconds to wait, or -1 when
// all slots are busy. Time comes from the Redis server so worker clocks do not matter.
var acquireScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max, gap, lease = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  return 0
end
if redis.call('ZCARD', KEYS[1]) >= max then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return -(tonumber(first[2]) - now)
end
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if gap > 0 and now - last < gap then
  return gap - (now - last)
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease * 2)
redis.call('SET', KEYS[2], now, 'PX', math.max(gap, 1) + lease)
return 0`)

// renewScript extends a held slot; it returns 0 when the slot was lost.
var renewScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1`)

// Slot is a held pacing slot.
type Slot struct {
	p      *Pacer
	target string
	holder string
	stop   chan struct{}
	done   chan struct{}
}

// TryAcquire takes a slot of target for holder. When none is free it returns a nil Slot
// and how long to wait: until the gap has passed, or a short poll when all slots are busy.
func (p *Pacer) TryAcquire(ctx context.Context, target, holder string, maxInFlight int, minGap time.Duration) (*Slot, time.Duration, error) {
	if maxInFlight < 1 {
		maxInFlight = 1
	}
	n, err := acquireScript.Run(ctx, p.rdb, []string{slotsKey(target), lastKey(target)},
		holder, maxInFlight, minGap.Milliseconds(), p.Lease.Milliseconds()).Int64()
	if err != nil {
		return nil, 0, fmt.Errorf("pacing slot of %s: %w", target, err)
	}
	switch {
	case n == 0:
		s := &Slot{p: p, target: target, holder: holder, stop: make(chan struct{}), done: make(chan struct{})}
		go s.renew()
		return s, 0, nil
	case n < 0:
		// Busy: the earliest lease ends in -n ms, but a slot usually frees sooner.
		return nil, min(time.Duration(-n)*time.Millisecond, time.Second), nil
	default:
		return nil, time.Duration(n) * time.Millisecond, nil
	}
}

// Acquire waits up to maxWait for a slot. When the wait would be longer it returns a
// *Deferred saying when to try again.
func (p *Pacer) Acquire(ctx context.Context, target, holder string, maxInFlight int, minGap, maxWait time.Duration) (*Slot, error) {
	deadline := time.Now().Add(maxWait)
	for {
		s, wait, err := p.TryAcquire(ctx, target, holder, maxInFlight, minGap)
		if err != nil || s != nil {
			return s, err
		}
		if time.Until(deadline) < wait {
			return nil, &Deferred{Why: "target " + target + " has no free pacing slot", After: max(wait, 500*time.Millisecond)}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (s *Slot) renew() {
	defer close(s.done)
	t := time.NewTicker(s.p.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.p.Lease/3)
			_ = renewScript.Run(ctx, s.p.rdb, []string{slotsKey(s.target)}, s.holder, s.p.Lease.Milliseconds()).Err()
			cancel()
		}
	}
}

// Release frees the slot. The gap to the next probe still counts from this slot's start.
func (s *Slot) Release(ctx context.Context) error {
	close(s.stop)
	<-s.done
	err := s.p.rdb.ZRem(ctx, slotsKey(s.target), s.holder).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("release pacing slot of %s: %w", s.target, err)
	}
	return nil
}
