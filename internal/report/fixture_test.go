package report

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/quality"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/scorer"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

var runStart = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// fixture is a store with two scored runs (r0 a month before r1) of three retail
// targets on chat and email: acme answers well, bolt slowly and with mistakes, <Cobalt &
// "Sons"> hardly at all (its name tests escaping).
func fixture(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &quality.Hunspell{}
	if err := h.Available(); err != nil {
		t.Fatalf("%v (this package's tests need Debian packages hunspell and hunspell-en-us)", err)
	}
	t.Cleanup(func() { h.Close() })
	s := &scorer.Scorer{Store: st, Grader: &quality.Grader{Speller: h}, Logger: slog.New(slog.DiscardHandler)}
	for i, run := range []string{"r0", "r1"} {
		start := runStart.AddDate(0, i, 0)
		recordRun(t, st, run, start)
		for _, target := range []string{"acme", "bolt", "cobalt"} {
			for _, ch := range []string{"chat", "email"} {
				seed(t, st, run, target, ch, start)
				if _, err := s.Update(ctx, run, target, ch); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return st
}

func recordRun(t *testing.T, st store.Store, run string, start time.Time) {
	t.Helper()
	c := &campaign.Campaign{ID: "nov", SLA: campaign.DefaultSLA,
		Scoring: campaign.Scoring{Weights: campaign.DefaultScoringWeights, MinSample: 10},
		Scenarios: []campaign.Scenario{{ID: "returns", Message: "Can I return it?", Persona: campaign.Persona{Name: "Jo Doe"}, Language: "en_US",
			Expect: map[string]campaign.Pattern{"free_returns": campaign.MustPattern(`(?i)returns are free`)}}},
		Targets: []campaign.Target{{ID: "acme", Name: "Acme Corp", Industry: "retail"}, {ID: "bolt", Name: "Bolt", Industry: "retail"},
			{ID: "cobalt", Name: `<Cobalt & "Sons">`, Industry: "retail"}},
	}
	spec, err := tasks.NewRunSpec(c, run).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RecordRun(context.Background(), store.Run{ID: run, Campaign: "nov", Spec: spec, Start: start, End: start.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// seed stores 12 results of target on ch.
func seed(t *testing.T, st store.Store, run, target, ch string, start time.Time) {
	t.Helper()
	var rs []result.Result
	for i := range 12 {
		at := start.Add(time.Duration(i) * time.Hour)
		r := result.Result{ProbeID: fmt.Sprintf("%s/%s/%s/%04d", run, target, ch, i), Run: run, Campaign: "nov", Target: target,
			Industry: "retail", Channel: ch, Scenario: "returns", PlannedAt: at, StartedAt: at, FinishedAt: at.Add(time.Hour),
			Outcome: result.NoResponse, Reason: result.ReasonDeadline}
		human, text := 0.0, ""
		switch target {
		case "acme":
			human, text = float64(20+5*i), "Hello Jo, returns are free within 30 days. Kind regards, Ann"
		case "bolt":
			if i%4 != 0 {
				human, text = float64(100+40*i), "you can retrun it but teh fee is 5 dollars"
			}
		case "cobalt":
			if i == 0 {
				human, text = 900, "Hi Jo, returns are free."
			}
		}
		if ch == "email" {
			human *= 60
		}
		if i == 11 {
			r.Outcome, r.Reason = result.Failed, result.ReasonPageLoad
			human = 0
		}
		if human > 0 {
			r.Outcome, r.Reason = result.Answered, ""
			r.FirstResponseS, r.HumanResponseS = &human, &human
			r.Evidence = evidence(ch, text)
		}
		rs = append(rs, r)
	}
	if _, err := st.UpsertBatch(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

func evidence(ch, text string) []byte {
	var v any
	if ch == "chat" {
		v = map[string]any{"messages": []map[string]any{{"author": "ours", "text": "Can I return it?"}, {"author": "agent", "text": text}}}
	} else {
		v = map[string]any{"replies": []map[string]any{{"kind": "human", "text": text + "\n\nOn Mon, Jo Doe wrote:\n> Can I return it?"}}}
	}
	b, _ := json.Marshal(v)
	return b
}
