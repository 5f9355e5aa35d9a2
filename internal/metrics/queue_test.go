package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stakeoutcx/stakeout/internal/redistest"
)

// The queue collector reads a real redis-server through asynq and re-emits its
// gauges without the _total suffix, lint clean.
func TestQueueCollector(t *testing.T) {
	rdb := redistest.Client(t, redistest.Start(t))
	client := asynq.NewClientFromRedisClient(rdb)
	for _, task := range []struct {
		id  string
		opt asynq.Option
	}{{"now", asynq.ProcessIn(0)}, {"later", asynq.ProcessIn(time.Hour)}} {
		if _, err := client.Enqueue(asynq.NewTask("probe:chat", nil), asynq.Queue("chat"), asynq.TaskID(task.id), task.opt); err != nil {
			t.Fatalf("Enqueue(%s): %v", task.id, err)
		}
	}
	insp := asynq.NewInspectorFromRedisClient(rdb)
	if err := insp.PauseQueue("chat"); err != nil {
		t.Fatalf("PauseQueue: %v", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewQueueCollector(insp))

	want := `# HELP asynq_queue_paused Number of queues paused
# TYPE asynq_queue_paused gauge
asynq_queue_paused{queue="chat"} 1
# HELP asynq_queue_size Number of tasks in a queue
# TYPE asynq_queue_size gauge
asynq_queue_size{queue="chat"} 2
# HELP asynq_tasks_enqueued Number of tasks enqueued; broken down by queue and state.
# TYPE asynq_tasks_enqueued gauge
asynq_tasks_enqueued{queue="chat",state="active"} 0
asynq_tasks_enqueued{queue="chat",state="archived"} 0
asynq_tasks_enqueued{queue="chat",state="completed"} 0
asynq_tasks_enqueued{queue="chat",state="pending"} 1
asynq_tasks_enqueued{queue="chat",state="retry"} 0
asynq_tasks_enqueued{queue="chat",state="scheduled"} 1
# HELP asynq_tasks_processed_total Number of tasks processed (both succeeded and failed); broken down by queue
# TYPE asynq_tasks_processed_total counter
asynq_tasks_processed_total{queue="chat"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"asynq_queue_paused", "asynq_queue_size", "asynq_tasks_enqueued", "asynq_tasks_processed_total"); err != nil {
		t.Errorf("queue metrics: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	if diff := cmp.Diff(QueueMetricNames, names); diff != "" {
		t.Errorf("queue metric names differ from QueueMetricNames (-want +got):\n%s", diff)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatalf("GatherAndLint: %v", err)
	}
	for _, pr := range problems {
		t.Errorf("lint: %s: %s", pr.Metric, pr.Text)
	}
}
