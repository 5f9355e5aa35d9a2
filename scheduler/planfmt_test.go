package scheduler

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/campaign"
)

// fmtPlan returns a small plan with a Paris target and a UTC target.
func fmtPlan(t *testing.T) (*campaign.Campaign, []Probe) {
	t.Helper()
	paris := mustLocation(t, "Europe/Paris")
	c := newCampaign(map[campaign.Channel]int{chat: 3, email: 2}, 20*time.Minute, 5*time.Minute,
		newTarget("paris", paris, []campaign.Hours{hours(t, "09:00", "17:00", weekdays...)}, chat, email),
		newTarget("utc", time.UTC, nil, chat))
	probes, err := Plan(c, Run{ID: "fmt", Start: utc("2026-03-02T00:00:00Z"), End: utc("2026-03-03T00:00:00Z")})
	if err != nil {
		t.Fatalf("Plan() error: %v", err)
	}
	return c, probes
}

func TestWritePlanCSV(t *testing.T) {
	c, probes := fmtPlan(t)
	var buf bytes.Buffer
	if err := WritePlan(&buf, c, probes, "csv"); err != nil {
		t.Fatalf("WritePlan(csv) error: %v", err)
	}
	header, _, _ := strings.Cut(buf.String(), "\n")
	if want := "id,run,target,channel,scenario,seq,at,local"; header != want {
		t.Errorf("WritePlan(csv) header = %q, want %q", header, want)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("reading WritePlan(csv) output: %v", err)
	}
	if got, want := len(rows), len(probes)+1; got != want {
		t.Fatalf("WritePlan(csv) wrote %d rows, want %d", got, want)
	}
	paris := mustLocation(t, "Europe/Paris")
	for i, p := range probes {
		loc := time.UTC
		if p.Target == "paris" {
			loc = paris
		}
		want := []string{p.ID, p.Run, p.Target, string(p.Channel), p.Scenario, strconv.Itoa(p.Seq),
			p.At.Format(time.RFC3339Nano), p.At.In(loc).Format(time.RFC3339Nano)}
		if diff := cmp.Diff(want, rows[i+1]); diff != "" {
			t.Errorf("WritePlan(csv) row %d mismatch (-want +got):\n%s", i+1, diff)
		}
	}
}

func TestWritePlanJSONRoundTrips(t *testing.T) {
	c, probes := fmtPlan(t)
	var buf bytes.Buffer
	if err := WritePlan(&buf, c, probes, "json"); err != nil {
		t.Fatalf("WritePlan(json) error: %v", err)
	}
	var got []Probe
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("decoding WritePlan(json) output: %v\n%s", err, buf.String())
	}
	if diff := cmp.Diff(probes, got); diff != "" {
		t.Errorf("WritePlan(json) round trip mismatch (-want +got):\n%s", diff)
	}
	var withLocal []struct {
		Target string    `json:"target"`
		At     time.Time `json:"at"`
		Local  string    `json:"local"`
	}
	if err := json.Unmarshal(buf.Bytes(), &withLocal); err != nil {
		t.Fatalf("decoding WritePlan(json) output: %v", err)
	}
	for _, p := range withLocal {
		if p.Target == "paris" && !strings.HasSuffix(p.Local, "+01:00") {
			t.Errorf("WritePlan(json) local = %q for a Paris probe in March, want a +01:00 offset", p.Local)
		}
	}
}

func TestWritePlanTable(t *testing.T) {
	c, probes := fmtPlan(t)
	var buf bytes.Buffer
	if err := WritePlan(&buf, c, probes, "table"); err != nil {
		t.Fatalf("WritePlan(table) error: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if got, want := len(lines), len(probes)+1; got != want {
		t.Fatalf("WritePlan(table) wrote %d lines, want %d:\n%s", got, want, buf.String())
	}
	if got := strings.Fields(lines[0]); !cmp.Equal(got, []string{"AT", "(UTC)", "LOCAL", "TARGET", "CHANNEL", "SCENARIO", "SEQ", "ID"}) {
		t.Errorf("WritePlan(table) header = %q, want AT (UTC), LOCAL, TARGET, CHANNEL, SCENARIO, SEQ, ID", lines[0])
	}
	col := strings.Index(lines[0], "TARGET")
	for i, p := range probes {
		line := lines[i+1]
		if !strings.HasPrefix(line, p.At.Format(time.RFC3339)) || !strings.HasSuffix(line, p.ID) {
			t.Errorf("WritePlan(table) line %d = %q, want it to start with %s and end with %s", i+1, line, p.At.Format(time.RFC3339), p.ID)
		}
		if !strings.HasPrefix(line[col:], p.Target+" ") {
			t.Errorf("WritePlan(table) line %d = %q: target %q not aligned under TARGET", i+1, line, p.Target)
		}
		if p.Target == "paris" && !strings.Contains(line, " CET ") {
			t.Errorf("WritePlan(table) line %d = %q, want the Paris local time (CET)", i+1, line)
		}
	}
}

func TestWritePlanUnknownFormat(t *testing.T) {
	c, probes := fmtPlan(t)
	err := WritePlan(&bytes.Buffer{}, c, probes, "yaml")
	want := `unknown plan format "yaml" (want table, csv or json)`
	if err == nil || err.Error() != want {
		t.Errorf("WritePlan(yaml) = %v, want %s", err, want)
	}
}
