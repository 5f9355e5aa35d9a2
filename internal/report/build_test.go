package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/scoring"
)

func TestBuild(t *testing.T) {
	st := fixture(t)
	rep, err := Build(context.Background(), st, Options{Run: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Targets) != 3 || rep.Targets[0].Name != "Acme Corp" || rep.Campaign != "nov" || !rep.From.Equal(runStart.AddDate(0, 1, 0)) {
		t.Fatalf("report: %d targets, first %+v, campaign %q, from %v", len(rep.Targets), rep.Targets[0].Name, rep.Campaign, rep.From)
	}
	acme := rep.Targets[0].Channels[0]
	if acme.Card.Channel != "chat" || acme.Card.Rank != 1 || acme.Card.Tier == scoring.TierNone {
		t.Errorf("acme chat card: channel %s rank %d tier %v", acme.Card.Channel, acme.Card.Rank, acme.Card.Tier)
	}
	if len(acme.Trend) != 2 || acme.Trend[0].Run != "r0" || acme.Trend[1].Run != "r1" {
		t.Errorf("acme trend = %+v, want r0 then r1", acme.Trend)
	}
	if len(acme.Human) != 11 || len(acme.Peers) != 9 { // bolt answers 8 of its 11 reached, cobalt 1
		t.Errorf("acme times: %d own, %d peers; want 11 and 9", len(acme.Human), len(acme.Peers))
	}
	if len(acme.Ranking) != 3 || !acme.Ranking[0].Self || acme.Ranking[2].Label != `<Cobalt & "Sons">` {
		t.Errorf("ranking = %+v", acme.Ranking)
	}
	if len(acme.Probes) != 12 || acme.Probes[11].Counted || acme.Probes[0].Answer == "" || acme.Probes[0].Checks != "4/4" {
		t.Errorf("acme probes: %d, last counted %v, first answer %q, checks %q", len(acme.Probes), acme.Probes[11].Counted, acme.Probes[0].Answer, acme.Probes[0].Checks)
	}
	bolt := rep.Targets[1].Channels[0]
	var spelling *CheckRow
	for i := range bolt.Checks {
		if bolt.Checks[i].Name == "spelling" {
			spelling = &bolt.Checks[i]
		}
	}
	if spelling == nil || spelling.Failed != 8 || !strings.Contains(spelling.FailExample, "retrun") {
		t.Errorf("bolt's spelling check = %+v, want 8 failures with retrun as the example", spelling)
	}
	cobalt := rep.Targets[2].Channels[0]
	if cobalt.Card.Insufficient || cobalt.Card.Tier != scoring.TierNotApproved {
		t.Errorf("cobalt: insufficient %v tier %v", cobalt.Card.Insufficient, cobalt.Card.Tier)
	}
}

func TestBuildAnonymised(t *testing.T) {
	st := fixture(t)
	rep, err := Build(context.Background(), st, Options{Run: "r1", Target: "bolt", Anonymise: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Targets) != 1 || rep.Targets[0].ID != "bolt" {
		t.Fatalf("targets = %+v, want bolt alone", rep.Targets)
	}
	var labels []string
	for _, r := range rep.Targets[0].Channels[0].Ranking {
		labels = append(labels, r.Label)
	}
	if strings.Join(labels, "|") != "Competitor A|Bolt|Competitor B" {
		t.Errorf("anonymised ranking = %v, want Competitor A, Bolt, Competitor B", labels)
	}
	var html bytes.Buffer
	if err := WriteHTML(&html, rep); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Acme", "Cobalt"} {
		if strings.Contains(html.String(), name) {
			t.Errorf("the anonymised report names %s", name)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	st := fixture(t)
	for _, tt := range []struct {
		o    Options
		want string
	}{
		{Options{Run: "nope"}, `run nope has no scorecards (stakeout scores rebuild makes them from the stored results)`},
		{Options{Run: "r1", Target: "zed"}, `run r1 has no scorecard of target "zed"`},
	} {
		if _, err := Build(context.Background(), st, tt.o); err == nil || err.Error() != tt.want {
			t.Errorf("Build(%+v) = %v, want %q", tt.o, err, tt.want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	st := fixture(t)
	rep, err := Build(context.Background(), st, Options{Run: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rep); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+3*2*12 || strings.Join(rows[0], ",") != strings.Join(CSVHeader, ",") {
		t.Fatalf("CSV: %d rows, header %v", len(rows), rows[0])
	}
	first := map[string]string{}
	for i, h := range CSVHeader {
		first[h] = rows[1][i]
	}
	if first["target"] != "acme" || first["channel"] != "chat" || first["outcome"] != "answered" || first["human_response_s"] != "20" ||
		first["within_sla"] != "true" || first["card_rank"] != "1" || first["card_tier"] == "" {
		t.Errorf("first CSV row = %v", first)
	}
}
