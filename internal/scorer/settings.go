package scorer

import (
	"context"
	"fmt"
	"sync"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// specs caches the runs read from the store's runs table, with their specs. A run
// unknown to the store (results imported without their launch) is scored with the
// defaults and has no window.
type specs struct {
	mu    sync.Mutex
	byRun map[string]runRecord
}

// runRecord is a recorded run and its decoded spec (nil when none was recorded).
type runRecord struct {
	run  store.Run
	spec *tasks.RunSpec
}

func (s *specs) get(ctx context.Context, ledger store.Ledger, run string) (runRecord, error) {
	s.mu.Lock()
	rec, ok := s.byRun[run]
	s.mu.Unlock()
	if ok {
		return rec, nil
	}
	r, found, err := ledger.GetRun(ctx, run)
	if err != nil {
		return runRecord{}, err
	}
	if found {
		rec.run = r
		if len(r.Spec) > 0 {
			if rec.spec, err = tasks.ParseRunSpec(r.Spec); err != nil {
				return runRecord{}, fmt.Errorf("run %s: %w", run, err)
			}
		}
	}
	s.mu.Lock()
	if s.byRun == nil {
		s.byRun = map[string]runRecord{}
	}
	s.byRun[run] = rec
	s.mu.Unlock()
	return rec, nil
}

// Settings returns the scoring settings of channel ch in a run's spec (nil: the
// defaults): its SLA and its scoring block.
func Settings(spec *tasks.RunSpec, ch string) scoring.Settings {
	sla, ok := campaign.SLA{}, false
	if spec != nil {
		sla, ok = spec.SLA[campaign.Channel(ch)]
	}
	if !ok {
		sla = campaign.DefaultSLA[campaign.Channel(ch)]
	}
	sc := campaign.Scoring{Weights: campaign.DefaultScoringWeights, MinSample: campaign.DefaultMinSample}
	if spec != nil && spec.Scoring != nil {
		sc = *spec.Scoring
	}
	w := sc.Weights
	return scoring.Settings{
		SLA:       scoring.SLA{FirstS: sla.FirstResponse.D().Seconds(), HumanS: sla.HumanResponse.D().Seconds(), ResponseRate: sla.ResponseRate},
		Weights:   scoring.Weights{ResponseRate: w.ResponseRate, Speed: w.Speed, Consistency: w.Consistency, Quality: w.Quality},
		MinSample: sc.MinSample,
	}
}
