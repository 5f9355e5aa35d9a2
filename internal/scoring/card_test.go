package scoring

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/result"
)

// example is the worked example of docs/scoring.md: a chat SLA of 5 minutes, 12 probes:
// one failed, eight answered by a human, one answered by a bot only, two unanswered
// (one of them while the chat said it was offline).
func example() []Probe {
	var ps []Probe
	humans := []float64{30, 60, 90, 120, 150, 240, 400, 700}
	quality := []float64{1, 1, 0.8, 0.8, 0.6, 1, 0.4, 0.5}
	for i, h := range humans {
		ps = append(ps, Probe{ID: fmt.Sprintf("p%02d", i), Outcome: result.Answered, First: Num(h), Human: Num(h), Quality: Num(quality[i])})
	}
	return append(ps,
		Probe{ID: "p08", Outcome: result.AutoOnly, First: 2, Human: NaN, Quality: NaN},
		Probe{ID: "p09", Outcome: result.NoResponse, Reason: result.ReasonDeadline, First: NaN, Human: NaN, Quality: NaN},
		Probe{ID: "p10", Outcome: result.NoResponse, Reason: result.ReasonOffline, First: NaN, Human: NaN, Quality: NaN},
		Probe{ID: "p11", Outcome: result.Failed, Reason: result.ReasonPageLoad, First: NaN, Human: NaN, Quality: NaN},
	)
}

var exampleSettings = Settings{SLA: SLA{FirstS: 60, HumanS: 300, ResponseRate: 0.9}}

