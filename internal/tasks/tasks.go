// Package tasks defines the asynq task types stakeout passes between its processes, their
// typed JSON payloads and their constructors. Task ids are deterministic so that every
// enqueue is idempotent.
package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/result"
)

// Task type names.
const (
	TypeProbeChat  = "probe:chat"
	TypeProbeEmail = "probe:email"
	TypeResult     = "result"
	// TypeEmailDeadline closes an email probe at its deadline.
	TypeEmailDeadline = "email:deadline"
	// TypeResultBatch is a batch of result tasks aggregated by the results worker's asynq server.
	TypeResultBatch = "result:batch"
	// TypeScore recomputes the scorecards fed by one run, target and channel.
	TypeScore = "score"
	// TypeAlertDeliver posts the alerts to Alertmanager after one opened or resolved.
	TypeAlertDeliver = "alert:deliver"
)

// ResultGroup is the asynq group result tasks join, so that a results worker stores them
// in batches (one SQLite transaction per batch instead of one per result).
const ResultGroup = "results"

// Queue names. Probe tasks go to the queue named after their channel.
const (
	QueueChat    = "chat"
	QueueEmail   = "email"
	QueueResults = "results"
	QueueScoring = "scoring"
	QueueAlerts  = "alerts"
)

// Queues lists every queue a worker may serve.
var Queues = []string{QueueChat, QueueEmail, QueueResults, QueueScoring, QueueAlerts}

// ProbeType returns the task type of a probe on channel ch.
func ProbeType(ch campaign.Channel) string { return "probe:" + string(ch) }

// ProbeQueue returns the queue of probes on channel ch.
func ProbeQueue(ch campaign.Channel) string { return string(ch) }

// Probe is the payload of a probe task. It carries ids only; the run's RunSpec, saved
// once at launch, says what the target, channel settings and scenario are.
type Probe struct {
	ProbeID    string           `json:"probe_id"`
	Run        string           `json:"run"`
	Channel    campaign.Channel `json:"channel"`
	TargetID   string           `json:"target"`
	ScenarioID string           `json:"scenario"`
	Seq        int              `json:"seq"`
	PlannedAt  time.Time        `json:"planned_at"`
	// WindowEnd is the end of the run's window: the probe does not start at or after
	// it, and its retries are never delayed past it (zero: no bound; the run's spec
	// may still give one).
	WindowEnd time.Time `json:"window_end,omitzero"`
}

// Target is the part of a campaign target a probe carries.
type Target struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Industry string `json:"industry"`
	// Client receives the target's alerts (empty in specs saved before clients: the ID).
	Client   string `json:"client,omitempty"`
	Timezone string `json:"timezone"`
	// BusinessHours are when the target may be probed, on its wall clock in Timezone
	// (none: always).
	BusinessHours []campaign.Hours `json:"business_hours,omitempty"`
}

// Pacing is the run-time pacing of a target.
type Pacing struct {
	MaxInFlight int           `json:"max_in_flight"`
	MinGap      time.Duration `json:"min_gap"`
}

// ProbeTaskID is the deterministic asynq task id of a probe.
func ProbeTaskID(probeID string) string { return "probe:" + probeID }

// ResultTaskID is the deterministic asynq task id of a probe's result.
func ResultTaskID(probeID string) string { return "result:" + probeID }

// EnqueueRevision enqueues r at revision rev under a task id of its own
// (result:<probe>:r<rev>), so every revision is delivered once and the store keeps the
// highest. An id already queued is not an error.
func EnqueueRevision(ctx context.Context, client *asynq.Client, r result.Result, rev int64) error {
	task, err := NewResultTask(r, asynq.TaskID(ResultTaskID(r.ProbeID)+":r"+strconv.FormatInt(rev, 10)))
	if err != nil {
		return err
	}
	if _, err := client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue result of %s: %w", r.ProbeID, err)
	}
	return nil
}

// NewProbeTask returns the task for p with its deterministic id, queue and timing options.
// maxRunTime bounds one attempt; the task is processed at p.PlannedAt.
func NewProbeTask(p Probe, maxRunTime time.Duration) (*asynq.Task, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode probe %s: %w", p.ProbeID, err)
	}
	return asynq.NewTask(ProbeType(p.Channel), b,
		asynq.TaskID(ProbeTaskID(p.ProbeID)),
		asynq.Queue(ProbeQueue(p.Channel)),
		asynq.ProcessAt(p.PlannedAt),
		asynq.Timeout(maxRunTime),
		asynq.MaxRetry(ProbeMaxRetry),
		asynq.Retention(24*time.Hour),
	), nil
}

