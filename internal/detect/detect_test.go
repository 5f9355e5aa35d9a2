package detect

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stakeoutcx/stakeout/internal/scoring"
)

// equateNaN makes absent figures equal.
var equateNaN = cmp.Comparer(func(a, b scoring.Num) bool { return a == b || !a.Valid() && !b.Valid() })

// chatSpec is the benchmark's chat service at log-sigma 0.5.
var chatSpec = simSpec{ch: simChannels[0], sigma: 0.5, change: 2, rateFrom: 0.9, rateTo: 0.6, slaRate: 0.8}

// seeded returns a seeded chat history: lead stable probes then tail probes of sc.
func seeded(sc scenario, lead, tail int, seed uint64) []Obs {
	s := chatSpec
	s.sc = sc
	return s.history(lead, tail, 7, seed)
}

// find returns the finding of kind k.
func findKind(fs []Finding, k Kind) (Finding, bool) {
	i := slices.IndexFunc(fs, func(f Finding) bool { return f.Kind == k })
	if i < 0 {
		return Finding{}, false
	}
	return fs[i], true
}

// fixed builds a history at 6-hour steps from epoch: answered[i] with human time t[i].
func fixed(times []float64) []Obs {
	h := make([]Obs, len(times))
	for i, t := range times {
		h[i] = Obs{Probe: "p" + string(rune('A'+i%26)), At: epoch.Add(time.Duration(i) * 6 * time.Hour)}
		if !math.IsNaN(t) {
			h[i].Answered, h[i].Human = true, t
		}
	}
	return h
}

// repeat returns n copies of the cycle of values.
func repeat(n int, cycle ...float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = cycle[i%len(cycle)]
	}
	return out
}

func TestLatencyDoublingFires(t *testing.T) {
	p := DefaultParams("chat")
	for seed := range uint64(20) {
		h := seeded(slower, 60, 20, seed)
		f, ok := findKind(Evaluate(Input{History: h, SLA: chatSpec.sla()}, p), KindLatency)
		if !ok || !f.Firing {
			t.Errorf("seed %d: latency after 20 doubled probes = %+v (found %v), want firing", seed, f, ok)
			continue
		}
		if f.Statistic <= p.LatencyThreshold || f.Threshold != p.LatencyThreshold || f.Since.Before(h[40].At) {
			t.Errorf("seed %d: statistic %v threshold %v since %v; want above %v, the threshold, not before the window",
				seed, f.Statistic, f.Threshold, f.Since, p.LatencyThreshold)
		}
	}
}

func TestStableDoesNotFire(t *testing.T) {
	p := DefaultParams("chat")
	h := seeded(stable, 60, 40, 3)
	for _, f := range Evaluate(Input{History: h, SLA: chatSpec.sla()}, p) {
		if f.Firing {
			t.Errorf("stable seed 3: %s fires: %s", f.Kind, f.Summary)
		}
	}
	// Over 40 seeded stable histories the lifecycle opens few alerts (the benchmark
	// measures the rate; this guards against a gross regression).
	opens, evals := 0, 0
	for seed := range uint64(40) {
		o := lifecycle(ours, seeded(stable, 60, 100, 100+seed), 60, chatSpec.sla(), p, KindLatency, false)
		opens, evals = opens+o.opens, evals+o.evals
	}
	if rate := float64(opens) / float64(evals); rate > 0.02 {
		t.Errorf("stable histories: %d alerts in %d evaluations (%.2f%%), want at most 2%%", opens, evals, 100*rate)
	}
}

func TestFrozenBaseline(t *testing.T) {
	p := DefaultParams("chat")
	// 40 probes at 60 s, then 150 at 180 s: long enough that the trailing baseline is
	// all slow probes.
	h := fixed(append(repeat(40, 50, 60, 70), repeat(150, 150, 180, 210)...))
	in := Input{History: h}
	f, ok := findKind(Evaluate(in, p), KindLatency)
	if !ok || f.Firing || f.Baseline.Median.Value.F() < 150 {
		t.Fatalf("not open: latency = %+v, want judged against the slow probes and not firing", f)
	}
	in.Open = map[Kind]Open{KindLatency: {OpenedAt: h[45].At, Since: h[40].At}}
	f, ok = findKind(Evaluate(in, p), KindLatency)
	if !ok || !f.Firing || f.Baseline.Median.Value.F() != 60 || f.Baseline.N != 40 || f.Threshold != p.LatencyClear {
		t.Errorf("open since the change: latency = %+v, want firing against the 40 probes before Since (median 60)", f)
	}
}

