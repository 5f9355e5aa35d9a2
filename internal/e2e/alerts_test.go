package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stakeoutcx/stakeout/internal/alerting"
	"github.com/stakeoutcx/stakeout/internal/amproc"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/detect"
	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/sim"
	"github.com/stakeoutcx/stakeout/internal/simtest"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/scheduler"
	"github.com/stakeoutcx/stakeout/workers"
)

// alertsSim plays two companies: bluth answers in about 5 s, four times slower from its
// 26th probe, and recovers from its 61st; wonka answers in about 5 s throughout. The
// slow stretch outlasts the slow replies several times over: a probe counts once its
// result is stored, so a slow answer arrives after the faster ones sent later.
func alertsSim(t *testing.T) sim.Config {
	return simtest.Parse(t, fmt.Sprintf(`mailboxes:
  - {address: %s, password: %s}
seed: 11
companies:
  - {id: bluth, address: support@bluth.test, agent_name: Gob, reply: {median: 5s, p90: 7s},
     changes: [{after_probes: 25, reply: {median: 20s, p90: 28s}}, {after_probes: 60, reply: {median: 5s, p90: 7s}}]}
  - {id: wonka, address: support@wonka.test, agent_name: Charlie, reply: {median: 5s, p90: 7s}}
`, shopper, mbPassword))
}

// alertsCampaign probes both companies 95 times by email over 95 s. The detector judges
// windows of 10 probes against at least 20, with thresholds well away from their
// defaults (opening at 8, clearing below 4): the degradation is large, and neither a
// stable company nor a recovered one may be misjudged in this test whatever the
// machine's load (a loaded machine stamps replies a little late: the simulator's mail
// server files them when it gets to them).
func alertsCampaign(t *testing.T, s *sim.Sim) *campaign.Campaign {
	t.Helper()
	src := emailCampaign(t, s, "watch", 95, 95*time.Second, []string{"bluth", "wonka"})
	src = strings.Replace(src, "deadlines: {email: "+deadline.String()+"}",
		"deadlines: {email: 60s}\nsla:\n  email: {human_response: 5m, response_rate: 0.5}\n"+
			"alerts: {window: 10, min_baseline: 20, latency_threshold: 8, latency_clear: 4}", 1)
	src = strings.Replace(src, "{id: bluth, name: bluth,", "{id: bluth, name: bluth, client: bluth-co,", 1)
	src = strings.Replace(src, "{id: wonka, name: wonka,", "{id: wonka, name: wonka, client: wonka-inc,", 1)
	camp, err := campaign.Parse("watch.yaml", []byte(src))
	if err != nil {
		t.Fatalf("campaign: %v\n%s", err, src)
	}
	return camp
}

