package tasks

import (
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/redistest"
)

// The constructors' options, as asynq stores them in a real Redis: deterministic
// ids make a second enqueue of the same probe a conflict, not a second task.
func TestEnqueueOptions(t *testing.T) {
	rdb := redistest.Client(t, redistest.Start(t))
	client := asynq.NewClientFromRedisClient(rdb)
	p := testProbe()
	p.PlannedAt = time.Now().Add(time.Hour).Truncate(time.Second)
	probe, err := NewProbeTask(p, 3*time.Minute)
	if err != nil {
		t.Fatalf("NewProbeTask: %v", err)
	}
	info, err := client.Enqueue(probe)
	if err != nil {
		t.Fatalf("Enqueue(probe): %v", err)
	}
	if info.ID != ProbeTaskID(p.ProbeID) || info.Queue != QueueChat || info.Timeout != 3*time.Minute ||
		!info.NextProcessAt.Equal(p.PlannedAt) || info.State != asynq.TaskStateScheduled || info.MaxRetry != 25 {
		t.Errorf("probe task = id %q queue %q timeout %v at %v state %v retries %d; want %q %q 3m0s %v scheduled 25",
			info.ID, info.Queue, info.Timeout, info.NextProcessAt, info.State, info.MaxRetry, ProbeTaskID(p.ProbeID), QueueChat, p.PlannedAt)
	}
	if _, err := client.Enqueue(probe); !errors.Is(err, asynq.ErrTaskIDConflict) {
		t.Errorf("second Enqueue(probe) = %v, want asynq.ErrTaskIDConflict", err)
	}

	res, err := NewResultTask(testResult())
	if err != nil {
		t.Fatalf("NewResultTask: %v", err)
	}
	if info, err = client.Enqueue(res); err != nil {
		t.Fatalf("Enqueue(result): %v", err)
	}
	if info.ID != ResultTaskID(p.ProbeID) || info.Queue != QueueResults || info.Group != ResultGroup || info.State != asynq.TaskStateAggregating {
		t.Errorf("result task = id %q queue %q group %q state %v; want %q %q %q aggregating",
			info.ID, info.Queue, info.Group, info.State, ResultTaskID(p.ProbeID), QueueResults, ResultGroup)
	}
	later, err := NewResultTask(testResult(), asynq.TaskID("result:later"))
	if err != nil {
		t.Fatalf("NewResultTask(TaskID): %v", err)
	}
	if info, err = client.Enqueue(later); err != nil || info.ID != "result:later" {
		t.Errorf("Enqueue(result with TaskID) = %+v, %v; want id result:later", info, err)
	}

	at := time.Now().Add(72 * time.Hour).Truncate(time.Second)
	dl, err := NewDeadlineTask(Deadline{ProbeID: "r1-acme-email-0001", Token: "stk-x"}, at)
	if err != nil {
		t.Fatalf("NewDeadlineTask: %v", err)
	}
	if info, err = client.Enqueue(dl); err != nil {
		t.Fatalf("Enqueue(deadline): %v", err)
	}
	if info.ID != "deadline:r1-acme-email-0001" || info.Queue != QueueEmail || !info.NextProcessAt.Equal(at) {
		t.Errorf("deadline task = id %q queue %q at %v; want deadline:r1-acme-email-0001 %q %v", info.ID, info.Queue, info.NextProcessAt, QueueEmail, at)
	}
}