func TestComputeWorkedExample(t *testing.T) {
	c := Compute(Key{Target: "acme", Channel: "chat", Industry: "retail", Window: WindowRun, Run: "r1"}, example(), exampleSettings)
	counts := [7]int{c.Probes, c.Reached, c.Answered, c.AutoOnly, c.NoResponse, c.Offline, c.Failed}
	if want := [7]int{12, 11, 8, 1, 2, 1, 1}; counts != want {
		t.Errorf("counts (probes, reached, answered, auto_only, no_response, offline, failed) = %v, want %v", counts, want)
	}
	checks := []struct {
		name string
		got  Num
		want float64
		tol  float64
	}{
		{"response rate", c.ResponseRate.Value, 8.0 / 11, 1e-12},
		{"response rate lo", c.ResponseRate.Lo, 0.4344, 5e-5},
		{"response rate hi", c.ResponseRate.Hi, 0.9025, 5e-5},
		{"human median", c.HumanMedian.Value, 135, 1e-9},
		{"human p90", c.HumanP90.Value, 490, 1e-9},
		{"first median", c.FirstMedian, 120, 1e-9}, // firsts: 2, 30, 60, 90, 120, ..., 700 (9 values)
		{"sla compliance", c.SLACompliance, 6.0 / 11, 1e-12},
		{"speed", c.Speed, (6 + (2 - 400.0/300)) / 8, 1e-12},
		{"consistency", c.Consistency, 135.0 / 490, 1e-12},
		{"quality", c.Quality, 6.1 / 8, 1e-12},
		{"score", c.Score.Value, 72.3, 1e-9},
		{"stars", c.Stars, 3.5, 0},
	}
	for _, ck := range checks {
		if !near(ck.got, ck.want, ck.tol) {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	if c.FirstCount != 9 || c.WithinSLA != 6 || c.Graded != 8 {
		t.Errorf("first count, within SLA, graded = %d, %d, %d, want 9, 6, 8", c.FirstCount, c.WithinSLA, c.Graded)
	}
	if c.Tier != TierApproved || c.Insufficient {
		t.Errorf("tier = %v, insufficient = %v, want Approved, false", c.Tier, c.Insufficient)
	}
	if !(c.Score.Lo.F() <= c.Score.Value.F() && c.Score.Value.F() <= c.Score.Hi.F()) || c.Score.Hi.F()-c.Score.Lo.F() < 1 {
		t.Errorf("score interval [%v, %v] does not hold the score %v with some width", c.Score.Lo, c.Score.Hi, c.Score.Value)
	}
	if want := Straddles(c.Score); c.Provisional != want {
		t.Errorf("provisional = %v, want %v for interval [%v, %v]", c.Provisional, want, c.Score.Lo, c.Score.Hi)
	}
	for _, iv := range []Interval{c.HumanMedian, c.HumanP90} {
		if !(iv.Lo.F() <= iv.Value.F() && iv.Value.F() <= iv.Hi.F()) {
			t.Errorf("interval [%v, %v] does not hold %v", iv.Lo, iv.Hi, iv.Value)
		}
	}
}

// TestComputeOrderFree: the same probes in any order give the same card.
func TestComputeOrderFree(t *testing.T) {
	key := Key{Target: "acme", Channel: "chat", Window: WindowRun}
	want := Compute(key, example(), exampleSettings)
	ps := example()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5 {
		rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		got := Compute(key, ps, exampleSettings)
		if diff := cmp.Diff(cardJSON(t, want), cardJSON(t, got)); diff != "" {
			t.Fatalf("Compute of shuffled probes differs (-want +got):\n%s", diff)
		}
	}
}

func cardJSON(t *testing.T, c Card) string {
	t.Helper()
	b, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestComputeInsufficient(t *testing.T) {
	ps := example()[:9] // 8 answered and one auto_only: 9 reached, below 10
	c := Compute(Key{Target: "acme", Channel: "chat", Window: WindowRun}, ps, exampleSettings)
	if !c.Insufficient || c.Reached != 9 || c.Answered != 8 {
		t.Fatalf("insufficient, reached, answered = %v, %d, %d, want true, 9, 8", c.Insufficient, c.Reached, c.Answered)
	}
	for name, n := range map[string]Num{"score": c.Score.Value, "response rate": c.ResponseRate.Value, "median": c.HumanMedian.Value,
		"p90": c.HumanP90.Value, "stars": c.Stars, "quality": c.Quality, "sla compliance": c.SLACompliance, "percentile": c.Percentile} {
		if n.Valid() {
			t.Errorf("insufficient card publishes %s = %v", name, n)
		}
	}
	if c.Tier != TierNone || c.Rank != 0 || c.RankAll != 0 {
		t.Errorf("insufficient card has tier %v, ranks %d/%d", c.Tier, c.Rank, c.RankAll)
	}
	// A smaller minimum publishes it.
	if c := Compute(c.Key, ps, Settings{SLA: exampleSettings.SLA, MinSample: 9}); c.Insufficient || !c.Score.Value.Valid() {
		t.Errorf("with min_sample 9: insufficient = %v, score = %v", c.Insufficient, c.Score.Value)
	}
}

func TestComputeFailedNeverCounts(t *testing.T) {
	base := example()
	withFailures := append(example(), Probe{ID: "z1", Outcome: result.Failed, Reason: result.ReasonCaptcha, First: NaN, Human: NaN, Quality: NaN},
		Probe{ID: "z2", Outcome: result.Failed, Reason: result.ReasonSendFailed, First: NaN, Human: NaN, Quality: NaN})
	a := Compute(Key{Window: WindowRun}, base, exampleSettings)
	b := Compute(Key{Window: WindowRun}, withFailures, exampleSettings)
	if a.Score != b.Score || a.ResponseRate != b.ResponseRate || b.Failed != a.Failed+2 || b.Reached != a.Reached {
		t.Errorf("failed probes changed the card: score %v -> %v, rate %v -> %v, failed %d -> %d", a.Score, b.Score, a.ResponseRate, b.ResponseRate, a.Failed, b.Failed)
	}
}

func TestComputeNoHumanAnswer(t *testing.T) {
	var ps []Probe
	for i := range 10 {
		ps = append(ps, Probe{ID: fmt.Sprint(i), Outcome: result.NoResponse, Reason: result.ReasonDeadline, First: NaN, Human: NaN, Quality: NaN})
	}
	c := Compute(Key{Window: WindowRun}, ps, exampleSettings)
	if c.Score.Value != 0 || c.Tier != TierNotApproved || c.Stars != 1 || c.ResponseRate.Value != 0 || c.HumanMedian.Value.Valid() {
		t.Errorf("never answering: score %v tier %v stars %v rate %v median %v, want 0, Not Approved, 1, 0, absent",
			c.Score.Value, c.Tier, c.Stars, c.ResponseRate.Value, c.HumanMedian.Value)
	}
}

// TestComputeUngradedQuality: without any graded answer the score is made of the three
// other parts, their weights renormalised.
func TestComputeUngradedQuality(t *testing.T) {
	ps := example()
	for i := range ps {
		ps[i].Quality = NaN
	}
	c := Compute(Key{Window: WindowRun}, ps, exampleSettings)
	w := DefaultWeights
	want := 100 * (w.ResponseRate*8/11 + w.Speed*(6+(2-400.0/300))/8 + w.Consistency*135/490) / (w.ResponseRate + w.Speed + w.Consistency)
	if !near(c.Score.Value, math.Round(want*10)/10, 1e-9) || c.Quality.Valid() || c.Graded != 0 {
		t.Errorf("ungraded: score %v quality %v graded %d, want %.1f, absent, 0", c.Score.Value, c.Quality, c.Graded, want)
	}
}

func TestComputeWeights(t *testing.T) {
	c := Compute(Key{Window: WindowRun}, example(), Settings{SLA: exampleSettings.SLA, Weights: Weights{ResponseRate: 1}})
	if !near(c.Score.Value, math.Round(1000*8.0/11)/10, 1e-9) {
		t.Errorf("response-rate-only weights: score %v, want %.1f", c.Score.Value, 100*8.0/11)
	}
}

func TestCredit(t *testing.T) {
	for _, tt := range []struct{ t, sla, want float64 }{{10, 300, 1}, {300, 300, 1}, {450, 300, 0.5}, {600, 300, 0}, {9000, 300, 0}, {50, 0, 1}} {
		if got := Credit(tt.t, tt.sla); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Credit(%v, %v) = %v, want %v", tt.t, tt.sla, got, tt.want)
		}
	}
}

func TestNumJSON(t *testing.T) {
	b, err := json.Marshal(Interval{Value: 1.5, Lo: NaN, Hi: 2})
	if err != nil || string(b) != `{"value":1.5,"lo":null,"hi":2}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var iv Interval
	if err := json.Unmarshal(b, &iv); err != nil || iv.Value != 1.5 || iv.Lo.Valid() || iv.Hi != 2 {
		t.Errorf("Unmarshal(%s) = %v, %v", b, iv, err)
	}
}
