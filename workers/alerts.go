package workers

import (
	"context"
	"errors"

	"github.com/hibiken/asynq"

	"github.com/stakeoutcx/stakeout/internal/alerting"
	"github.com/stakeoutcx/stakeout/internal/detect"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/scorer"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// AlertsConfig configures degradation alerts in a worker with a store: after each
// scorecard update (in a worker that scores) the detector judges the target's history
// on the channel, and alerts open and resolve in the store; a worker serving the
// alerts queue posts them to Alertmanager.
type AlertsConfig struct {
	// Deliverer posts the stored alerts; with a nil Client, alerts are recorded and
	// listed but not delivered (the worker says so once at start). Its Store, Metrics
	// and Logger are filled by the worker.
	Deliverer alerting.Deliverer
	// Metrics exports stakeout_alerts_open, read from the store: every process
	// exporting it exports the same series, turn it on in one.
	Metrics bool
	// NoDetect leaves the detector out: the worker delivers the alerts others record.
	NoDetect bool
}

// alerter runs the detector after scoring updates and tells the deliverers.
type alerter struct {
	eval    *alerting.Evaluator
	deliver *alerting.Deliverer
	client  enqueuer
	wake    chan struct{}
}

// setupAlerts wires the detector into scoring, and delivery into the alerts queue.
func (w *Worker) setupAlerts(cfg Config) *alerter {
	m := metrics.NewAlerting(cfg.Registerer)
	d := &cfg.Alerts.Deliverer
	d.Store, d.Metrics, d.Logger = cfg.Store, m, cfg.Logger
	a := &alerter{eval: &alerting.Evaluator{Store: cfg.Store, Metrics: m, Logger: cfg.Logger}, deliver: d, client: w.client,
		wake: make(chan struct{}, 1)}
	w.serve(cfg.Queues, tasks.QueueAlerts)
	if cfg.Queues[tasks.QueueAlerts] > 0 {
		w.mux.HandleFunc(tasks.TypeAlertDeliver, func(ctx context.Context, _ *asynq.Task) error { return d.Deliver(ctx) })
		if d.Client != nil {
			w.deliverer = d
			cfg.Logger.Info("alerts are delivered to Alertmanager", "urls", d.Client.URLs())
		} else {
			cfg.Logger.Warn("no Alertmanager configured (--alertmanager-url): alerts are recorded and listed (stakeout alerts), not delivered")
		}
	}
	if cfg.Alerts.Metrics {
		cfg.Registerer.MustRegister(metrics.NewAlertCollector(func(ctx context.Context) ([]metrics.OpenAlert, error) {
			list, err := cfg.Store.ListAlerts(ctx, store.AlertFilter{State: store.AlertFiring})
			out := make([]metrics.OpenAlert, len(list))
			for i, a := range list {
				out[i] = metrics.OpenAlert{Client: a.Client, Target: a.Target, Channel: a.Channel, Kind: a.Kind, Severity: a.Severity}
			}
			return out, err
		}))
	}
	if cfg.Alerts.NoDetect {
		a.eval = nil
	}
	return a
}

// evaluate runs the detector on target's history on channel after an update of run's
// cards, and queues the delivery of what changed.
func (a *alerter) evaluate(ctx context.Context, sc *scorer.Scorer, s tasks.Score) error {
	if a.eval == nil {
		return nil
	}
	spec, err := sc.Spec(ctx, s.Run)
	if err != nil {
		return err
	}
	set := alerting.Settings{SLA: detectSLA(spec, s.Channel)}
	if spec != nil {
		set.Campaign = spec.Campaign
		set.Client = spec.Targets[s.Target].Client
		if spec.Alerts != nil {
			set.Params, set.Off = spec.Alerts.Params, !spec.Alerts.On()
		}
	}
	changed, err := a.eval.Evaluate(ctx, s.Run, s.Target, s.Channel, set)
	if err != nil {
		return err
	}
	for _, al := range changed {
		if _, err := a.client.EnqueueContext(ctx, tasks.NewAlertDeliverTask(al.ID, al.Version)); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			return err
		}
	}
	if len(changed) > 0 {
		select {
		case a.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// detectSLA is the SLA the detector judges a channel against.
func detectSLA(spec *tasks.RunSpec, channel string) detect.SLA {
	sla := scorer.Settings(spec, channel).SLA
	return detect.SLA{HumanS: sla.HumanS, ResponseRate: sla.ResponseRate}
}
