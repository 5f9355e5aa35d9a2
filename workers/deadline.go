package workers

import (
	"context"
	"errors"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// Deadlines handles email deadline tasks with email.Deadlines: a deadline whose mailbox
// has not been read past it yet is deferred (checked again every few seconds).
type Deadlines struct {
	email.Deadlines
	Client *asynq.Client
}

// ProcessTask implements asynq.Handler for email deadline tasks.
func (h *Deadlines) ProcessTask(ctx context.Context, t *asynq.Task) error {
	d, err := tasks.ParseDeadline(t)
	if err != nil {
		return err
	}
	err = h.Close(ctx, d.ProbeID, d.Token, func(p *email.Pending) error {
		return tasks.EnqueueRevision(ctx, h.Client, p.Result(), p.Rev)
	})
	var wait *email.NotReadYet
	if errors.As(err, &wait) {
		return &Deferred{Why: wait.Error(), After: wait.After}
	}
	return err
}
