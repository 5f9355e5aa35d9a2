package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/stakeoutcx/stakeout/internal/store"
)

// AlertsCmd groups the alerts subcommands; without one it lists alerts.
type AlertsCmd struct {
	List AlertsListCmd `cmd:"" default:"withargs" help:"List degradation alerts, newest first: firing ones and their history (the default)."`
	Show AlertsShowCmd `cmd:"" help:"Print one alert with its evidence: the baseline and recent figures with their intervals, the test's statistic, the probes behind them."`
}

// AlertsListCmd is `stakeout alerts [list]`.
type AlertsListCmd struct {
	StoreFlags
	State   string        `name:"state" enum:",firing,resolved" default:"" help:"Only alerts in this state: firing or resolved."`
	Client  string        `name:"client" help:"Only this client's alerts."`
	Target  string        `name:"target" help:"Only this target."`
	Channel string        `name:"channel" enum:",chat,email" default:"" help:"Only this channel (chat or email)."`
	Kind    string        `name:"kind" enum:",latency,response_rate,sla_breach,stopped_answering" default:"" help:"Only this kind: latency, response_rate, sla_breach or stopped_answering."`
	Since   time.Duration `name:"since" help:"Only alerts opened in this past span (e.g. 168h), and every firing one."`
	Limit   int           `name:"limit" default:"200" help:"At most this many alerts (0: all)."`
	Format  string        `name:"format" enum:"table,json" default:"table" help:"Output: table, or json (the stored alerts with their evidence)."`
}

// Run prints the alerts.
func (c *AlertsListCmd) Run(ctx context.Context, g *Globals) error {
	st, err := c.openRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	f := store.AlertFilter{State: c.State, Client: c.Client, Target: c.Target, Channel: c.Channel, Kind: c.Kind, Limit: c.Limit}
	if c.Since > 0 {
		f.Since = time.Now().Add(-c.Since)
	}
	alerts, err := st.ListAlerts(ctx, f)
	if err != nil {
		return err
	}
	if c.Format == "json" {
		out := make([]alertJSON, len(alerts))
		for i, a := range alerts {
			out[i] = toAlertJSON(a)
		}
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(alerts) == 0 {
		fmt.Fprintln(g.stderr, "no alerts match (the scoring worker opens them when the detector finds a degradation; docs/alerts.md)")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tOPENED\tRESOLVED\tCLIENT\tTARGET\tCHANNEL\tKIND\tSEVERITY\tDELIVERED\tSUMMARY")
	for _, a := range alerts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.State, stamp(a.OpenedAt), stamp(a.ResolvedAt),
			a.Client, a.Target, a.Channel, a.Kind, a.Severity, delivered(a), a.Summary)
	}
	return tw.Flush()
}

// AlertsShowCmd is `stakeout alerts show ID`.
type AlertsShowCmd struct {
	StoreFlags
	ID     string `arg:"" help:"The alert's id (or a unique prefix of at least 4 characters), as stakeout alerts lists it."`
	Format string `name:"format" enum:"text,json" default:"text" help:"Output: text, or json (the stored alert with its evidence)."`
}

// Run prints the alert.
func (c *AlertsShowCmd) Run(ctx context.Context, g *Globals) error {
	st, err := c.openRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	a, ok, err := st.GetAlert(ctx, c.ID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no alert %q in %s (stakeout alerts lists them)", c.ID, c.DB)
	}
	if c.Format == "json" {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(toAlertJSON(a))
	}
	return writeAlert(g.stdout, a)
}

func writeAlert(w io.Writer, a store.Alert) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, row := range [][2]string{
		{"id", a.ID}, {"state", a.State}, {"kind", a.Kind}, {"severity", a.Severity},
		{"client", a.Client}, {"target", a.Target}, {"channel", a.Channel}, {"run", dash(a.Run)}, {"campaign", dash(a.Campaign)},
		{"opened", stamp(a.OpenedAt)}, {"degraded since", stamp(a.Since)}, {"resolved", stamp(a.ResolvedAt)},
		{"delivered", delivered(a)},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", row[0], row[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nwhy it opened:\n  %s\n", a.Summary)
	writeEvidence(w, "evidence at opening", a.Evidence)
	if a.State == store.AlertResolved {
		fmt.Fprintf(w, "\nwhy it resolved:\n  %s\n", dash(a.Resolution))
		writeEvidence(w, "evidence at resolution", a.ResolvedEvidence)
	}
	return nil
}

// writeEvidence prints the detector's finding, indented JSON.
func writeEvidence(w io.Writer, title string, ev []byte) {
	if len(ev) == 0 {
		return
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, ev, "  ", "  "); err != nil {
		buf.Reset()
		buf.Write(ev)
	}
	fmt.Fprintf(w, "\n%s:\n  %s\n", title, buf.String())
}

func delivered(a store.Alert) string {
	switch {
	case a.Delivered >= a.Version:
		return "yes, " + stamp(a.DeliveredAt)
	case a.Delivered > 0:
		return "opening only, " + stamp(a.DeliveredAt)
	}
	return "no"
}

// alertJSON is an alert as the json formats print it.
type alertJSON struct {
	ID               string          `json:"id"`
	State            string          `json:"state"`
	Client           string          `json:"client"`
	Target           string          `json:"target"`
	Channel          string          `json:"channel"`
	Kind             string          `json:"kind"`
	Severity         string          `json:"severity"`
	Run              string          `json:"run,omitempty"`
	Campaign         string          `json:"campaign,omitempty"`
	OpenedAt         time.Time       `json:"opened_at"`
	Since            time.Time       `json:"since,omitzero"`
	ResolvedAt       time.Time       `json:"resolved_at,omitzero"`
	Summary          string          `json:"summary"`
	Resolution       string          `json:"resolution,omitempty"`
	Evidence         json.RawMessage `json:"evidence,omitempty"`
	ResolvedEvidence json.RawMessage `json:"resolved_evidence,omitempty"`
	Delivered        bool            `json:"delivered"`
	DeliveredAt      time.Time       `json:"delivered_at,omitzero"`
}

func toAlertJSON(a store.Alert) alertJSON {
	raw := func(b []byte) json.RawMessage {
		if len(b) == 0 || !json.Valid(b) {
			return nil
		}
		return b
	}
	return alertJSON{ID: a.ID, State: a.State, Client: a.Client, Target: a.Target, Channel: a.Channel, Kind: a.Kind,
		Severity: a.Severity, Run: a.Run, Campaign: a.Campaign, OpenedAt: a.OpenedAt, Since: a.Since, ResolvedAt: a.ResolvedAt,
		Summary: a.Summary, Resolution: a.Resolution, Evidence: raw(a.Evidence), ResolvedEvidence: raw(a.ResolvedEvidence),
		Delivered: a.Delivered >= a.Version, DeliveredAt: a.DeliveredAt}
}
