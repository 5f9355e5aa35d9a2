package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stakeoutcx/stakeout/internal/alerting"
	"github.com/stakeoutcx/stakeout/internal/amproc"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// demoAlerts is the demo's private Alertmanager and the webhook receiver it routes each
// client's alerts to; it prints every notification as the receiver got it.
type demoAlerts struct {
	am     *amproc.Server
	hook   *amproc.Webhook
	client *alerting.Client
	out    io.Writer

	mu      sync.Mutex
	firing  map[string]string // target of each alert id notified firing and not yet resolved
	changed chan struct{}
	done    chan struct{}
}

// startDemoAlerts starts a webhook receiver and an Alertmanager that routes the alerts
// of each client of camps to the receiver's path /CLIENT (the rest to /operators).
// Without an Alertmanager binary it returns nil and says so: alerts are still recorded.
func startDemoAlerts(ctx context.Context, out io.Writer, camps ...*campaign.Campaign) (*demoAlerts, error) {
	if _, err := amproc.Find(""); err != nil {
		fmt.Fprintf(out, "note: %v: alerts are recorded (stakeout alerts) but not delivered\n", err)
		return nil, nil
	}
	hook, err := amproc.StartWebhook()
	if err != nil {
		return nil, fmt.Errorf("start the webhook receiver: %w", err)
	}
	var clients []string
	for _, c := range camps {
		for _, t := range c.Targets {
			clients = append(clients, t.Client)
		}
	}
	slices.Sort(clients)
	am, err := amproc.Start(ctx, amproc.Options{Config: demoAMConfig(hook.URL, slices.Compact(clients))})
	if err != nil {
		hook.Close()
		return nil, err
	}
	client, err := alerting.NewClient([]string{am.URL})
	if err != nil {
		am.Stop()
		hook.Close()
		return nil, err
	}
	d := &demoAlerts{am: am, hook: hook, client: client, out: out, firing: map[string]string{},
		changed: make(chan struct{}, 1), done: make(chan struct{})}
	fmt.Fprintf(out, "alertmanager: private, on %s, routing each client's alerts to its webhook on %s\n", am.URL, hook.URL)
	go d.print()
	return d, nil
}

// demoAMConfig routes each client to the webhook path /CLIENT, with quick flushes.
func demoAMConfig(hook string, clients []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `route:
  receiver: operators
  group_by: [client, target, channel, kind]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
`)
	for _, c := range clients {
		fmt.Fprintf(&b, "    - {matchers: ['client=%q'], receiver: %q}\n", c, c)
	}
	fmt.Fprintf(&b, "receivers:\n  - name: operators\n    webhook_configs: [{url: %q, send_resolved: true}]\n", hook+"/operators")
	for _, c := range clients {
		fmt.Fprintf(&b, "  - name: %q\n    webhook_configs: [{url: %q, send_resolved: true}]\n", c, hook+"/"+url.PathEscape(c))
	}
	return b.String()
}

// print writes each notification as it arrives, until stop.
func (d *demoAlerts) print() {
	for {
		select {
		case <-d.done:
			return
		case n := <-d.hook.C:
			for _, a := range n.Alerts {
				state := strings.ToUpper(a.Status)
				fmt.Fprintf(d.out, "\nALERT %s, received by webhook %s (Alertmanager receiver %q, client %s):\n  %s %s: %s\n",
					state, n.Path, n.Receiver, a.Labels["client"], a.Labels["alertname"], a.Annotations["summary"], a.Annotations["description"])
				if r := a.Annotations["resolution"]; r != "" && a.Status == "resolved" {
					fmt.Fprintf(d.out, "  resolved: %s\n", r)
				}
				fmt.Fprintf(d.out, "  details: %s; report: %s\n\n", a.Annotations["details"], a.Annotations["report"])
				d.mu.Lock()
				if a.Status == "firing" {
					d.firing[a.Annotations["alert_id"]] = a.Labels["target"]
				} else {
					delete(d.firing, a.Annotations["alert_id"])
				}
				d.mu.Unlock()
			}
			select {
			case d.changed <- struct{}{}:
			default:
			}
		}
	}
}

// waitResolved waits, up to limit, until every alert of targets that the receiver got
// firing has been resolved too. It reports whether they all were.
func (d *demoAlerts) waitResolved(ctx context.Context, targets map[string]bool, limit time.Duration) bool {
	timeout := time.After(limit)
	for {
		d.mu.Lock()
		open := 0
		for _, t := range d.firing {
			if targets[t] {
				open++
			}
		}
		d.mu.Unlock()
		if open == 0 {
			return true
		}
		select {
		case <-d.changed:
		case <-timeout:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// received reports how many notifications the receiver got.
func (d *demoAlerts) received() int { return len(d.hook.All()) }

// stop stops the Alertmanager and the receiver.
func (d *demoAlerts) stop() {
	close(d.done)
	d.am.Stop()
	if err := d.hook.Close(); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(d.out, "note: closing the webhook receiver: %v\n", err)
	}
}

// printAlerts waits for the alerts of the watched targets (the second campaign's) that
// the receiver got to resolve (a minute at most), then lists the alerts the runs opened.
func (c *DemoCmd) printAlerts(ctx context.Context, g *Globals, st store.Store, path string, alerts *demoAlerts, watched map[string]bool) error {
	if alerts != nil && len(watched) > 0 && !alerts.waitResolved(ctx, watched, time.Minute) {
		fmt.Fprintln(g.stdout, "note: an alert of a watched company is still firing a minute after the last result: it has not recovered within the run")
	}
	list, err := st.ListAlerts(ctx, store.AlertFilter{})
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\nAlerts (docs/alerts.md): %d opened", len(list))
	if alerts != nil {
		fmt.Fprintf(g.stdout, ", %d notifications received by the webhook", alerts.received())
	}
	fmt.Fprintln(g.stdout)
	for _, a := range list {
		fmt.Fprintf(g.stdout, "  %s %s %s/%s %s (client %s): %s\n", a.ID, a.State, a.Target, a.Channel, a.Kind, a.Client, a.Summary)
	}
	if len(list) > 0 {
		fmt.Fprintf(g.stdout, "Evidence of one alert: stakeout alerts show --db %s %s\n", path, list[0].ID)
	}
	return nil
}
