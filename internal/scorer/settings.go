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

// specs caches the run specs read from the store's runs table. A run unknown to the
// store (results imported without their launch) is scored with the defaults.
type specs struct {
	mu    sync.Mutex
	byRun map[string]*tasks.RunSpec
}

func (s *specs) get(ctx context.Context, ledger store.Ledger, run string) (*tasks.RunSpec, error) {
	s.mu.Lock()
	spec, ok := s.byRun[run]
	s.mu.Unlock()
	if ok {
		return spec, nil
	}
	r, found, err := ledger.GetRun(ctx, run)
	if err != nil {
		return nil, err
	}
	if found && len(r.Spec) > 0 {
		if spec, err = tasks.ParseRunSpec(r.Spec); err != nil {
			return nil, fmt.Errorf("run %s: %w", run, err)
		}
	}
	s.mu.Lock()
	if s.byRun == nil {
		s.byRun = map[string]*tasks.RunSpec{}
	}
	s.byRun[run] = spec // nil for an unknown run: the defaults
	s.mu.Unlock()
	return spec, nil
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