// ProbeMaxRetry is how many times a probe attempt that failed is retried. The workers'
// backoff and the run's window bound the retries first: a retry is never due after
// the window's end, and a probe due after it ends failed/out_of_window.
const ProbeMaxRetry = 25

// ParseProbe decodes a probe payload; a bad payload is wrapped with asynq.SkipRetry.
func ParseProbe(t *asynq.Task) (Probe, error) {
	var p Probe
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return p, fmt.Errorf("decode %s payload: %v: %w", t.Type(), err, asynq.SkipRetry)
	}
	if p.ProbeID == "" || p.Run == "" || p.TargetID == "" {
		return p, fmt.Errorf("decode %s payload: missing probe or target id: %w", t.Type(), asynq.SkipRetry)
	}
	return p, nil
}

// NewResultTask returns the result task of r, with a deterministic id; opts come last,
// so asynq.TaskID among them replaces the id (for later evidence of a decided probe).
func NewResultTask(r result.Result, opts ...asynq.Option) (*asynq.Task, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode result %s: %w", r.ProbeID, err)
	}
	return asynq.NewTask(TypeResult, b, append([]asynq.Option{
		asynq.TaskID(ResultTaskID(r.ProbeID)),
		asynq.Queue(QueueResults),
		asynq.Group(ResultGroup),
		asynq.MaxRetry(100),
		asynq.Retention(24 * time.Hour),
	}, opts...)...), nil
}

// ParseResult decodes a result payload; a bad payload is wrapped with asynq.SkipRetry.
func ParseResult(t *asynq.Task) (result.Result, error) {
	var r result.Result
	if err := json.Unmarshal(t.Payload(), &r); err != nil {
		return r, fmt.Errorf("decode result payload: %v: %w", err, asynq.SkipRetry)
	}
	if r.ProbeID == "" || !r.Outcome.Valid() {
		return r, fmt.Errorf("decode result payload: missing probe id or bad outcome %q: %w", r.Outcome, asynq.SkipRetry)
	}
	return r, nil
}

// AggregateResults is the asynq GroupAggregator of result tasks: it joins their payloads
// into one result batch task.
func AggregateResults(group string, ts []*asynq.Task) *asynq.Task {
	parts := make([]json.RawMessage, 0, len(ts))
	for _, t := range ts {
		if json.Valid(t.Payload()) {
			parts = append(parts, t.Payload())
		}
	}
	b, _ := json.Marshal(parts) // RawMessages that are valid JSON always marshal
	return asynq.NewTask(TypeResultBatch, b, asynq.MaxRetry(100))
}

// ParseResultBatch decodes a result batch. Results that do not decode are returned in
// bad (with the reason) rather than failing the batch; a batch that is not a JSON list
// is wrapped with asynq.SkipRetry.
func ParseResultBatch(t *asynq.Task) (rs []result.Result, bad []error, err error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(t.Payload(), &parts); err != nil {
		return nil, nil, fmt.Errorf("decode result batch: %v: %w", err, asynq.SkipRetry)
	}
	for _, p := range parts {
		r, err := ParseResult(asynq.NewTask(TypeResult, p))
		if err != nil {
			bad = append(bad, err)
			continue
		}
		rs = append(rs, r)
	}
	return rs, bad, nil
}

// Deadline is the payload of an email deadline task.
type Deadline struct {
	ProbeID string `json:"probe_id"`
	Token   string `json:"token"`
}

// NewDeadlineTask returns the task that closes probe d at time at.
func NewDeadlineTask(d Deadline, at time.Time) (*asynq.Task, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeEmailDeadline, b,
		asynq.TaskID("deadline:"+d.ProbeID),
		asynq.Queue(QueueEmail),
		asynq.ProcessAt(at),
		asynq.MaxRetry(100),
		asynq.Retention(24*time.Hour),
	), nil
}

// ParseDeadline decodes a deadline payload; a bad payload is wrapped with asynq.SkipRetry.
func ParseDeadline(t *asynq.Task) (Deadline, error) {
	var d Deadline
	if err := json.Unmarshal(t.Payload(), &d); err != nil || d.Token == "" {
		return d, fmt.Errorf("decode deadline payload: %v: %w", err, asynq.SkipRetry)
	}
	return d, nil
}
