// Package runstate keeps, in Redis, the state of every probe of every run: scheduled,
// running, cancelled or its outcome. Launch, status, cancel and the workers share it.
// Every transition is idempotent, so re-delivered tasks and repeated launches are safe.
package runstate

import (
	"context"
	"errors"
	"fmt"
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

// RunsKey is the sorted set of known run ids, scored by launch time.
const RunsKey = "stakeout:runs"

// Meta describes a launched run.
type Meta struct {
	Campaign string
	Total    int
	Start    time.Time
	End      time.Time
}

// SetMeta records the run's description and adds it to the list of runs.
func (s *Store) SetMeta(ctx context.Context, run string, m Meta) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, metaKey(run), "campaign", m.Campaign, "total", m.Total,
			"start", m.Start.UTC().Format(time.RFC3339), "end", m.End.UTC().Format(time.RFC3339))
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
	return m, true, nil
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
