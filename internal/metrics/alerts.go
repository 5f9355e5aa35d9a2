package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// OpenAlert is one open alert, as the alert gauge exports it.
type OpenAlert struct {
	Client, Target, Channel, Kind, Severity string
}

// AlertSource reads the open alerts.
type AlertSource func(ctx context.Context) ([]OpenAlert, error)

// alertCollector exports stakeout_alerts_open from an AlertSource, read at most once per
// ScoreCacheTTL.
type alertCollector struct {
	src        AlertSource
	open, errs *prometheus.Desc

	mu     sync.Mutex
	at     time.Time
	alerts []OpenAlert
	failed float64
}

// NewAlertCollector returns the collector of the open-alert gauge (docs/metrics.md).
// Like the score gauges it reads the store, so every process that registers it exports
// the same series: register it in one process of a fleet.
func NewAlertCollector(src AlertSource) prometheus.Collector {
	return &alertCollector{
		src:  src,
		open: prometheus.NewDesc("stakeout_alerts_open", "1 for each open degradation alert, by client, target, channel, kind (latency, response_rate, sla_breach, stopped_answering) and severity.", []string{"client", "target", "channel", "kind", "severity"}, nil),
		errs: prometheus.NewDesc("stakeout_alert_read_errors_total", "Reads of the open alerts for stakeout_alerts_open that failed.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *alertCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.open; ch <- c.errs }

// Collect implements prometheus.Collector.
func (c *alertCollector) Collect(ch chan<- prometheus.Metric) {
	alerts, failed := c.read()
	ch <- prometheus.MustNewConstMetric(c.errs, prometheus.CounterValue, failed)
	for _, a := range alerts {
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, 1, a.Client, a.Target, a.Channel, a.Kind, a.Severity)
	}
}

// read returns the cached alerts, reading the source again when they are older than
// ScoreCacheTTL. A failed read keeps the last alerts and counts an error.
func (c *alertCollector) read() ([]OpenAlert, float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < ScoreCacheTTL {
		return c.alerts, c.failed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	alerts, err := c.src(ctx)
	c.at = time.Now()
	if err != nil {
		c.failed++
		return c.alerts, c.failed
	}
	c.alerts = alerts
	return alerts, c.failed
}

// Alerting holds the metrics of the detector and of the delivery to Alertmanager.
type Alerting struct {
	// Transitions counts alerts opened (state firing) and resolved, by kind.
	Transitions *prometheus.CounterVec
	// Posts counts posts of alerts to an Alertmanager, by outcome (ok, error).
	Posts *prometheus.CounterVec
	// PostDuration is how long one post to an Alertmanager took.
	PostDuration prometheus.Histogram
	// Undelivered is the number of alert changes not yet accepted by any Alertmanager.
	Undelivered prometheus.Gauge
}

// NewAlerting creates the alerting metrics and registers them on reg.
func NewAlerting(reg prometheus.Registerer) *Alerting {
	m := &Alerting{
		Transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_alert_transitions_total", Help: "Degradation alerts opened (state firing) and resolved (state resolved), by kind.",
		}, []string{"kind", "state"}),
		Posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_alertmanager_posts_total", Help: "Posts of alerts to an Alertmanager's v2 API, by outcome (ok, error).",
		}, []string{"outcome"}),
		PostDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "stakeout_alertmanager_post_duration_seconds", Help: "Time one post of alerts to an Alertmanager took.",
			Buckets: prometheus.DefBuckets, NativeHistogramBucketFactor: 1.1,
		}),
		Undelivered: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stakeout_alerts_undelivered", Help: "Alert changes (opened or resolved) that no Alertmanager has accepted yet; retried.",
		}),
	}
	reg.MustRegister(m.Transitions, m.Posts, m.PostDuration, m.Undelivered)
	return m
}