func TestHysteresis(t *testing.T) {
	p := DefaultParams("chat")
	// A mild slowdown: the CUSUM lands between the clear and the open thresholds.
	times := append(repeat(40, 40, 50, 60, 70), repeat(20, 40, 50, 60, 70)...)
	for i := 54; i < 60; i++ {
		times[i] = 65
	}
	h := fixed(times)
	closed, _ := findKind(Evaluate(Input{History: h}, p), KindLatency)
	if !(closed.Statistic > p.LatencyClear && closed.Statistic < p.LatencyThreshold) || closed.Firing {
		t.Fatalf("not open: CUSUM %v firing %v, want between %v and %v and not firing",
			closed.Statistic, closed.Firing, p.LatencyClear, p.LatencyThreshold)
	}
	// Open since the window's start: same baseline and window, so the same statistic, but
	// judged against the clear threshold it still fires.
	open := map[Kind]Open{KindLatency: {OpenedAt: h[45].At, Since: h[40].At}}
	held, _ := findKind(Evaluate(Input{History: h, Open: open}, p), KindLatency)
	if held.Statistic != closed.Statistic || !held.Firing || held.Threshold != p.LatencyClear {
		t.Errorf("open: CUSUM %v firing %v threshold %v, want %v, firing, %v",
			held.Statistic, held.Firing, held.Threshold, closed.Statistic, p.LatencyClear)
	}
	// Back to normal for a whole window: it clears.
	h = fixed(append(times, repeat(20, 40, 50, 60, 70)...))
	cleared, _ := findKind(Evaluate(Input{History: h, Open: open}, p), KindLatency)
	if cleared.Firing || cleared.Statistic >= p.LatencyClear {
		t.Errorf("after recovery: CUSUM %v firing %v, want below %v and cleared", cleared.Statistic, cleared.Firing, p.LatencyClear)
	}
}

func TestStopped(t *testing.T) {
	p := DefaultParams("chat")
	miss := math.NaN()
	tests := []struct {
		name  string
		times []float64
		open  bool
		fires bool
		stat  float64
	}{
		{"two misses", append(repeat(10, 60), miss, miss), false, false, 2},
		{"three misses", append(repeat(10, 60), miss, miss, miss), false, true, 3},
		{"open, still missing", append(repeat(10, 60), miss, miss, miss, miss), true, true, 4},
		{"open, answered again", append(repeat(10, 60), miss, miss, miss, 60), true, false, 0},
		// A target never seen answering has not stopped: the rate kinds judge it.
		{"never answered", repeat(8, miss), false, false, 8},
		{"one answer, then misses", append([]float64{60}, miss, miss, miss), false, true, 3},
		{"untimed answer, then misses", append([]float64{-1}, miss, miss, miss), false, true, 3},
	}
	for _, tt := range tests {
		in := Input{History: fixed(tt.times)}
		if tt.open {
			in.Open = map[Kind]Open{KindStopped: {OpenedAt: in.History[12].At, Since: in.History[10].At}}
		}
		f, ok := findKind(Evaluate(in, p), KindStopped)
		if !ok || f.Firing != tt.fires || f.Statistic != tt.stat {
			t.Errorf("%s: stopped = firing %v statistic %v (found %v), want %v %v", tt.name, f.Firing, f.Statistic, ok, tt.fires, tt.stat)
		}
	}
}

