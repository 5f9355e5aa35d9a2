// Package runstate keeps, in Redis, the state of every probe of every run: scheduled,
// running, cancelled or its outcome. Launch, status, cancel and the workers share it.
// Every transition is idempotent, so re-delivered tasks and repeated launches are safe.
package runstate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/result"
)

// Probe states besides the outcomes of result.Outcomes.
const (
	Scheduled = "scheduled"
	Running   = "running"
	Cancelled = "cancelled"
)

// StatusOrder is the order in which states are shown.
var StatusOrder = []string{Scheduled, Running, string(result.Answered), string(result.AutoOnly),
	string(result.NoResponse), string(result.Failed), Cancelled}

// Final reports whether state is an outcome or cancelled: nothing more happens to the probe.
func Final(state string) bool {
	return state == Cancelled || result.Outcome(state).Valid()
}

// Store reads and writes run state in Redis.
type Store struct {
	rdb redis.UniversalClient
}

// New returns a Store on rdb.
func New(rdb redis.UniversalClient) *Store { return &Store{rdb: rdb} }

func probesKey(run string) string { return "stakeout:run:{" + run + "}:probes" }
func metaKey(run string) string   { return "stakeout:run:{" + run + "}:meta" }
func specKey(run string) string   { return "stakeout:run:{" + run + "}:spec" }
func sourceKey(run string) string { return "stakeout:run:{" + run + "}:campaign" }

// RunsKey is the sorted set of known run ids, scored by launch time.
const RunsKey = "stakeout:runs"

// Retention is how long a run's state stays in Redis after its last probe's deadline
// (the window's end plus the longest deadline); then its keys expire, and what is left
// of the run is in the result store.
const Retention = 30 * 24 * time.Hour

// ExpireRun makes the run's keys (and the extra keys given) expire at at; keys created
// later by a launch get it from the next ExpireRun. Redis keeps the expiry through the
// workers' later writes to a key.
func (s *Store) ExpireRun(ctx context.Context, run string, at time.Time, extra ...string) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range append([]string{metaKey(run), probesKey(run), specKey(run), sourceKey(run)}, extra...) {
			p.ExpireAt(ctx, k, at)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set the expiry of run %s: %w", run, err)
	}
	return nil
}

// RollingKey is the sorted set of runs with probes not yet enqueued (a rolling
// horizon), scored by when their next top-up is due, in Unix milliseconds.
const RollingKey = "stakeout:rolling"

// Meta describes a launched run.
type Meta struct {
	Campaign string
	Total    int
	Start    time.Time
	End      time.Time
	// Horizon is how far ahead of now the run's probes are enqueued (0: all at once).
	Horizon time.Duration
	// Through is the time before which every probe of the run has been enqueued (zero
	// until a launch has enqueued what is due).
	Through time.Time
	// Cancelled is when the run was cancelled (zero when it was not).
	Cancelled time.Time
}

// SetMeta records the run's description and adds it to the list of runs. Through
// and Cancelled are left as they are (AdvanceThrough and MarkCancelled set them).
func (s *Store) SetMeta(ctx context.Context, run string, m Meta) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, metaKey(run), "campaign", m.Campaign, "total", m.Total,
			"start", m.Start.UTC().Format(time.RFC3339Nano), "end", m.End.UTC().Format(time.RFC3339Nano),
			"horizon", m.Horizon.String())
		p.ZAddNX(ctx, RunsKey, redis.Z{Score: float64(time.Now().Unix()), Member: run})
		return nil
	})
	if err != nil {
		return fmt.Errorf("record run %s: %w", run, err)
	}
	return nil
}

// SaveSpec stores the run's spec (what workers need of the campaign) unless the run
// has one already: a launched run keeps the campaign as it was at its first launch.
// It reports whether this call stored it.
func (s *Store) SaveSpec(ctx context.Context, run string, spec []byte) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, specKey(run), spec, 0).Result()
	if err != nil {
		return false, fmt.Errorf("save spec of run %s: %w", run, err)
	}
	return ok, nil
}

// LoadSpec returns the run's spec; ok is false when the run has none.
func (s *Store) LoadSpec(ctx context.Context, run string) (spec []byte, ok bool, err error) {
	spec, err = s.rdb.Get(ctx, specKey(run)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("load spec of run %s: %w", run, err)
	}
	return spec, true, nil
}

