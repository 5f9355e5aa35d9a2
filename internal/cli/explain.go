package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/stakeoutcx/stakeout/internal/report/chart"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/scorer"
	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// ScoresExplainCmd is `stakeout scores explain`.
type ScoresExplainCmd struct {
	StoreFlags
	RunID   string `name:"run" help:"The run (required with --window run)."`
	Target  string `name:"target" required:"" help:"The target."`
	Channel string `name:"channel" required:"" enum:"chat,email" help:"The channel: chat or email."`
	Window  string `name:"window" enum:"run,7d,30d" default:"run" help:"run, 7d or 30d."`
}

// Run prints the explanation.
func (c *ScoresExplainCmd) Run(ctx context.Context, g *Globals) error {
	if c.Window == string(scoring.WindowRun) && c.RunID == "" {
		return fmt.Errorf("--run is required with --window run (stakeout results runs lists the runs)")
	}
	st, err := c.openRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	f := store.ScoreFilter{Window: c.Window, Channel: c.Channel, Target: c.Target}
	if c.Window == string(scoring.WindowRun) {
		f.Run = c.RunID
	}
	cards, err := scorer.Cards(ctx, st, f)
	if err != nil {
		return err
	}
	if len(cards) == 0 {
		return fmt.Errorf("no %s scorecard of %s on %s%s in %s (stakeout scores --run RUN lists them)", c.Window, c.Target, c.Channel, runSuffix(c.RunID, c.Window), c.DB)
	}
	card := cards[0]
	sel := store.Filter{Run: card.Run, Target: card.Target, Channel: card.Channel}
	if card.Window != scoring.WindowRun {
		sel = store.Filter{Target: card.Target, Channel: card.Channel, From: card.From, To: card.To}
	}
	rows, err := st.Scoring(ctx, sel)
	if err != nil {
		return err
	}
	explainCard(g.stdout, card)
	settings := scoring.Settings{SLA: card.SLA, Weights: card.Weights, MinSample: card.MinSample}
	probes := scorer.Probes(rows)
	if again := scoring.Compute(card.Key, probes, settings); !sameNum(again.Score.Value, card.Score.Value) || again.Probes != card.Probes {
		fmt.Fprintf(g.stdout, "\nnote: the stored results now give %d probes and score %v: the stored card is older (a scoring task is pending, or run stakeout scores rebuild)\n",
			again.Probes, again.Score.Value)
	}
	fmt.Fprintln(g.stdout)
	return explainProbes(ctx, g.stdout, st, scoring.Explain(probes, settings))
}

func runSuffix(run, window string) string {
	if window == string(scoring.WindowRun) {
		return " in run " + run
	}
	return ""
}

// explainCard prints how each figure of c was made.
func explainCard(w io.Writer, c scoring.Card) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	span := ""
	if !c.From.IsZero() {
		span = fmt.Sprintf(" (%s to %s)", c.From.UTC().Format("2006-01-02 15:04Z"), c.To.UTC().Format("2006-01-02 15:04Z"))
	}
	if c.Window == scoring.WindowRun {
		p("scorecard of %s on %s, run %s%s", c.Target, c.Channel, c.Run, span)
	} else {
		p("scorecard of %s on %s, trailing %s%s", c.Target, c.Channel, c.Window, span)
	}
	wt := c.Weights
	p("settings: SLA human response %s, first response %s, response rate %s; weights: response rate %g, speed %g, consistency %g, quality %g; minimum sample %d reached probes",
		chart.ThresholdDuration(c.SLA.HumanS), chart.ThresholdDuration(c.SLA.FirstS), pct(c.SLA.ResponseRate), wt.ResponseRate, wt.Speed, wt.Consistency, wt.Quality, c.MinSample)
	p("probes: %d: %d reached the target (%d answered by a human, %d answered only automatically, %d not answered, %d of them while the channel said it was offline); %d failed (our side: never counted)",
		c.Probes, c.Reached, c.Answered, c.AutoOnly, c.NoResponse, c.Offline, c.Failed)
	if c.Insufficient {
		p("insufficient sample: %d reached probes, %d needed: no score, tier or rank is published", c.Reached, c.MinSample)
		return
	}
	p("response rate = answered / reached = %d / %d = %s, 95%% Wilson interval %s", c.Answered, c.Reached, pct1(c.ResponseRate.Value.F()), ivText(c.ResponseRate, pct1))
	p("human response: median %s, 95%% bootstrap interval %s; 90th percentile %s, interval %s (linear interpolation, %d resamples)",
		dur(c.HumanMedian.Value.F()), ivText(c.HumanMedian, dur), dur(c.HumanP90.Value.F()), ivText(c.HumanP90, dur), scoring.DefaultResamples)
	p("first response (automated or not): median %s over %d probes that had one", dur(c.FirstMedian.F()), c.FirstCount)
	p("SLA compliance = answered by a human within %s / reached = %d / %d = %s", chart.ThresholdDuration(c.SLA.HumanS), c.WithinSLA, c.Reached, pct1(c.SLACompliance.F()))
	p("speed = mean credit of the timed answers = %s (credit 1 up to the SLA, then falling linearly to 0 at twice the SLA)", f3(c.Speed.F()))
	p("consistency = median / 90th percentile = %s", f3(c.Consistency.F()))
	p("quality = mean quality of the %d graded answers = %s", c.Graded, f3(c.Quality.F()))
	p("score = 100 × (%g×%s + %g×%s + %g×%s + %g×%s) / (sum of the weights of the parts present) = %.1f, 95%% bootstrap interval %s",
		wt.ResponseRate, f3(c.ResponseRate.Value.F()), wt.Speed, f3(c.Speed.F()), wt.Consistency, f3(c.Consistency.F()), wt.Quality, f3(c.Quality.F()),
		c.Score.Value.F(), ivText(c.Score, func(v float64) string { return fmt.Sprintf("%.1f", v) }))
	tier := c.Tier.String()
	if c.Provisional {
		tier += ", provisional: its interval crosses a tier boundary (70, 80 or 90)"
	}
	p("tier: %s; stars: %s", tier, stars(c.Stars.F()))
	if c.Rank > 0 {
		p("rank in %s: %d of %d (better than %s of its competitors)", c.Industry, c.Rank, c.Of, pct1(c.Percentile.F()/100))
	}
	if c.RankAll > 0 {
		p("rank among all targets: %d of %d (better than %s)", c.RankAll, c.OfAll, pct1(c.PercentileAll.F()/100))
	}
}