// TestRateOpensOnMiss checks that response_rate opens only on an unanswered probe: a
// statistic past the threshold with an answered newest probe waits, and an open alert
// still holds on it.
func TestRateOpensOnMiss(t *testing.T) {
	p := DefaultParams("chat")
	miss := math.NaN()
	base := repeat(40, 60, 60, 60, 60, 60, 60, 60, 60, 60, miss) // 4 misses in 40
	low := repeat(19, miss, 60)                                  // 10 misses in 19, ending unanswered
	h := fixed(append(append(slices.Clone(base), low...), 60))   // the newest answered
	f, ok := findKind(Evaluate(Input{History: h}, p), KindResponseRate)
	if !ok || f.Firing || f.Statistic <= p.RateThreshold {
		t.Fatalf("newest answered: response_rate firing %v statistic %v (found %v), want past %v and not firing",
			f.Firing, f.Statistic, ok, p.RateThreshold)
	}
	if !strings.Contains(f.Summary, "alerts on the next unanswered probe") {
		t.Errorf("newest answered: summary %q, want it to say it waits for an unanswered probe", f.Summary)
	}
	open := map[Kind]Open{KindResponseRate: {OpenedAt: h[55].At, Since: h[40].At}}
	if f, _ := findKind(Evaluate(Input{History: h, Open: open}, p), KindResponseRate); !f.Firing {
		t.Errorf("open, newest answered: response_rate statistic %v not firing, want held above %v", f.Statistic, p.RateClear)
	}
	h = fixed(append(append(slices.Clone(base), low...), 60, miss)) // then one unanswered
	if f, _ := findKind(Evaluate(Input{History: h}, p), KindResponseRate); !f.Firing || f.Statistic <= p.RateThreshold {
		t.Errorf("newest unanswered: response_rate firing %v statistic %v, want firing past %v", f.Firing, f.Statistic, p.RateThreshold)
	}
}

