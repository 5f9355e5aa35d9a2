package workers

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/lease"
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
// are taken at least MinGap apart. A slot is a lease (internal/lease) renewed while the
// probe runs, so a killed worker's slot frees itself after the lease.
type Pacer struct {
	rdb redis.UniversalClient
	// Lease is how long a slot lives without renewal (default 30s).
	Lease time.Duration
	// OnRenewError, when set, is called with each failed renewal of a slot that may
	// still be held (a Redis error). It must not block.
	OnRenewError func(target string, err error)
}

// NewPacer returns a Pacer on rdb.
func NewPacer(rdb redis.UniversalClient) *Pacer { return &Pacer{rdb: rdb, Lease: 30 * time.Second} }

// slotKey is the lease of slot i of target; slots are numbered from 0 to MaxInFlight-1.
func slotKey(target string, i int) string {
	return "stakeout:pace:{" + target + "}:slot:" + strconv.Itoa(i)
}
func lastKey(target string) string { return "stakeout:pace:{" + target + "}:last" }

// acquireScript takes a free slot lease of KEYS[2..] for the holder ARGV[1] (or renews
// the one it holds already). It returns {0, key index} when the slot is taken, {1, ms}
// when the gap since the last slot has not passed, {2, ms} when every slot is busy (ms:
// until the first lease ends). Time comes from the Redis server so worker clocks do not
// matter.
var acquireScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local holder, gap, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local free, soonest = nil, nil
for i = 2, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if v == holder then
    redis.call('PEXPIRE', KEYS[i], lease)
    return {0, i}
  end
  if not v then
    free = free or i
  else
    local ttl = redis.call('PTTL', KEYS[i])
    if not soonest or ttl < soonest then soonest = ttl end
  end
end
if not free then return {2, soonest} end
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if gap > 0 and now - last < gap then return {1, gap - (now - last)} end
redis.call('SET', KEYS[free], holder, 'PX', lease)
redis.call('SET', KEYS[1], now, 'PX', math.max(gap, 1) + lease)
return {0, free}`)

// Slot is a held pacing slot: a lease kept alive in the background until Release.
type Slot struct {
	target string
	lease  *lease.Lease
	keeper *lease.Keeper
}

// TryAcquire takes a slot of target for holder. When none is free it returns a nil Slot
// and how long to wait: until the gap has passed, or a short poll when all slots are busy.
func (p *Pacer) TryAcquire(ctx context.Context, target, holder string, maxInFlight int, minGap time.Duration) (*Slot, time.Duration, error) {
	maxInFlight = max(maxInFlight, 1)
	keys := make([]string, 0, maxInFlight+1)
	keys = append(keys, lastKey(target))
	for i := range maxInFlight {
		keys = append(keys, slotKey(target, i))
	}
	res, err := acquireScript.Run(ctx, p.rdb, keys, holder, minGap.Milliseconds(), p.Lease.Milliseconds()).Int64Slice()
	if err != nil || len(res) != 2 {
		return nil, 0, fmt.Errorf("pacing slot of %s: %w", target, err)
	}
	switch res[0] {
	case 0:
		s := &Slot{target: target, lease: lease.Held(p.rdb, keys[res[1]-1], holder, p.Lease)}
		s.keeper = s.lease.Keep(lease.KeepOptions{OnError: func(err error) {
			if p.OnRenewError != nil {
				p.OnRenewError(target, err)
			}
		}})
		return s, 0, nil
	case 2:
		// Busy: the earliest lease ends in res[1] ms, but a slot usually frees sooner.
		return nil, min(time.Duration(res[1])*time.Millisecond, time.Second), nil
	default:
		return nil, time.Duration(res[1]) * time.Millisecond, nil
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

// Lost is closed when the slot's lease is lost: its renewals failed for a whole lease,
// or another holder has it. Another probe of the target may run then.
func (s *Slot) Lost() <-chan struct{} { return s.keeper.Lost() }

// Err says why the slot was lost; nil while it is held.
func (s *Slot) Err() error { return s.keeper.Err() }

// Release frees the slot. The gap to the next probe still counts from this slot's start.
func (s *Slot) Release(ctx context.Context) error {
	s.keeper.Stop()
	if err := s.lease.Release(ctx); err != nil {
		return fmt.Errorf("release pacing slot of %s: %w", s.target, err)
	}
	return nil
}