func pct1(f float64) string {
	if f != f {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*f)
}

func f3(f float64) string {
	if f != f {
		return "- (left out)"
	}
	return fmt.Sprintf("%.3f", f)
}

func ivText(iv scoring.Interval, f func(float64) string) string {
	if !iv.Lo.Valid() {
		return "- (too few values)"
	}
	return "[" + f(iv.Lo.F()) + ", " + f(iv.Hi.F()) + "]"
}

// explainProbes prints each probe's part, with its quality checks.
func explainProbes(ctx context.Context, w io.Writer, st store.Store, cs []scoring.Contribution) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PROBE\tOUTCOME\tHUMAN\tFIRST\tWITHIN SLA\tCREDIT\tQUALITY\tCHECKS")
	for _, c := range cs {
		outcome := string(c.Outcome)
		if c.Reason != "" {
			outcome += "/" + c.Reason
		}
		if !c.Counted {
			outcome += " (not counted)"
		}
		checks := ""
		if c.Outcome == result.Answered {
			var err error
			if checks, err = checkSummary(ctx, st, c.ID); err != nil {
				return err
			}
		}
		within := "-"
		if c.Credit.Valid() {
			within = map[bool]string{true: "yes", false: "no"}[c.WithinSLA]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, outcome, dur(c.Human.F()), dur(c.First.F()), within,
			f2(c.Credit.F()), f2(c.Quality.F()), checks)
	}
	return tw.Flush()
}

func f2(f float64) string {
	if f != f {
		return "-"
	}
	return fmt.Sprintf("%.2f", f)
}

// checkSummary says which quality checks of a probe passed and failed.
func checkSummary(ctx context.Context, st store.Store, probeID string) (string, error) {
	g, ok, err := st.GetGrade(ctx, probeID)
	if err != nil || !ok {
		return "not graded", err
	}
	var graded scorer.Graded
	if err := json.Unmarshal(g.Checks, &graded); err != nil {
		return "", fmt.Errorf("grade of %s: %w", probeID, err)
	}
	var passed, failed, skipped []string
	for _, ck := range graded.Checks {
		switch {
		case ck.Skipped:
			skipped = append(skipped, ck.Name)
		case ck.Passed:
			passed = append(passed, ck.Name)
		default:
			failed = append(failed, ck.Name)
		}
	}
	s := fmt.Sprintf("%d/%d passed", len(passed), len(passed)+len(failed))
	if len(failed) > 0 {
		s += "; failed: " + strings.Join(failed, ", ")
	}
	if len(skipped) > 0 {
		s += "; skipped: " + strings.Join(skipped, ", ")
	}
	return s, nil
}

// sameNum reports whether two figures are equal, two absent ones included.
func sameNum(a, b scoring.Num) bool { return a == b || (!a.Valid() && !b.Valid()) }
