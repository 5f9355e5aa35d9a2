package alerting

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/stakeoutcx/stakeout/internal/detect"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// Settings are what a run's campaign says about one target's alerts on one channel.
type Settings struct {
	// Client is the target's client (default: the target).
	Client string
	// Campaign names the run's campaign.
	Campaign string
	// Params are the detector's parameters, defaults filled.
	Params detect.Params
	// SLA is the channel's service level.
	SLA detect.SLA
	// Off turns the detector off for the campaign (alerts: {enabled: false}).
	Off bool
}

// Evaluator runs the detector on one target×channel's stored history after its
// scorecards were updated, and opens and resolves its alerts in the store.
type Evaluator struct {
	Store   store.Store
	Metrics *metrics.Alerting
	Logger  *slog.Logger
	// Now is the clock that stamps alerts (default time.Now).
	Now func() time.Time
}

func (e *Evaluator) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Evaluate judges the history of target on channel, whose result in run just changed,
// and applies what detect.Decide says. It returns the alerts it opened or resolved.
func (e *Evaluator) Evaluate(ctx context.Context, run, target, channel string, s Settings) ([]store.Alert, error) {
	if s.Off {
		return nil, nil
	}
	p := s.Params.WithDefaults(channel)
	firing, lastResolved, err := e.Store.AlertState(ctx, target, channel)
	if err != nil {
		return nil, err
	}
	now := e.now()
	// The history reaches back over the baseline days before the recent window, and
	// before the frozen baseline of every firing alert; twice the baseline days and a
	// margin cover a recent window of many days' probes.
	from := now.Add(-2*days(p.BaselineDays) - 7*24*time.Hour)
	open := map[detect.Kind]detect.Open{}
	byKind := map[detect.Kind]store.Alert{}
	for _, a := range firing {
		k := detect.Kind(a.Kind)
		open[k], byKind[k] = detect.Open{OpenedAt: a.OpenedAt, Since: a.Since}, a
		if t := a.Since.Add(-days(p.BaselineDays) - 7*24*time.Hour); t.Before(from) {
			from = t
		}
	}
	rows, err := e.Store.Scoring(ctx, store.Filter{Target: target, Channel: channel, From: from, To: now.Add(366 * 24 * time.Hour)})
	if err != nil {
		return nil, err
	}
	history := Observations(rows)
	if len(history) == 0 {
		return nil, nil
	}
	last := map[detect.Kind]time.Time{}
	for k, t := range lastResolved {
		last[detect.Kind(k)] = t
	}
	findings := detect.Evaluate(detect.Input{History: history, SLA: s.SLA, Open: open, Resolved: last}, p)
	var changed []store.Alert
	for _, tr := range detect.Decide(open, last, findings, now, p) {
		evidence, err := json.Marshal(tr.Finding)
		if err != nil {
			return changed, fmt.Errorf("encode evidence: %w", err)
		}
		if tr.Open {
			o := tr.Finding.Opened(now)
			a, ok, err := e.Store.OpenAlert(ctx, store.Alert{Client: cmp.Or(s.Client, target), Target: target, Channel: channel,
				Kind: string(tr.Kind), Severity: tr.Finding.Severity, Run: run, Campaign: s.Campaign, OpenedAt: o.OpenedAt,
				Since: o.Since, Summary: tr.Finding.Summary, Evidence: evidence})
			if err != nil {
				return changed, err
			}
			if ok {
				changed = append(changed, a)
				e.count(tr.Kind, "firing")
				e.log().Warn("alert opened", "id", a.ID, "client", a.Client, "target", target, "channel", channel,
					"kind", tr.Kind, "severity", a.Severity, "summary", a.Summary)
			}
			continue
		}
		a, ok, err := e.Store.ResolveAlert(ctx, byKind[tr.Kind].ID, now, tr.Finding.Summary, evidence)
		if err != nil {
			return changed, err
		}
		if ok {
			changed = append(changed, a)
			e.count(tr.Kind, "resolved")
			e.log().Info("alert resolved", "id", a.ID, "target", target, "channel", channel, "kind", tr.Kind, "summary", a.Resolution)
		}
	}
	return changed, nil
}

func (e *Evaluator) count(k detect.Kind, state string) {
	if e.Metrics != nil {
		e.Metrics.Transitions.WithLabelValues(string(k), state).Inc()
	}
}

func (e *Evaluator) log() *slog.Logger {
	if e.Logger == nil {
		return slog.Default()
	}
	return e.Logger
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// Observations converts stored results to the detector's history: every result but
// failed ones (which say nothing about the target), by the time the probe contacted
// the target (its planned time when it never started), oldest first.
func Observations(rows []store.Scored) []detect.Obs {
	out := make([]detect.Obs, 0, len(rows))
	for _, r := range rows {
		if r.Outcome == result.Failed {
			continue
		}
		at := r.StartedAt
		if at.IsZero() {
			at = r.PlannedAt
		}
		o := detect.Obs{Probe: r.ProbeID, At: at, Answered: r.Outcome == result.Answered}
		if o.Answered && r.HumanResponseS != nil {
			o.Human = *r.HumanResponseS
		} else if o.Answered {
			o.Human = -1 // answered, untimed
		}
		out = append(out, o)
	}
	slices.SortStableFunc(out, func(a, b detect.Obs) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Probe, b.Probe))
	})
	return out
}
