package tasks

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hibiken/asynq"
)

// Score is the payload of a scoring task: the run, target and channel whose results
// changed.
type Score struct {
	Run     string `json:"run"`
	Target  string `json:"target"`
	Channel string `json:"channel"`
}

// scoreGroupPrefix starts the asynq group of scoring tasks.
const scoreGroupPrefix = "score:"

// ScoreGroup is the asynq group of the scoring tasks of one run, target and channel:
// asynq aggregates the tasks of a burst of results into one (Aggregate), so a burst
// costs one recomputation. A result stored after the aggregated task was made joins a
// new group, so its recomputation is never lost.
func ScoreGroup(s Score) string {
	return scoreGroupPrefix + s.Run + "/" + s.Target + "/" + s.Channel
}

// NewScoreTask returns the scoring task of s.
func NewScoreTask(s Score) (*asynq.Task, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode score task: %w", err)
	}
	return asynq.NewTask(TypeScore, b, asynq.Queue(QueueScoring), asynq.Group(ScoreGroup(s)), asynq.MaxRetry(25)), nil
}

// ParseScore decodes a scoring payload; a bad payload is wrapped with asynq.SkipRetry.
func ParseScore(t *asynq.Task) (Score, error) {
	var s Score
	if err := json.Unmarshal(t.Payload(), &s); err != nil {
		return s, fmt.Errorf("decode score payload: %v: %w", err, asynq.SkipRetry)
	}
	if s.Run == "" || s.Target == "" || s.Channel == "" {
		return s, fmt.Errorf("decode score payload: missing run, target or channel: %w", asynq.SkipRetry)
	}
	return s, nil
}

// Aggregate is the asynq GroupAggregator of a worker: result tasks become a result
// batch (AggregateResults), the scoring tasks of one group become one scoring task.
func Aggregate(group string, ts []*asynq.Task) *asynq.Task {
	if strings.HasPrefix(group, scoreGroupPrefix) && len(ts) > 0 {
		return asynq.NewTask(TypeScore, ts[0].Payload(), asynq.MaxRetry(25))
	}
	return AggregateResults(group, ts)
}

// NewAlertDeliverTask returns the task that tells Alertmanager of version of alert id
// (1 opened, 2 resolved). Its task id makes it once per change: a scoring task retried
// after the change was stored enqueues no second one.
func NewAlertDeliverTask(id string, version int64) *asynq.Task {
	return asynq.NewTask(TypeAlertDeliver, fmt.Appendf(nil, `{"alert":%q,"version":%d}`, id, version),
		asynq.Queue(QueueAlerts), asynq.TaskID(fmt.Sprintf("alert:%s:%d", id, version)), asynq.MaxRetry(100))
}
