package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// ErrUnknownRun is returned for a run id that was never launched.
var ErrUnknownRun = errors.New("unknown run")

// Status is a run's progress: its description and the number of probes in each state.
type Status struct {
	Run    string
	Meta   runstate.Meta
	Counts map[string]int
}

// GetStatus returns the status of run.
func GetStatus(ctx context.Context, states *runstate.Store, run string) (Status, error) {
	meta, ok, err := states.GetMeta(ctx, run)
	if err != nil {
		return Status{}, err
	}
	if !ok {
		return Status{}, fmt.Errorf("%w %q (launch it with: stakeout campaign launch FILE)", ErrUnknownRun, run)
	}
	counts, err := states.Counts(ctx, run)
	if err != nil {
		return Status{}, err
	}
	return Status{Run: run, Meta: meta, Counts: counts}, nil
}

// CancelReport says what a cancel did.
type CancelReport struct {
	// Cancelled probes had not started and will not run.
	Cancelled int
	// Left probes had already started or ended.
	Left int
}

// Cancel removes every probe of run that has not started. It marks each one cancelled
// first, so that a worker that picks the task up at the same moment does not run it,
// then deletes its task.
func Cancel(ctx context.Context, states *runstate.Store, insp *asynq.Inspector, run string) (CancelReport, error) {
	var rep CancelReport
	if _, err := GetStatus(ctx, states, run); err != nil {
		return rep, err
	}
	var scheduled []string
	err := states.Each(ctx, run, func(id, state string) error {
		if state == runstate.Scheduled {
			scheduled = append(scheduled, id)
		} else if state != runstate.Cancelled {
			rep.Left++
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	for _, id := range scheduled {
		ok, err := states.Cancel(ctx, run, id)
		if err != nil {
			return rep, err
		}
		if !ok {
			rep.Left++
			continue
		}
		rep.Cancelled++
		err = insp.DeleteTask(tasks.ProbeQueue(channelOf(id)), tasks.ProbeTaskID(id))
		if err != nil && !errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound) {
			// An active task cannot be deleted; its worker sees the cancelled state.
			if !strings.Contains(err.Error(), "active") {
				return rep, fmt.Errorf("delete task of %s: %w", id, err)
			}
		}
	}
	return rep, nil
}

// channelOf returns the channel part of a probe id (run/target/channel/seq).
func channelOf(probeID string) campaign.Channel {
	parts := strings.Split(probeID, "/")
	if len(parts) < 2 {
		return ""
	}
	return campaign.Channel(parts[len(parts)-2])
}