// GetMeta returns the run's description; ok is false for an unknown run.
func (s *Store) GetMeta(ctx context.Context, run string) (m Meta, ok bool, err error) {
	v, err := s.rdb.HGetAll(ctx, metaKey(run)).Result()
	if err != nil {
		return m, false, fmt.Errorf("read run %s: %w", run, err)
	}
	if len(v) == 0 {
		return m, false, nil
	}
	m.Campaign = v["campaign"]
	fmt.Sscan(v["total"], &m.Total)
	m.Start, _ = time.Parse(time.RFC3339, v["start"])
	m.End, _ = time.Parse(time.RFC3339, v["end"])
	m.Horizon, _ = time.ParseDuration(v["horizon"])
	if ms, err := strconv.ParseInt(v["through"], 10, 64); err == nil {
		m.Through = time.UnixMilli(ms).UTC()
	}
	m.Cancelled, _ = time.Parse(time.RFC3339, v["cancelled"])
	return m, true, nil
}

// SaveCampaign keeps the campaign file a run was launched from (its name and YAML)
// unless the run has one already, so that the probes beyond a rolling horizon are
// planned from the campaign as it was at the first launch.
func (s *Store) SaveCampaign(ctx context.Context, run, file string, source []byte) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, sourceKey(run), "file", file)
		p.HSetNX(ctx, sourceKey(run), "yaml", source)
		return nil
	})
	if err != nil {
		return fmt.Errorf("save campaign of run %s: %w", run, err)
	}
	return nil
}

// LoadCampaign returns what SaveCampaign kept; ok is false when the run has none.
func (s *Store) LoadCampaign(ctx context.Context, run string) (file string, source []byte, ok bool, err error) {
	v, err := s.rdb.HMGet(ctx, sourceKey(run), "file", "yaml").Result()
	if err != nil {
		return "", nil, false, fmt.Errorf("load campaign of run %s: %w", run, err)
	}
	f, _ := v[0].(string)
	y, ok := v[1].(string)
	return f, []byte(y), ok, nil
}

// advanceScript raises a run's through mark to ARGV[2] (Unix ms) unless it is higher,
// then files the run in the rolling set for its next top-up, at the mark minus ARGV[4]
// ms, or takes it out when the mark is past its last probe (ARGV[3]) or it was cancelled.
var advanceScript = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'through') or '0')
local t = tonumber(ARGV[2])
if t > cur then redis.call('HSET', KEYS[1], 'through', ARGV[2]) else t = cur end
if redis.call('HEXISTS', KEYS[1], 'cancelled') == 1 or t > tonumber(ARGV[3]) then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[2], t - tonumber(ARGV[4]), ARGV[1])
return 1`)

// AdvanceThrough records that every probe of run planned before through has been
// enqueued. While probes remain after it (the last is planned at last), the run stays
// in the rolling set, due for its next top-up at through minus lead; it reports
// whether it does. The mark never moves back.
func (s *Store) AdvanceThrough(ctx context.Context, run string, through, last time.Time, lead time.Duration) (rolling bool, err error) {
	n, err := advanceScript.Run(ctx, s.rdb, []string{metaKey(run), RollingKey}, run,
		through.UnixMilli(), last.UnixMilli(), lead.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("record what run %s has enqueued: %w", run, err)
	}
	return n == 1, nil
}

// DueRolling returns the runs of the rolling set whose next top-up is due at now.
func (s *Store) DueRolling(ctx context.Context, now time.Time) ([]string, error) {
	runs, err := s.rdb.ZRangeByScore(ctx, RollingKey, &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10)}).Result()
	if err != nil {
		return nil, fmt.Errorf("read the rolling runs: %w", err)
	}
	return runs, nil
}

// MarkDone takes run out of the rolling set.
func (s *Store) MarkDone(ctx context.Context, run string) error {
	if err := s.rdb.ZRem(ctx, RollingKey, run).Err(); err != nil {
		return fmt.Errorf("take run %s out of the rolling runs: %w", run, err)
	}
	return nil
}

// Client returns the Redis client of the store.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// MarkCancelled records that run was cancelled and takes it out of the rolling set:
// its probes not yet enqueued never will be.
func (s *Store) MarkCancelled(ctx context.Context, run string, at time.Time) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, metaKey(run), "cancelled", at.UTC().Format(time.RFC3339))
		p.ZRem(ctx, RollingKey, run)
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark run %s cancelled: %w", run, err)
	}
	return nil
}

// States returns the state of each probe id ("" when unknown), in order.
func (s *Store) States(ctx context.Context, run string, ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	const batch = 1000
	for i := 0; i < len(ids); i += batch {
		vals, err := s.rdb.HMGet(ctx, probesKey(run), ids[i:min(i+batch, len(ids))]...).Result()
		if err != nil {
			return nil, fmt.Errorf("read probe states of %s: %w", run, err)
		}
		for _, v := range vals {
			str, _ := v.(string)
			out = append(out, str)
		}
	}
	return out, nil
}

// MarkScheduled sets ids to scheduled where they have no state yet.
func (s *Store) MarkScheduled(ctx context.Context, run string, ids []string) error {
	const batch = 1000
	for i := 0; i < len(ids); i += batch {
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, id := range ids[i:min(i+batch, len(ids))] {
				p.HSetNX(ctx, probesKey(run), id, Scheduled)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("mark probes of %s scheduled: %w", run, err)
		}
	}
	return nil
}

// Restore sets the state of each probe in states where it has none (Redis lost it,
// and the result store says the probe was sent or ended).
func (s *Store) Restore(ctx context.Context, run string, states map[string]string) error {
	ids := make([]string, 0, len(states))
	for id := range states {
		ids = append(ids, id)
	}
	const batch = 1000
	for i := 0; i < len(ids); i += batch {
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, id := range ids[i:min(i+batch, len(ids))] {
				p.HSetNX(ctx, probesKey(run), id, states[id])
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("restore probe states of %s: %w", run, err)
		}
	}
	return nil
}

// start moves a probe to running unless it is final; it returns the previous state.
var startScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur == false or cur == 'scheduled' or cur == 'running' then
  redis.call('HSET', KEYS[1], ARGV[1], 'running')
  if cur == false then return '' end
  return cur
end
return cur`)

