package alerting

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// Defaults of a Deliverer.
const (
	// DefaultRepost is how often firing alerts are posted again. A firing alert is
	// posted with an end 4 reposts ahead, so Alertmanager resolves it by itself only
	// when stakeout stops posting it (every deliverer down for 4 minutes).
	DefaultRepost = time.Minute
	// DefaultResolvedFor is how long a resolved alert keeps being posted, so that both
	// peers of an HA pair, and one that was down at the moment, hear of it.
	DefaultResolvedFor = 15 * time.Minute
)

// AlertNames are the alertname labels of the detector's kinds.
var AlertNames = map[string]string{
	"latency":           "StakeoutResponseTimeDegraded",
	"response_rate":     "StakeoutResponseRateDropped",
	"sla_breach":        "StakeoutSLABreached",
	"stopped_answering": "StakeoutStoppedAnswering",
}

// Deliverer posts the stored alerts to Alertmanager: every firing one, again each
// Repost, and each resolved one for ResolvedFor. Posting is idempotent (Alertmanager
// identifies alerts by their labels), so any number of deliverers may run.
type Deliverer struct {
	Store store.Alerts
	// Client posts to Alertmanager; nil records alerts without delivering them.
	Client *Client
	// Repost (default DefaultRepost) and ResolvedFor (default DefaultResolvedFor).
	Repost, ResolvedFor time.Duration
	// ReportURL, when set, links each alert to its report: {run}, {target},
	// {channel}, {client} and {id} are replaced (URL-escaped).
	ReportURL string
	Metrics   *metrics.Alerting
	Logger    *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time

	mu     sync.Mutex // one Deliver at a time
	failed bool       // the last post failed (logged once until it succeeds again)
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deliverer) repost() time.Duration {
	if d.Repost > 0 {
		return d.Repost
	}
	return DefaultRepost
}

// Deliver posts what Alertmanager must hear now and marks what it accepted. Without a
// Client it does nothing.
func (d *Deliverer) Deliver(ctx context.Context) error {
	if d.Client == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	resolvedFor := d.ResolvedFor
	if resolvedFor <= 0 {
		resolvedFor = DefaultResolvedFor
	}
	alerts, err := d.Store.Deliverable(ctx, now.Add(-resolvedFor))
	if err != nil {
		return err
	}
	if len(alerts) == 0 {
		d.setUndelivered(0)
		return nil
	}
	posted := make([]Posted, len(alerts))
	for i, a := range alerts {
		posted[i] = d.Posted(a, now)
	}
	results, err := d.Client.Post(ctx, posted)
	d.observe(results)
	if err != nil {
		pending := 0
		for _, a := range alerts {
			if a.Delivered < a.Version {
				pending++
			}
		}
		d.setUndelivered(pending)
		if !d.failed && d.Logger != nil {
			d.Logger.Warn("alertmanager refused or unreachable; retrying", "alerts", len(alerts), "err", err)
		}
		d.failed = true
		return fmt.Errorf("deliver %d alerts: %w", len(alerts), err)
	}
	if d.failed && d.Logger != nil {
		d.Logger.Info("alertmanager reachable again", "alerts", len(alerts))
	}
	d.failed = false
	for _, r := range results {
		if r.Err != nil && d.Logger != nil {
			d.Logger.Warn("one alertmanager refused the alerts; another took them", "url", r.URL, "err", r.Err)
		}
	}
	for _, a := range alerts {
		if a.Delivered < a.Version {
			if err := d.Store.MarkDelivered(ctx, a.ID, a.Version, now); err != nil {
				return err
			}
			if d.Logger != nil {
				d.Logger.Info("alert delivered", "id", a.ID, "target", a.Target, "channel", a.Channel, "kind", a.Kind, "state", a.State)
			}
		}
	}
	d.setUndelivered(0)
	return nil
}

func (d *Deliverer) observe(results []PostResult) {
	if d.Metrics == nil {
		return
	}
	for _, r := range results {
		outcome := "ok"
		if r.Err != nil {
			outcome = "error"
		}
		d.Metrics.Posts.WithLabelValues(outcome).Inc()
		d.Metrics.PostDuration.Observe(r.Duration.Seconds())
	}
}

func (d *Deliverer) setUndelivered(n int) {
	if d.Metrics != nil {
		d.Metrics.Undelivered.Set(float64(n))
	}
}

// Run delivers every Repost, and at once when wake receives, until ctx ends.
func (d *Deliverer) Run(ctx context.Context, wake <-chan struct{}) {
	tick := time.NewTicker(d.repost())
	defer tick.Stop()
	for {
		if err := d.Deliver(ctx); err != nil && ctx.Err() == nil && d.Logger != nil {
			d.Logger.Debug("alert delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-wake:
		}
	}
}

// Posted returns a as Alertmanager's v2 API takes it at now.
func (d *Deliverer) Posted(a store.Alert, now time.Time) Posted {
	name := AlertNames[a.Kind]
	if name == "" {
		name = "StakeoutDegraded"
	}
	p := Posted{
		Labels: map[string]string{
			"alertname": name, "client": a.Client, "target": a.Target, "channel": a.Channel,
			"kind": a.Kind, "severity": a.Severity,
		},
		Annotations: map[string]string{
			"summary":     fmt.Sprintf("%s (%s): %s", a.Target, a.Channel, strings.ReplaceAll(a.Kind, "_", " ")),
			"description": a.Summary,
			"alert_id":    a.ID,
			"details":     "stakeout alerts show " + a.ID,
		},
		StartsAt: a.OpenedAt,
		EndsAt:   now.Add(4 * d.repost()),
	}
	if a.State == store.AlertResolved {
		p.EndsAt = a.ResolvedAt
		if a.Resolution != "" {
			p.Annotations["resolution"] = a.Resolution
		}
	}
	if a.Run != "" {
		p.Annotations["report"] = fmt.Sprintf("stakeout report --run %s --target %s --out %s-%s.html", a.Run, a.Target, a.Run, a.Target)
	}
	if d.ReportURL != "" {
		link := expand(d.ReportURL, a)
		p.Annotations["report"], p.GeneratorURL = link, link
	}
	return p
}

// expand replaces the placeholders of a report URL template.
func expand(tmpl string, a store.Alert) string {
	return strings.NewReplacer("{run}", url.PathEscape(a.Run), "{target}", url.PathEscape(a.Target),
		"{channel}", url.PathEscape(a.Channel), "{client}", url.PathEscape(a.Client), "{id}", url.PathEscape(a.ID)).Replace(tmpl)
}
