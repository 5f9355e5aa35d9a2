package workers

import (
	"context"
	"log/slog"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// Results handles result tasks: it upserts each result into the store by probe id and,
// only when the probe had no result yet, updates the metrics, so a re-delivered result
// never counts twice. The run state always gets the outcome the store kept: a second
// result that did not replace the first does not change it either.
type Results struct {
	Store   store.Store
	States  *runstate.Store
	Metrics *metrics.Results
	Logger  *slog.Logger
	// Scoring, when set, receives a scoring task per run, target and channel stored
	// (nil: results are not scored).
	Scoring enqueuer
}

// ProcessTask implements asynq.Handler for result tasks.
func (h *Results) ProcessTask(ctx context.Context, t *asynq.Task) error {
	r, err := tasks.ParseResult(t)
	if err != nil {
		return err
	}
	created, err := h.Store.Upsert(ctx, r)
	if err != nil {
		return err
	}
	if created {
		h.observe(r)
	} else {
		h.Metrics.Duplicates.WithLabelValues(r.Channel).Inc()
		h.Logger.Info("result already recorded, counted once", "probe", r.ProbeID)
		if r, err = h.kept(ctx, r); err != nil {
			return err
		}
	}
	if err := h.score(ctx, []result.Result{r}); err != nil {
		return err
	}
	return h.States.Finish(ctx, r.Run, r.ProbeID, r.Outcome)
}

// ProcessBatch handles a batch of results aggregated by asynq: one store transaction,
// then metrics for the probes that had no result yet.
func (h *Results) ProcessBatch(ctx context.Context, t *asynq.Task) error {
	rs, bad, err := tasks.ParseResultBatch(t)
	if err != nil {
		return err
	}
	for _, e := range bad {
		h.Logger.Error("result dropped from batch", "err", e)
	}
	if len(rs) == 0 {
		return nil
	}
	created, err := h.Store.UpsertBatch(ctx, rs)
	if err != nil {
		return err
	}
	for i, r := range rs {
		if created[i] {
			h.observe(r)
			continue
		}
		h.Metrics.Duplicates.WithLabelValues(r.Channel).Inc()
		if rs[i], err = h.kept(ctx, r); err != nil {
			return err
		}
	}
	if err := h.score(ctx, rs); err != nil {
		return err
	}
	return h.States.FinishMany(ctx, rs)
}

// score queues the recomputation of the scorecards rs feed. A failure fails the task:
// its retry stores nothing twice and queues the scoring again.
func (h *Results) score(ctx context.Context, rs []result.Result) error {
	if h.Scoring == nil {
		return nil
	}
	return queueScoring(ctx, h.Scoring, rs)
}

// kept returns the result the store kept for r's probe (r itself when it replaced the
// stored one).
func (h *Results) kept(ctx context.Context, r result.Result) (result.Result, error) {
	stored, ok, err := h.Store.Get(ctx, r.ProbeID)
	if err != nil || !ok {
		return r, err
	}
	return stored, nil
}

// observe counts a probe's first stored result. An email probe's attempt ended
// "pending" (its dispatcher logged that); its outcome is logged here, once.
func (h *Results) observe(r result.Result) {
	if r.Channel == string(campaign.ChannelEmail) {
		args := []any{"probe", r.ProbeID, "channel", r.Channel, "target", r.Target, "outcome", r.Outcome}
		if r.Reason != "" {
			args = append(args, "reason", r.Reason)
		}
		if r.HumanResponseS != nil {
			args = append(args, "human_response_s", *r.HumanResponseS)
		}
		h.Logger.Info("probe done", args...)
	}
	h.Metrics.Outcomes.WithLabelValues(r.Channel, r.Target, string(r.Outcome), r.Reason).Inc()
	h.Metrics.LastResult.WithLabelValues(r.Channel).SetToCurrentTime()
	if r.FirstResponseS != nil {
		h.Metrics.Response.WithLabelValues(r.Channel, r.Target, "first").Observe(*r.FirstResponseS)
	}
	if r.HumanResponseS != nil {
		h.Metrics.Response.WithLabelValues(r.Channel, r.Target, "human").Observe(*r.HumanResponseS)
	}
}
