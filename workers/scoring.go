package workers

import (
	"context"
	"log/slog"
	"math"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/scorer"
	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// Scoring handles scoring tasks: it recomputes the scorecards the results of one run,
// target and channel feed (see scorer.Scorer.Update).
type Scoring struct {
	Scorer  *scorer.Scorer
	Metrics *metrics.Scoring
	Logger  *slog.Logger
	// Alerts, when set, runs the degradation detector after each update.
	alerts *alerter
	// updated, when set, is called after each recomputation (tests).
	updated func(tasks.Score, []scoring.Card)
}

// ProcessTask implements asynq.Handler for scoring tasks.
func (h *Scoring) ProcessTask(ctx context.Context, t *asynq.Task) error {
	s, err := tasks.ParseScore(t)
	if err != nil {
		return err
	}
	start := time.Now()
	cards, err := h.Scorer.Update(ctx, s.Run, s.Target, s.Channel)
	h.Metrics.Duration.WithLabelValues(s.Channel).Observe(time.Since(start).Seconds())
	if err != nil {
		h.Metrics.Updates.WithLabelValues(s.Channel, "error").Inc()
		return err
	}
	h.Metrics.Updates.WithLabelValues(s.Channel, "ok").Inc()
	if h.alerts != nil {
		// The cards are stored: a failed evaluation retries the task, which recomputes
		// them (idempotent) and evaluates again.
		if err := h.alerts.evaluate(ctx, h.Scorer, s); err != nil {
			return err
		}
	}
	if h.updated != nil {
		h.updated(s, cards)
	}
	if len(cards) > 0 {
		c := cards[0]
		h.Logger.Debug("scores updated", "run", s.Run, "target", s.Target, "channel", s.Channel, "cards", len(cards),
			"score", c.Score.Value.F(), "tier", c.Tier.String(), "insufficient", c.Insufficient)
	}
	return nil
}

// setupScoring serves the scoring queue and, when asked, exports the score gauges.
func (w *Worker) setupScoring(cfg Config) {
	sc := &scorer.Scorer{Store: cfg.Store, Grader: cfg.Scoring.Grader, Logger: cfg.Logger}
	h := &Scoring{Scorer: sc, Metrics: metrics.NewScoring(cfg.Registerer), Logger: cfg.Logger, alerts: w.alerts, updated: func(s tasks.Score, c []scoring.Card) {
		if w.scoreHook != nil {
			w.scoreHook(s, c)
		}
	}}
	w.mux.Handle(tasks.TypeScore, h)
	w.serve(cfg.Queues, tasks.QueueScoring)
	if cfg.Scoring.Metrics {
		cfg.Registerer.MustRegister(metrics.NewScoreCollector(func(ctx context.Context) ([]metrics.ScoreSample, error) {
			return scoreSamples(ctx, cfg.Store)
		}))
	}
}

// enqueuer queues scoring tasks.
type enqueuer interface {
	EnqueueContext(ctx context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// queueScoring queues one scoring task per run, target and channel of rs. asynq
// aggregates the tasks of a group, so a burst of results costs one recomputation.
func queueScoring(ctx context.Context, c enqueuer, rs []result.Result) error {
	seen := map[tasks.Score]bool{}
	for _, r := range rs {
		s := tasks.Score{Run: r.Run, Target: r.Target, Channel: r.Channel}
		if seen[s] || s.Run == "" || s.Target == "" || s.Channel == "" {
			continue
		}
		seen[s] = true
		t, err := tasks.NewScoreTask(s)
		if err != nil {
			return err
		}
		if _, err := c.EnqueueContext(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// scoreSamples reads the latest scorecards as the score gauges export them.
func scoreSamples(ctx context.Context, st store.Scores) ([]metrics.ScoreSample, error) {
	cards, err := scorer.Latest(ctx, st)
	if err != nil {
		return nil, err
	}
	out := make([]metrics.ScoreSample, 0, len(cards))
	for _, c := range cards {
		tier := math.NaN()
		if c.Tier != scoring.TierNone {
			tier = float64(c.Tier)
		}
		out = append(out, metrics.ScoreSample{Target: c.Target, Channel: c.Channel, Window: string(c.Window),
			Score: c.Score.Value.F(), Tier: tier, ResponseRate: c.ResponseRate.Value.F(), SLACompliance: c.SLACompliance.F(),
			Reached: float64(c.Reached), SLAHumanS: c.SLA.HumanS, SLAFirstS: c.SLA.FirstS, SLARate: c.SLA.ResponseRate})
	}
	return out, nil
}