// A degrading and a stable company probed through a real worker, a real Alertmanager
// and a webhook receiver: exactly one alert, for the degrading company, routed by its
// client label; a silence stops its delivery; recovery resolves it.
func TestDegradationAlertEndToEnd(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hook, err := amproc.StartWebhook()
	if err != nil {
		t.Fatal(err)
	}
	defer hook.Close()
	am, err := amproc.Start(ctx, amproc.Options{Config: fmt.Sprintf(`route:
  receiver: operators
  group_by: [client, target, channel, kind]
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: 2s
  routes:
    - {matchers: ['client="bluth-co"'], receiver: bluth}
    - {matchers: ['client="wonka-inc"'], receiver: wonka}
receivers:
  - {name: operators, webhook_configs: [{url: "%[1]s/operators", send_resolved: true}]}
  - {name: bluth, webhook_configs: [{url: "%[1]s/bluth", send_resolved: true}]}
  - {name: wonka, webhook_configs: [{url: "%[1]s/wonka", send_resolved: true}]}
`, hook.URL)})
	if err != nil {
		t.Fatal(err)
	}
	defer am.Stop()
	client, err := alerting.NewClient([]string{am.URL})
	if err != nil {
		t.Fatal(err)
	}

	srv := redistest.Start(t)
	s := simtest.Start(t, alertsSim(t))
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := newWatchedStore(db)
	reg := prometheus.NewRegistry()
	w, err := workers.New(workers.Config{Redis: redisconn.Addr(srv.Addr), Store: st, Logger: failureLog(t), Concurrency: 20,
		Registerer: reg, Email: &workers.EmailConfig{PollInterval: time.Second, Scan: time.Second},
		Scoring: &workers.ScoringConfig{}, Alerts: &workers.AlertsConfig{Deliverer: alerting.Deliverer{Client: client, Repost: time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	camp := alertsCampaign(t, s)
	run := scheduler.FirstRun(camp)
	plan, err := scheduler.Plan(camp, run)
	if err != nil {
		t.Fatal(err)
	}
	run.End = run.End.Add(time.Minute)
	rdb := redistest.Client(t, srv)
	if _, err := (&scheduler.Launcher{Redis: rdb, States: runstate.New(rdb), Store: db}).Launch(ctx, camp, run, plan); err != nil {
		t.Fatal(err)
	}

	defer func() {
		if t.Failed() {
			dumpAlerts(t, db)
		}
	}()
	// The degradation reaches bluth's client, and only it.
	fired := nextOn(t, hook, "/bluth", "firing", 3*time.Minute)
	a := fired.Alerts[0]
	for k, v := range map[string]string{"alertname": "StakeoutResponseTimeDegraded", "client": "bluth-co", "target": "bluth",
		"channel": "email", "kind": "latency"} {
		if a.Labels[k] != v {
			t.Errorf("alert label %s = %q, want %q (alert %+v)", k, a.Labels[k], v, a)
		}
	}
	if !strings.Contains(a.Annotations["description"], "median human reply") {
		t.Errorf("description %q does not give the evidence", a.Annotations["description"])
	}

	// A silence on the client stops the delivery: while it lasts, Alertmanager repeats
	// nothing to the receiver, though stakeout keeps posting the alert and the repeat
	// interval (2 s) passes several times.
	silence, err := am.AddSilence(ctx, "client", "bluth-co", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, am, a.Annotations["alert_id"], "suppressed")
	before := len(on(hook, "/bluth"))
	posts := postsOK(t, reg)
	pollUntil(t, time.Minute, "5 more posts to Alertmanager", func() bool { return postsOK(t, reg) >= posts+5 })
	if got := on(hook, "/bluth"); len(got) != before {
		t.Errorf("%d notifications reached the silenced client: %+v", len(got)-before, got[before:])
	}
	if err := am.ExpireSilence(ctx, silence); err != nil {
		t.Fatal(err)
	}

	// Recovery resolves the alert, and the receiver hears of it.
	resolved := nextOn(t, hook, "/bluth", "resolved", 4*time.Minute)
	if resolved.Alerts[0].Annotations["alert_id"] != a.Annotations["alert_id"] || resolved.Alerts[0].Annotations["resolution"] == "" {
		t.Errorf("resolution = %+v", resolved.Alerts[0])
	}
	waitResults(ctx, t, st, run.ID, len(plan), 3*time.Minute)

	alerts, err := db.ListAlerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Target != "bluth" || alerts[0].Kind != "latency" || alerts[0].State != store.AlertResolved {
		t.Errorf("stored alerts = %+v, want exactly one, bluth's latency, resolved", alerts)
	}
	for _, path := range []string{"/wonka", "/operators"} {
		if got := on(hook, path); len(got) > 0 {
			t.Errorf("%d notifications reached %s: %+v", len(got), path, got)
		}
	}
}

// on returns the notifications received on path so far.
func on(hook *amproc.Webhook, path string) []amproc.Notification {
	var out []amproc.Notification
	for _, n := range hook.All() {
		if n.Path == path {
			out = append(out, n)
		}
	}
	return out
}

// nextOn waits for a notification on path whose status is status, received after the
// ones of that status seen by earlier calls.
func nextOn(t *testing.T, hook *amproc.Webhook, path, status string, limit time.Duration) amproc.Notification {
	t.Helper()
	timeout := time.After(limit)
	for {
		for _, n := range on(hook, path) {
			if n.Status == status {
				return n
			}
		}
		select {
		case <-hook.C:
		case <-timeout:
			t.Fatalf("no %s notification on %s within %s; received: %+v", status, path, limit, hook.All())
		}
	}
}

// waitState waits until Alertmanager holds the alert with annotation alert_id id in
// state (active, suppressed).
func waitState(t *testing.T, am *amproc.Server, id, state string) {
	t.Helper()
	pollUntil(t, time.Minute, "alert "+id+" "+state+" in Alertmanager", func() bool {
		alerts, err := am.Alerts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range alerts {
			if a.Annotations["alert_id"] == id && a.Status.State == state {
				return true
			}
		}
		return false
	})
}

// postsOK reads stakeout_alertmanager_posts_total{outcome="ok"} from reg.
func postsOK(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "stakeout_alertmanager_posts_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == "ok" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// pollUntil checks cond every 50 ms until it holds, failing after limit: for state
// that another process (Alertmanager) or a counter exposes without an event to wait on.
func pollUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dumpAlerts logs the stored alerts and what the detector finds now, for a failure.
func dumpAlerts(t *testing.T, db store.Store) {
	ctx := context.Background()
	alerts, err := db.ListAlerts(ctx, store.AlertFilter{})
	t.Logf("stored alerts (%v):", err)
	for _, a := range alerts {
		t.Logf("  %s %s %s/%s %s: %s", a.ID, a.State, a.Target, a.Channel, a.Kind, a.Summary)
	}
	for _, target := range []string{"bluth", "wonka"} {
		rows, err := db.Scoring(ctx, store.Filter{Target: target, Channel: "email", From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
		h := alerting.Observations(rows)
		t.Logf("%s: %d results (%v), %d observations", target, len(rows), err, len(h))
		for _, f := range detect.Evaluate(detect.Input{History: h}, detect.Params{Window: 10, MinBaseline: 20, LatencyThreshold: 8, LatencyClear: 4}.WithDefaults("email")) {
			t.Logf("  %s firing=%v %s", f.Kind, f.Firing, f.Summary)
		}
	}
}
