package scorer

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/quality"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

var day0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// fixture is a store with a recorded run "r1" of two retail targets on chat and a
// scorer with a real hunspell grader.
func fixture(t *testing.T) (*Scorer, store.Store) {
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
	recordRun(t, st, "r1", day0)
	return &Scorer{Store: st, Grader: &quality.Grader{Speller: h}, Now: func() time.Time { return day0 }}, st
}

func recordRun(t *testing.T, st store.Store, run string, start time.Time) {
	t.Helper()
	c := &campaign.Campaign{ID: "nov", SLA: map[campaign.Channel]campaign.SLA{
		campaign.ChannelChat: {HumanResponse: campaign.Duration(5 * time.Minute), FirstResponse: campaign.Duration(time.Minute), ResponseRate: 0.9},
	}, Scoring: campaign.Scoring{Weights: campaign.DefaultScoringWeights, MinSample: 10},
		Scenarios: []campaign.Scenario{{ID: "returns", Message: "Can I return it?", Persona: campaign.Persona{Name: "Jo Doe"}, Language: "en_US",
			Expect: map[string]campaign.Pattern{"free_returns": campaign.MustPattern(`(?i)free`), "thirty_days": campaign.MustPattern(`30 days`)}}},
		Targets: []campaign.Target{{ID: "acme", Name: "Acme Corp", Industry: "retail"}, {ID: "bolt", Name: "Bolt", Industry: "retail"}},
	}
	spec, err := tasks.NewRunSpec(c, run).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RecordRun(context.Background(), store.Run{ID: run, Campaign: "nov", Spec: spec, Start: start, End: start.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// chatResult is a chat result; human > 0 means answered after human seconds with text.
func chatResult(run, target string, i int, planned time.Time, human float64, text string) result.Result {
	r := result.Result{ProbeID: fmt.Sprintf("%s/%s/chat/%04d", run, target, i), Run: run, Campaign: "nov", Target: target, Industry: "retail",
		Channel: "chat", Scenario: "returns", PlannedAt: planned, StartedAt: planned.Add(time.Second), FinishedAt: planned.Add(10 * time.Minute),
		Outcome: result.NoResponse, Reason: result.ReasonDeadline}
	if human > 0 {
		r.Outcome, r.Reason = result.Answered, ""
		r.FirstResponseS, r.HumanResponseS = &human, &human
		ev, _ := json.Marshal(map[string]any{"messages": []map[string]any{{"author": "ours", "text": "Can I return it?"}, {"author": "agent", "text": text}}})
		r.Evidence = ev
	}
	return r
}

// seed stores 12 chat results per target on day: acme answers well and fast, bolt
// slowly and with mistakes.
func seed(t *testing.T, st store.Store, run string, day time.Time) []result.Result {
	t.Helper()
	var rs []result.Result
	for i := range 12 {
		at := day.Add(time.Duration(i) * time.Hour)
		good := "Hello Jo, returns are free within 30 days. Kind regards"
		rs = append(rs, chatResult(run, "acme", i, at, float64(30+10*i), good))
		bolt := 0.0
		if i%3 != 0 {
			bolt = float64(200 + 60*i)
		}
		rs = append(rs, chatResult(run, "bolt", i, at, bolt, "yes you can retrun it, teh fee is 5 dollars"))
	}
	if _, err := st.UpsertBatch(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestUpdateGradesAndScores(t *testing.T) {
	s, st := fixture(t)
	ctx := context.Background()
	seed(t, st, "r1", day0)
	cards, err := s.Update(ctx, "r1", "acme", "chat")
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 3 || cards[0].Window != scoring.WindowRun || cards[1].Window != scoring.Window7d || cards[2].Window != scoring.Window30d {
		t.Fatalf("Update wrote %d cards %v, want run, 7d and 30d", len(cards), windows(cards))
	}
	run := cards[0]
	if run.Reached != 12 || run.Answered != 12 || run.Graded != 12 || run.Quality.F() != 1 || run.Tier != scoring.TierElite {
		t.Errorf("acme run card: reached %d answered %d graded %d quality %v tier %v, want 12, 12, 12, 1, Elite", run.Reached, run.Answered, run.Graded, run.Quality, run.Tier)
	}
	if !run.From.Equal(day0) || run.SLA.HumanS != 300 {
		t.Errorf("run card window from %v, SLA %v s, want %v and 300 s", run.From, run.SLA.HumanS, day0)
	}
	g, ok, err := st.GetGrade(ctx, "r1/acme/chat/0000")
	if err != nil || !ok {
		t.Fatalf("GetGrade = %v, %v", ok, err)
	}
	var graded Graded
	if err := json.Unmarshal(g.Checks, &graded); err != nil {
		t.Fatal(err)
	}
	if !graded.Resolved || graded.Answers != 1 || len(graded.Checks) < 4 || graded.Checks[0].Name != "expect:free_returns" || graded.Checks[0].Span != "free" {
		t.Errorf("grade of acme/0000 = %+v", graded)
	}
	// The stored card is the same as computing from the stored results.
	rows, err := st.Scoring(ctx, store.Filter{Run: "r1", Target: "acme", Channel: "chat"})
	if err != nil {
		t.Fatal(err)
	}
	want := scoring.Compute(run.Key, probesOf(rows), Settings(mustSpec(t, st, "r1"), "chat"))
	if diff := cmp.Diff(jsonOf(t, want), jsonOf(t, run)); diff != "" {
		t.Errorf("run card differs from Compute (-want +got):\n%s", diff)
	}
}

func TestRebuildGivesTheSameCards(t *testing.T) {
	s, st := fixture(t)
	ctx := context.Background()
	seed(t, st, "r1", day0)
	for _, target := range []string{"acme", "bolt"} {
		if _, err := s.Update(ctx, "r1", target, "chat"); err != nil {
			t.Fatal(err)
		}
	}
	before := storedCards(t, st)
	var progress []int
	stats, err := s.Rebuild(ctx, RebuildOptions{Progress: func(done, total int) { progress = append(progress, done) }, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Cards != 6 || len(progress) != 6 || progress[5] != 6 {
		t.Errorf("Rebuild stats %+v, progress %v, want 6 cards reported one by one", stats, progress)
	}
	if diff := cmp.Diff(before, storedCards(t, st)); diff != "" {
		t.Errorf("Rebuild changed the cards (-incremental +rebuilt):\n%s", diff)
	}
	stats, err = s.Rebuild(ctx, RebuildOptions{Regrade: true})
	if err != nil || stats.Regraded != 20 { // 12 acme + 8 bolt answers
		t.Fatalf("Rebuild(regrade) = %+v, %v, want 20 regraded", stats, err)
	}
	if diff := cmp.Diff(before, storedCards(t, st)); diff != "" {
		t.Errorf("Rebuild with regrading changed the cards (-incremental +rebuilt):\n%s", diff)
	}
	cards, err := Cards(ctx, st, store.ScoreFilter{Window: "run", Run: "r1", Industry: "retail"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 2 || cards[0].Target != "acme" || cards[0].Rank != 1 || cards[1].Rank != 2 || cards[0].Of != 2 || cards[1].Percentile.F() != 0 {
		t.Errorf("ranked run cards = %+v", cards)
	}
}

// A result planned on a later day moves the trailing windows on: one update rewrites
// every target's trailing cards.
func TestUpdateMovesTrailingWindows(t *testing.T) {
	s, st := fixture(t)
	ctx := context.Background()
	seed(t, st, "r1", day0)
	for _, target := range []string{"acme", "bolt"} {
		if _, err := s.Update(ctx, "r1", target, "chat"); err != nil {
			t.Fatal(err)
		}
	}
	later := day0.AddDate(0, 0, 10)
	recordRun(t, st, "r2", later)
	if _, err := st.Upsert(ctx, chatResult("r2", "acme", 0, later, 40, "Hi Jo, free returns within 30 days.")); err != nil {
		t.Fatal(err)
	}
	cards, err := s.Update(ctx, "r2", "acme", "chat")
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 5 { // the r2 run card and four trailing cards
		t.Fatalf("Update after the anchor moved wrote %d cards %v, want 5", len(cards), windows(cards))
	}
	rows, err := st.ListScores(ctx, store.ScoreFilter{Window: "7d"})
	if err != nil {
		t.Fatal(err)
	}
	_, to := scoring.Trailing(scoring.Window7d, later)
	for _, r := range rows {
		if !r.To.Equal(to) {
			t.Errorf("7d card of %s ends %v, want %v", r.Target, r.To, to)
		}
	}
	var bolt7d scoring.Card
	for _, r := range rows {
		if r.Target == "bolt" {
			json.Unmarshal(r.Card, &bolt7d)
		}
	}
	if bolt7d.Probes != 0 || !bolt7d.Insufficient { // bolt's probes are 10 days old
		t.Errorf("bolt's 7d card after the move: %d probes, insufficient %v; want 0, true", bolt7d.Probes, bolt7d.Insufficient)
	}
}

func windows(cards []scoring.Card) []string {
	var out []string
	for _, c := range cards {
		out = append(out, string(c.Window)+":"+c.Target)
	}
	return out
}

func mustSpec(t *testing.T, st store.Store, run string) *tasks.RunSpec {
	t.Helper()
	r, _, err := st.GetRun(context.Background(), run)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := tasks.ParseRunSpec(r.Spec)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// storedCards returns the stored cards by key, without their computation time.
func storedCards(t *testing.T, st store.Store) map[string]string {
	t.Helper()
	rows, err := st.ListScores(context.Background(), store.ScoreFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Window+" "+r.Run+" "+r.Target+" "+r.Channel] = fmt.Sprintf("score=%v tier=%d basis=%d %s", deref(r.Score), r.Tier, r.Basis, r.Card)
	}
	return out
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
