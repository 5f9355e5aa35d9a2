package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// ErrUnknownRun is returned for a run id that was never launched.
var ErrUnknownRun = errors.New("unknown run")

// Status is a run's progress: its description and the number of probes in each state.
type Status struct {
	Run  string
	Meta runstate.Meta
	// Counts holds the number of probes in each state. The probes of a rolling
	// horizon not yet enqueued count as scheduled, or as cancelled in a cancelled run.
	Counts map[string]int
	// Pending probes are planned beyond the run's horizon and not yet enqueued
	// (included in Counts).
	Pending int
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
	st := Status{Run: run, Meta: meta, Counts: counts, Pending: pending(meta, counts)}
	if st.Pending > 0 {
		if meta.Cancelled.IsZero() {
			counts[runstate.Scheduled] += st.Pending
		} else {
			counts[runstate.Cancelled] += st.Pending
		}
	}
	return st, nil
}

// CancelReport says what a cancel did.
type CancelReport struct {
	// Cancelled probes had not started and will not run (including those of a rolling
	// horizon that were not enqueued yet).
	Cancelled int
	// Left probes had already started or ended.
	Left int
}

// Cancel removes every probe of run that has not started. It marks the run cancelled,
// so that no top-up enqueues more of it, and takes its launch lock, waiting for a
// launch or top-up of the run in progress (calling waiting, when set, once if it must
// wait). Then it marks each scheduled probe cancelled, so that a worker that picks the
// task up at the same moment does not run it, and deletes its task.
func Cancel(ctx context.Context, states *runstate.Store, insp *asynq.Inspector, run string, waiting func()) (CancelReport, error) {
	var rep CancelReport
	st, err := GetStatus(ctx, states, run)
	if err != nil {
		return rep, err
	}
	if err := states.MarkCancelled(ctx, run, time.Now()); err != nil {
		return rep, err
	}
	lock, ctx, err := lockRun(ctx, states.Client(), run, true, waiting, slog.Default())
	if err != nil {
		return rep, err
	}
	defer lock.release(ctx)
	if st.Meta.Cancelled.IsZero() {
		// What a launch or top-up enqueued while this cancel waited for the lock has a
		// run state now: the pending probes counted here are not counted below again.
		counts, err := states.Counts(ctx, run)
		if err != nil {
			return rep, err
		}
		rep.Cancelled = pending(st.Meta, counts)
	}
	var scheduled []string
	err = states.Each(ctx, run, func(id, state string) error {
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
