package workers

import (
	"context"
	"log/slog"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// Deadlines handles email deadline tasks: at t0 + deadline an email probe with no human
// reply is closed as no_response, or auto_only when only automated replies came.
type Deadlines struct {
	Pendings *email.Pendings
	Client   *asynq.Client
	Logger   *slog.Logger
}

// ProcessTask implements asynq.Handler for email deadline tasks.
func (h *Deadlines) ProcessTask(ctx context.Context, t *asynq.Task) error {
	d, err := tasks.ParseDeadline(t)
	if err != nil {
		return err
	}
	known, err := h.Pendings.Close(ctx, d.Token, func(p *email.Pending) error {
		return enqueueDecision(ctx, h.Client, p)
	})
	if err != nil {
		return err
	}
	if !known {
		h.Logger.Warn("deadline of an email probe with no record", "probe", d.ProbeID)
	}
	return nil
}
