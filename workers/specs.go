package workers

import (
	"context"
	"fmt"
	"sync"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// maxCachedSpecs bounds the run specs a worker keeps in memory.
const maxCachedSpecs = 64

// specCache keeps the specs of recent runs, read from Redis once per run.
type specCache struct {
	states *runstate.Store
	mu     sync.Mutex
	specs  map[string]*tasks.RunSpec
}

func newSpecCache(states *runstate.Store) *specCache {
	return &specCache{states: states, specs: map[string]*tasks.RunSpec{}}
}

// assign resolves a probe task into everything its probe needs.
func (c *specCache) assign(ctx context.Context, p tasks.Probe) (tasks.Assignment, error) {
	spec, err := c.get(ctx, p.Run)
	if err != nil {
		return tasks.Assignment{}, err
	}
	a, err := spec.Assign(p)
	if err != nil {
		return a, fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return a, nil
}

func (c *specCache) get(ctx context.Context, run string) (*tasks.RunSpec, error) {
	c.mu.Lock()
	spec, ok := c.specs[run]
	c.mu.Unlock()
	if ok {
		return spec, nil
	}
	b, ok, err := c.states.LoadSpec(ctx, run)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("run %s has no spec in Redis (was it launched?): %w", run, asynq.SkipRetry)
	}
	if spec, err = tasks.ParseRunSpec(b); err != nil {
		return nil, fmt.Errorf("run %s: %w: %w", run, err, asynq.SkipRetry)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.specs) >= maxCachedSpecs {
		for k := range c.specs { // forget any one; a miss only costs a read
			delete(c.specs, k)
			break
		}
	}
	c.specs[run] = spec
	return spec, nil
}