// TestStoppedSummary checks the stopped_answering summary reads well with an empty,
// tiny or usual baseline, and for a target never seen answering.
func TestStoppedSummary(t *testing.T) {
	p := DefaultParams("chat")
	miss := math.NaN()
	tests := []struct {
		name        string
		times       []float64
		want, avoid []string
	}{
		{"never answered", repeat(5, miss),
			[]string{"no human has answered any of the 5 probes so far", "never seen answering, so not stopped"}, []string{"n/a", "0 probes", "against"}},
		{"no baseline", append(repeat(4, 60), miss, miss, miss),
			[]string{"no human answered the last 3 probes", "no baseline yet", "alerts at 3 in a row"}, []string{"n/a", "0 probes", "against"}},
		{"one-probe baseline", append(repeat(18, 60), miss, miss, miss),
			[]string{"no human answered the last 3 probes", "against 100% answered of the 1 probe before"}, []string{"n/a", "never"}},
		{"usual baseline", append(repeat(40, 60), miss, miss, miss),
			[]string{"against 100% answered of the 23 probes before; alerts at 3 in a row"}, []string{"n/a"}},
		{"answered", repeat(3, 60), []string{"a human answered the newest probe", "no baseline yet"}, []string{"n/a", "0 probes"}},
	}
	for _, tt := range tests {
		f, ok := findKind(Evaluate(Input{History: fixed(tt.times)}, p), KindStopped)
		if !ok {
			t.Errorf("%s: no stopped_answering finding", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(f.Summary, w) {
				t.Errorf("%s: summary %q, want it to contain %q", tt.name, f.Summary, w)
			}
		}
		for _, a := range tt.avoid {
			if strings.Contains(f.Summary, a) {
				t.Errorf("%s: summary %q, want no %q", tt.name, f.Summary, a)
			}
		}
	}
}

func TestSLABreach(t *testing.T) {
	p := DefaultParams("chat")
	miss := math.NaN()
	sla := SLA{ResponseRate: 0.8, HumanS: 120}
	window := func(answered int, human float64) []float64 {
		w := repeat(20, miss)
		for i := range answered {
			w[i*20/answered] = human
		}
		return append(repeat(40, 60), w...)
	}
	tests := []struct {
		name  string
		times []float64
		open  bool
		fires bool
	}{
		// 15/20 = 75% is below 80% but its Wilson interval [53%, 89%] reaches it.
		{"rate below, interval reaches", window(15, 60), false, false},
		// 11/20 = 55% [34%, 74%]: wholly below.
		{"rate clearly below", window(11, 60), false, true},
		{"open, rate still below", window(15, 60), true, true},
		{"open, rate back", window(17, 60), true, false},
		// every human time 300 s against 120 s: the p90 and its lower bound are past it.
		{"p90 clearly above", window(20, 300), false, true},
		{"p90 at the SLA", window(20, 120), false, false},
	}
	for _, tt := range tests {
		in := Input{History: fixed(tt.times), SLA: sla}
		if tt.open {
			in.Open = map[Kind]Open{KindSLA: {OpenedAt: in.History[50].At, Since: in.History[40].At}}
		}
		f, ok := findKind(Evaluate(in, p), KindSLA)
		if !ok || f.Firing != tt.fires {
			t.Errorf("%s: sla_breach firing %v (found %v), want %v: %s", tt.name, f.Firing, ok, tt.fires, f.Summary)
		}
	}
	if _, ok := findKind(Evaluate(Input{History: fixed(repeat(9, 60)), SLA: sla}, p), KindSLA); ok {
		t.Errorf("9 probes: sla_breach judged, want left out below sla_min %d", p.SLAMin)
	}
}

func TestSmallBaseline(t *testing.T) {
	p := DefaultParams("chat")
	// 19 baseline probes before the 20-probe window: below min_baseline 20.
	h := fixed(append(repeat(19, 60), repeat(20, 600)...))
	fs := Evaluate(Input{History: h}, p)
	for _, k := range []Kind{KindLatency, KindResponseRate} {
		if f, ok := findKind(fs, k); ok {
			t.Errorf("19 baseline probes: %s judged (%s), want left out", k, f.Summary)
		}
	}
	h = fixed(append(repeat(20, 60), repeat(20, 600)...))
	if f, ok := findKind(Evaluate(Input{History: h}, p), KindLatency); !ok || !f.Firing {
		t.Errorf("20 baseline probes: latency = %+v (found %v), want firing", f, ok)
	}
}

func TestDeterministic(t *testing.T) {
	p := DefaultParams("email")
	h := seeded(slower, 60, 12, 11)
	in := Input{History: h, SLA: chatSpec.sla()}
	a, b := Evaluate(in, p), Evaluate(in, p)
	if diff := cmp.Diff(a, b, equateNaN); diff != "" {
		t.Errorf("same input, different findings (-first +second):\n%s", diff)
	}
	shuffled := slices.Clone(h)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	in.History = shuffled
	if diff := cmp.Diff(a, Evaluate(in, p), equateNaN); diff != "" {
		t.Errorf("shuffled history, different findings (-sorted +shuffled):\n%s", diff)
	}
}

// TestEvidenceFree checks that the benchmark's evidence-free evaluation decides exactly
// as Evaluate does: the same kinds, firing, severities, statistics, thresholds and Since.
func TestEvidenceFree(t *testing.T) {
	p := DefaultParams("chat")
	type decision struct {
		Kind                 Kind
		Firing               bool
		Severity             string
		Statistic, Threshold float64
		Since                time.Time
	}
	decisions := func(fs []Finding) []decision {
		var out []decision
		for _, f := range fs {
			out = append(out, decision{f.Kind, f.Firing, f.Severity, f.Statistic, f.Threshold, f.Since})
		}
		return out
	}
	for _, sc := range []scenario{stable, slower, fewer} {
		for seed := range uint64(5) {
			h := seeded(sc, 60, 20, seed)
			for n := 50; n <= len(h); n += 5 {
				open := map[Kind]Open{KindLatency: {OpenedAt: h[n-3].At, Since: h[n-8].At}}
				in := Input{History: h[:n], SLA: chatSpec.sla(), Open: open}
				want, got := decisions(Evaluate(in, p)), decisions(evaluate(in, p, false))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("%s seed %d n %d: evidence-free decisions differ (-Evaluate +evidence-free):\n%s", sc, seed, n, diff)
				}
			}
		}
	}
}

// TestFiguresPresent checks that every finding's figures are real: an empty stretch has
// absent (NaN) estimates, never zeros that would read as a rate of 0.
func TestFiguresPresent(t *testing.T) {
	h := seeded(fewer, 60, 20, 4)
	for _, f := range Evaluate(Input{History: h, SLA: chatSpec.sla()}, DefaultParams("chat")) {
		for name, fig := range map[string]Figures{"baseline": f.Baseline, "recent": f.Recent} {
			if fig.N == 0 || len(fig.Probes) != fig.N || !fig.Rate.Value.Valid() {
				t.Errorf("%s %s figures = %d probes (%d ids), rate %v; want a described stretch", f.Kind, name, fig.N, len(fig.Probes), fig.Rate.Value)
			}
		}
	}
}
