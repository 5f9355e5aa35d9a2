// Package metrics defines stakeout's Prometheus metrics. Collectors are registered on a
// registry passed in, never on a global one.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// LatencyBuckets are the classic buckets of response-time histograms: 0.25 s to 7 days,
// so one histogram serves chat (seconds) and email (hours to days).
var LatencyBuckets = []float64{
	0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800,
	3600, 7200, 14400, 28800, 43200, 86400, 172800, 259200, 432000, 604800,
}

// DurationBuckets are the buckets of probe run-time histograms: 10 ms to 1 hour.
var DurationBuckets = []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600}

// Probe holds the metrics of probe execution, recorded by the worker's dispatcher.
type Probe struct {
	// Duration is how long probe attempts ran, by channel and outcome.
	Duration *prometheus.HistogramVec
	// InFlight is the number of probes running in this process, by channel.
	InFlight *prometheus.GaugeVec
	// PacingWait is how long probes waited for a pacing slot, by channel.
	PacingWait *prometheus.HistogramVec
	// BrowserWait is how long probes waited for a browser tab of the worker
	// (chat), before taking their target's pacing slot, by channel.
	BrowserWait *prometheus.HistogramVec
	// PacingDeferred counts probes handed back to the queue to wait for a pacing slot.
	PacingDeferred *prometheus.CounterVec
	// Errors counts probe attempts that ended in an error (retried), by channel.
	Errors *prometheus.CounterVec
	// PacingRenewFailures counts failed renewals of pacing slots, by target.
	PacingRenewFailures *prometheus.CounterVec
	// PacingSlotsLost counts pacing slots lost while held, by channel and when: before
	// the probe contacted its target (it was aborted and handed back) or after (it went on).
	PacingSlotsLost *prometheus.CounterVec
	// HoursDeferred counts probes handed back to wait for their target's next opening.
	HoursDeferred *prometheus.CounterVec
}

// NewProbe creates the probe metrics and registers them on reg.
func NewProbe(reg prometheus.Registerer) *Probe {
	m := &Probe{
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "stakeout_probe_duration_seconds", Help: "Wall time of probe attempts, by channel and outcome.",
			Buckets: DurationBuckets, NativeHistogramBucketFactor: 1.1,
		}, []string{"channel", "outcome"}),
		InFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "stakeout_probes_in_flight", Help: "Probes running in this process, by channel.",
		}, []string{"channel"}),
		PacingWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "stakeout_pacing_wait_seconds", Help: "Time probes waited in the worker for a pacing slot of their target.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10), NativeHistogramBucketFactor: 1.1,
		}, []string{"channel"}),
		BrowserWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "stakeout_browser_slot_wait_seconds", Help: "Time probes waited in the worker for a browser tab (a free slot of the worker's browser, and its start when needed), before taking their target's pacing slot.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10), NativeHistogramBucketFactor: 1.1,
		}, []string{"channel"}),
		PacingDeferred: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_pacing_deferred_total", Help: "Probes handed back to the queue because their target had no free pacing slot.",
		}, []string{"channel", "target"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_probe_errors_total", Help: "Probe attempts that ended in an error and were retried, by channel.",
		}, []string{"channel"}),
	}
	m.PacingRenewFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stakeout_pacing_renew_failures_total", Help: "Renewals of a held pacing slot that failed (Redis errors), by target.",
	}, []string{"target"})
	m.PacingSlotsLost = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stakeout_pacing_slots_lost_total", Help: "Pacing slots whose lease was lost while held, by channel and when (before_send: the probe had not contacted its target and was handed back; after_send: it went on).",
	}, []string{"channel", "when"})
	m.HoursDeferred = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stakeout_probes_target_closed_total", Help: "Probes due while their target was closed, handed back to wait for its next opening, by channel.",
	}, []string{"channel"})
	reg.MustRegister(m.Duration, m.InFlight, m.PacingWait, m.BrowserWait, m.PacingDeferred, m.Errors,
		m.PacingRenewFailures, m.PacingSlotsLost, m.HoursDeferred)
	return m
}

// Results holds the metrics of recorded results, updated once per probe by the results worker.
type Results struct {
	// Outcomes counts recorded probe results.
	Outcomes *prometheus.CounterVec
	// Response is the response latency by channel, target and kind (first, human).
	Response *prometheus.HistogramVec
	// Duplicates counts result deliveries for probes already recorded.
	Duplicates *prometheus.CounterVec
	// LastResult is when this process last recorded a probe's first result, by
	// channel, as a Unix time; it starts at the time NewResults was called.
	LastResult *prometheus.GaugeVec
}

