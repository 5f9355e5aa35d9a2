package metrics

import (
	"strings"

	"github.com/hibiken/asynq"
	asynqmetrics "github.com/hibiken/asynq/x/metrics"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// QueueMetricNames are the names of the metrics NewQueueCollector exports (its Describe
// sends nothing: its series depend on the queues in Redis), for the checks of the rules
// and dashboards that use them. TestQueueCollector checks the list against what it
// exports.
var QueueMetricNames = []string{
	"asynq_queue_latency_seconds",
	"asynq_queue_memory_usage_approx_bytes",
	"asynq_queue_paused",
	"asynq_queue_size",
	"asynq_tasks_enqueued",
	"asynq_tasks_failed_total",
	"asynq_tasks_processed_total",
}

// queueCollector exports asynq's queue metrics (asynq x/metrics) under names that pass
// promtool's lint: asynq names two gauges *_total, a suffix reserved for counters, so
// those lose the suffix (asynq_tasks_enqueued, asynq_queue_paused).
type queueCollector struct {
	inner *prometheus.Registry
}

// NewQueueCollector returns a collector of asynq queue sizes, latencies and daily
// processed/failed counts read through insp. Register it in one process only.
func NewQueueCollector(insp *asynq.Inspector) prometheus.Collector {
	inner := prometheus.NewRegistry()
	inner.MustRegister(asynqmetrics.NewQueueMetricsCollector(insp))
	return &queueCollector{inner: inner}
}

// Describe sends nothing: the collector is unchecked, its series depend on the queues.
func (c *queueCollector) Describe(chan<- *prometheus.Desc) {}

// Collect gathers asynq's metrics and re-emits them with lint-clean names.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	mfs, err := c.inner.Gather()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(prometheus.NewDesc("asynq_queue_metrics_error", "asynq queue metrics could not be read.", nil, nil), err)
		return
	}
	for _, mf := range mfs {
		name, vt := mf.GetName(), prometheus.CounterValue
		if mf.GetType() == dto.MetricType_GAUGE {
			vt = prometheus.GaugeValue
			name = strings.TrimSuffix(name, "_total")
		}
		for _, m := range mf.GetMetric() {
			names, values := labelPairs(m)
			desc := prometheus.NewDesc(name, mf.GetHelp(), names, nil)
			v := m.GetGauge().GetValue()
			if vt == prometheus.CounterValue {
				v = m.GetCounter().GetValue()
			}
			ch <- prometheus.MustNewConstMetric(desc, vt, v, values...)
		}
	}
}

func labelPairs(m *dto.Metric) (names, values []string) {
	for _, lp := range m.GetLabel() {
		names = append(names, lp.GetName())
		values = append(values, lp.GetValue())
	}
	return names, values
}
