package metrics

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ScoreSample is the latest scorecard of one target and channel over one window, as
// the score gauges export it. NaN marks a figure not published (an insufficient sample).
type ScoreSample struct {
	Target, Channel, Window string
	Score, Tier             float64
	ResponseRate            float64
	SLACompliance           float64
	Reached                 float64
	// SLA thresholds (seconds, share): exported once per target and channel, from the
	// window "run" sample.
	SLAHumanS, SLAFirstS, SLARate float64
}

// ScoreSource reads the latest scorecards.
type ScoreSource func(ctx context.Context) ([]ScoreSample, error)

// ScoreCacheTTL is how long the score gauges reuse one read of the store.
const ScoreCacheTTL = 10 * time.Second

// scoreCollector exports the score gauges from a ScoreSource, read at most once per
// ScoreCacheTTL.
type scoreCollector struct {
	src                                       ScoreSource
	score, tier, rate, compliance, reached    *prometheus.Desc
	slaHuman, slaFirst, slaRate, scrapeErrors *prometheus.Desc

	mu      sync.Mutex
	at      time.Time
	samples []ScoreSample
	errs    float64
}

// NewScoreCollector returns the collector of the score gauges (docs/metrics.md). Every
// process that registers it exports the same figures (they come from the store):
// register it in one process of a fleet.
func NewScoreCollector(src ScoreSource) prometheus.Collector {
	l := []string{"target", "channel", "window"}
	sl := []string{"target", "channel"}
	return &scoreCollector{
		src:          src,
		score:        prometheus.NewDesc("stakeout_score", "Score (0–100) of the latest scorecard of a target on a channel, by window (run: its latest run; 7d, 30d: trailing days). Absent below the minimum sample.", l, nil),
		tier:         prometheus.NewDesc("stakeout_tier", "Tier of the latest scorecard: 3 Elite (score >= 90), 2 Excellent (80-89.9), 1 Approved (70-79.9), 0 Not Approved (< 70). Absent below the minimum sample.", l, nil),
		rate:         prometheus.NewDesc("stakeout_response_rate", "Share (0-1) of the probes that reached the target that a human answered, latest scorecard. Absent below the minimum sample.", l, nil),
		compliance:   prometheus.NewDesc("stakeout_sla_compliance", "Share (0-1) of the probes that reached the target that a human answered within the SLA, latest scorecard. Absent below the minimum sample.", l, nil),
		reached:      prometheus.NewDesc("stakeout_score_probes_reached", "Probes that reached the target (every outcome but failed) in the latest scorecard, published or not.", l, nil),
		slaHuman:     prometheus.NewDesc("stakeout_sla_human_response_seconds", "The SLA's longest acceptable time to a first human answer, from the target's latest run.", sl, nil),
		slaFirst:     prometheus.NewDesc("stakeout_sla_first_response_seconds", "The SLA's longest acceptable time to a first (possibly automated) answer, from the target's latest run.", sl, nil),
		slaRate:      prometheus.NewDesc("stakeout_sla_response_rate", "The SLA's least acceptable response rate (0-1), from the target's latest run.", sl, nil),
		scrapeErrors: prometheus.NewDesc("stakeout_score_read_errors_total", "Reads of the scorecards for these gauges that failed.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *scoreCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.score, c.tier, c.rate, c.compliance, c.reached, c.slaHuman, c.slaFirst, c.slaRate, c.scrapeErrors} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *scoreCollector) Collect(ch chan<- prometheus.Metric) {
	samples, errs := c.read()
	ch <- prometheus.MustNewConstMetric(c.scrapeErrors, prometheus.CounterValue, errs)
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
		}
	}
	for _, s := range samples {
		gauge(c.score, s.Score, s.Target, s.Channel, s.Window)
		gauge(c.tier, s.Tier, s.Target, s.Channel, s.Window)
		gauge(c.rate, s.ResponseRate, s.Target, s.Channel, s.Window)
		gauge(c.compliance, s.SLACompliance, s.Target, s.Channel, s.Window)
		gauge(c.reached, s.Reached, s.Target, s.Channel, s.Window)
		if s.Window == "run" {
			gauge(c.slaHuman, s.SLAHumanS, s.Target, s.Channel)
			gauge(c.slaFirst, s.SLAFirstS, s.Target, s.Channel)
			gauge(c.slaRate, s.SLARate, s.Target, s.Channel)
		}
	}
}

// read returns the cached samples, reading the source again when they are older than
// ScoreCacheTTL. A failed read keeps the last samples and counts an error.
func (c *scoreCollector) read() ([]ScoreSample, float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < ScoreCacheTTL {
		return c.samples, c.errs
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	samples, err := c.src(ctx)
	c.at = time.Now()
	if err != nil {
		c.errs++
		return c.samples, c.errs
	}
	c.samples = samples
	return samples, c.errs
}

// Scoring holds the metrics of the scoring worker.
type Scoring struct {
	// Updates counts scorecard recomputations, by channel and outcome (ok, error).
	Updates *prometheus.CounterVec
	// Duration is how long one recomputation took, by channel.
	Duration *prometheus.HistogramVec
}

// NewScoring creates the scoring metrics and registers them on reg.
func NewScoring(reg prometheus.Registerer) *Scoring {
	m := &Scoring{
		Updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_score_updates_total", Help: "Recomputations of the scorecards of a run, target and channel, by channel and outcome (ok, error).",
		}, []string{"channel", "outcome"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "stakeout_score_update_duration_seconds", Help: "Time one recomputation of scorecards took, by channel.",
			Buckets: DurationBuckets, NativeHistogramBucketFactor: 1.1,
		}, []string{"channel"}),
	}
	reg.MustRegister(m.Updates, m.Duration)
	return m
}