// ResultChannels are the channels whose stakeout_last_result_timestamp_seconds
// NewResults exports from the start.
var ResultChannels = []string{"chat", "email"}

// NewResults creates the result metrics and registers them on reg.
func NewResults(reg prometheus.Registerer) *Results {
	m := &Results{
		Outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_probe_results_total", Help: "Probe results recorded, by channel, target, outcome and reason.",
		}, []string{"channel", "target", "outcome", "reason"}),
		Response: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "stakeout_response_seconds", Help: "Time from our message to the target's answer, by channel, target and kind (first: any answer; human: first human answer).",
			Buckets: LatencyBuckets, NativeHistogramBucketFactor: 1.1, NativeHistogramMaxBucketNumber: 160,
			NativeHistogramMinResetDuration: time.Hour,
		}, []string{"channel", "target", "kind"}),
		Duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_results_duplicate_total", Help: "Result deliveries for probes already recorded (counted once), by channel.",
		}, []string{"channel"}),
		LastResult: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "stakeout_last_result_timestamp_seconds", Help: "When this process last recorded a probe's result (its first), by channel, as a Unix time; the process's start until it records one.",
		}, []string{"channel"}),
	}
	for _, ch := range ResultChannels {
		m.LastResult.WithLabelValues(ch).SetToCurrentTime()
	}
	reg.MustRegister(m.Outcomes, m.Response, m.Duplicates, m.LastResult)
	return m
}

// Mail holds the metrics of the mail watchers, by probe mailbox.
type Mail struct {
	// Replies counts replies matched to a probe, by kind (human, ticket_ack, ...).
	Replies *prometheus.CounterVec
	// Unmatched counts replies that matched no pending probe, by reason.
	Unmatched *prometheus.CounterVec
	// Connected is 1 while the watcher of a mailbox is connected and logged in.
	Connected *prometheus.GaugeVec
	// LastPoll is when the mailbox was last read through, as a Unix time.
	LastPoll *prometheus.GaugeVec
	// Outstanding is the number of probes of the mailbox waiting for their outcome.
	Outstanding *prometheus.GaugeVec
	// ClockSkew counts replies stamped before our message went out (beyond the
	// timestamps' 1 s resolution): kept as evidence, never used as a response.
	ClockSkew *prometheus.CounterVec
	// Rescans counts full rescans of a mailbox, by reason (uidvalidity, uids_restarted).
	Rescans *prometheus.CounterVec
}

// NewMail creates the mail watcher metrics and registers them on reg.
func NewMail(reg prometheus.Registerer) *Mail {
	m := &Mail{
		Replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_mail_replies_total", Help: "Replies matched to a pending email probe, by mailbox and kind.",
		}, []string{"mailbox", "kind"}),
		Unmatched: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_mail_replies_unmatched_total", Help: "Replies that matched no pending email probe, by mailbox and reason (no_token, unknown_probe: kept until the probe registers, unparsable).",
		}, []string{"mailbox", "reason"}),
		Connected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "stakeout_mail_watcher_connected", Help: "1 while this process's watcher of the mailbox is connected and logged in, else 0.",
		}, []string{"mailbox"}),
		LastPoll: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "stakeout_mail_last_poll_timestamp_seconds", Help: "When the mailbox was last read through, as a Unix time.",
		}, []string{"mailbox"}),
		Outstanding: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "stakeout_mail_outstanding_probes", Help: "Email probes of the mailbox waiting for their outcome.",
		}, []string{"mailbox"}),
		ClockSkew: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_mail_reply_clock_skew_total", Help: "Replies stamped more than 1 s before their probe's t0 (a clock problem): kept as evidence, not used as responses.",
		}, []string{"mailbox"}),
		Rescans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_mail_rescans_total", Help: "Full rescans of a mailbox, by reason (uidvalidity: UIDVALIDITY changed; uids_restarted: UIDNEXT at or below the checkpoint).",
		}, []string{"mailbox", "reason"}),
	}
	reg.MustRegister(m.Replies, m.Unmatched, m.Connected, m.LastPoll, m.Outstanding, m.ClockSkew, m.Rescans)
	return m
}
