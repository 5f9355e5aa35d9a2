package alerting

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/amproc"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// routedConfig routes client acme-corp to the webhook path /acme and everything else
// to /other, with every alert its own group and quick flushes.
func routedConfig(hook string) string {
	return fmt.Sprintf(`route:
  receiver: other
  group_by: [client, target, channel, kind]
  group_wait: 100ms
  group_interval: 200ms
  repeat_interval: 1h
  routes:
    - matchers: ['client="acme-corp"']
      receiver: acme
receivers:
  - name: acme
    webhook_configs: [{url: "%[1]s/acme", send_resolved: true}]
  - name: other
    webhook_configs: [{url: "%[1]s/other", send_resolved: true}]
`, hook)
}

// startAM starts an Alertmanager routing to a new webhook receiver.
func startAM(t *testing.T) (*amproc.Server, *amproc.Webhook) {
	t.Helper()
	hook, err := amproc.StartWebhook()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hook.Close() })
	am, err := amproc.Start(context.Background(), amproc.Options{Config: routedConfig(hook.URL)})
	if err != nil {
		t.Fatalf("start alertmanager: %v", err)
	}
	t.Cleanup(am.Stop)
	return am, hook
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// next returns the next notification on path not returned before, failing after a
// minute. hook.C only wakes it: every notification is read from hook.All.
func next(t *testing.T, hook *amproc.Webhook, path string) amproc.Notification {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		seen := 0
		for _, n := range hook.All() {
			if n.Path != path {
				continue
			}
			if seen == returned[path] {
				returned[path]++
				return n
			}
			seen++
		}
		select {
		case <-hook.C:
		case <-timeout:
			t.Fatalf("no notification on %s within a minute; got %+v", path, hook.All())
		}
	}
}

// returned counts the notifications next returned, by path (tests using it run serially).
var returned = map[string]int{}

func open(t *testing.T, st store.Store, client, target, kind string) store.Alert {
	t.Helper()
	a, ok, err := st.OpenAlert(context.Background(), store.Alert{Client: client, Target: target, Channel: "email", Kind: kind,
		Severity: "warning", Run: "nov-2026-11", Summary: "median human reply 2h against 1h", OpenedAt: time.Now()})
	if err != nil || !ok {
		t.Fatalf("open alert: %v, %v", ok, err)
	}
	return a
}

func TestDeliverRoutesSilencesResolves(t *testing.T) {
	ctx := context.Background()
	am, hook := startAM(t)
	clear(returned)
	st := openStore(t)
	c, err := NewClient([]string{am.URL})
	if err != nil {
		t.Fatal(err)
	}
	d := &Deliverer{Store: st, Client: c}

	acme := open(t, st, "acme-corp", "acme", "latency")
	globex := open(t, st, "globex", "globex", "latency")
	if err := d.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	n := next(t, hook, "/acme")
	if n.Status != "firing" || len(n.Alerts) != 1 {
		t.Fatalf("acme notification = %+v", n)
	}
	got := n.Alerts[0]
	want := map[string]string{"alertname": "StakeoutResponseTimeDegraded", "client": "acme-corp", "target": "acme",
		"channel": "email", "kind": "latency", "severity": "warning"}
	for k, v := range want {
		if got.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, got.Labels[k], v)
		}
	}
	if got.Annotations["description"] != acme.Summary || got.Annotations["alert_id"] != acme.ID ||
		!strings.Contains(got.Annotations["report"], "--run nov-2026-11 --target acme") {
		t.Errorf("annotations = %v", got.Annotations)
	}
	if n := next(t, hook, "/other"); n.Alerts[0].Labels["client"] != "globex" {
		t.Errorf("other receiver got %+v", n)
	}
	if a, _, _ := st.GetAlert(ctx, acme.ID); a.Delivered != 1 {
		t.Errorf("delivered version = %d, want 1", a.Delivered)
	}

	// Recovery resolves the alert in Alertmanager, which tells the receiver.
	if _, ok, err := st.ResolveAlert(ctx, acme.ID, time.Now(), "back to normal", nil); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := d.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if n := next(t, hook, "/acme"); n.Status != "resolved" || n.Alerts[0].Annotations["resolution"] != "back to normal" {
		t.Errorf("resolution notification = %+v", n)
	}

	// A silence on globex's client stops the delivery of its next alert; an alert of
	// another client posted after it still arrives.
	if _, err := am.AddSilence(ctx, "client", "globex", time.Hour); err != nil {
		t.Fatal(err)
	}
	muted := open(t, st, "globex", "globex", "stopped_answering")
	if err := d.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	waitSuppressed(t, am, muted.ID)
	open(t, st, "acme-corp", "acme", "stopped_answering")
	if err := d.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	next(t, hook, "/acme")
	for _, n := range hook.All() {
		for _, a := range n.Alerts {
			if a.Annotations["alert_id"] == muted.ID {
				t.Errorf("a silenced alert was notified: %+v", n)
			}
		}
	}
	_ = globex
}

// waitSuppressed waits until Alertmanager reports the alert with annotation alert_id
// id as suppressed by a silence.
func waitSuppressed(t *testing.T, am *amproc.Server, id string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		alerts, err := am.Alerts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range alerts {
			if a.Annotations["alert_id"] == id && a.Status.State == "suppressed" && len(a.Status.SilencedBy) > 0 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond) // polling Alertmanager's own state: it exposes no event
	}
	t.Fatalf("alert %s never suppressed", id)
}

func TestClientRedactsAndFails(t *testing.T) {
	if _, err := NewClient([]string{"ftp://x"}); err == nil {
		t.Error("ftp URL accepted")
	}
	c, err := NewClient([]string{"http://user:s3cret@127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Post(context.Background(), []Posted{{Labels: map[string]string{"alertname": "x"}}})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("post to a closed port: %v (want an error without the password)", err)
	}
	if got := c.URLs()[0]; strings.Contains(got, "s3cret") {
		t.Errorf("URLs() = %q shows the password", got)
	}
}