// Start marks a probe running. It returns the previous state; when that is final
// (cancelled or an outcome) the state is unchanged and the probe must not run.
func (s *Store) Start(ctx context.Context, run, id string) (prev string, err error) {
	prev, err = startScript.Run(ctx, s.rdb, []string{probesKey(run)}, id).Text()
	if err != nil {
		return "", fmt.Errorf("mark probe %s running: %w", id, err)
	}
	return prev, nil
}

// requeueScript moves a probe from running back to scheduled.
var requeueScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == 'running' then
  redis.call('HSET', KEYS[1], ARGV[1], 'scheduled')
end
return 0`)

// Requeue marks a running probe scheduled again: its attempt ended without an outcome
// and the task went back to its queue.
func (s *Store) Requeue(ctx context.Context, run, id string) error {
	if err := requeueScript.Run(ctx, s.rdb, []string{probesKey(run)}, id).Err(); err != nil {
		return fmt.Errorf("mark probe %s scheduled again: %w", id, err)
	}
	return nil
}

// cancel moves a probe from scheduled to cancelled; it returns 1 when it did.
var cancelScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == 'scheduled' then
  redis.call('HSET', KEYS[1], ARGV[1], 'cancelled')
  return 1
end
return 0`)

// Cancel marks a scheduled probe cancelled; it reports false when the probe had started or ended.
func (s *Store) Cancel(ctx context.Context, run, id string) (bool, error) {
	n, err := cancelScript.Run(ctx, s.rdb, []string{probesKey(run)}, id).Int()
	if err != nil {
		return false, fmt.Errorf("cancel probe %s: %w", id, err)
	}
	return n == 1, nil
}

// Finish records a probe's outcome.
func (s *Store) Finish(ctx context.Context, run, id string, o result.Outcome) error {
	if err := s.rdb.HSet(ctx, probesKey(run), id, string(o)).Err(); err != nil {
		return fmt.Errorf("record outcome of %s: %w", id, err)
	}
	return nil
}

// FinishMany records the outcomes of many probes, of any runs, in one round trip.
func (s *Store) FinishMany(ctx context.Context, rs []result.Result) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, r := range rs {
			p.HSet(ctx, probesKey(r.Run), r.ProbeID, string(r.Outcome))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record %d outcomes: %w", len(rs), err)
	}
	return nil
}

// Each calls fn for every probe of run and its state, in no particular order.
func (s *Store) Each(ctx context.Context, run string, fn func(id, state string) error) error {
	it := s.rdb.HScan(ctx, probesKey(run), 0, "", 5000).Iterator()
	for it.Next(ctx) {
		id := it.Val()
		if !it.Next(ctx) {
			break
		}
		if err := fn(id, it.Val()); err != nil {
			return err
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("read probes of %s: %w", run, err)
	}
	return nil
}

// Counts returns the number of probes of run in each state.
func (s *Store) Counts(ctx context.Context, run string) (map[string]int, error) {
	counts := map[string]int{}
	err := s.Each(ctx, run, func(_, state string) error {
		counts[state]++
		return nil
	})
	return counts, err
}
