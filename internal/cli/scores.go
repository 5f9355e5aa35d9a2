package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/stakeoutcx/stakeout/internal/quality"
	"github.com/stakeoutcx/stakeout/internal/report/chart"
	"github.com/stakeoutcx/stakeout/internal/scorer"
	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// ScoresCmd groups the scores subcommands; without one it lists scorecards.
type ScoresCmd struct {
	List    ScoresListCmd    `cmd:"" default:"withargs" help:"List scorecards: score with its 95% interval, tier, stars, rank in industry, response rate, human response times, SLA compliance, quality (the default)."`
	Explain ScoresExplainCmd `cmd:"" help:"Print how one scorecard was made, down to each probe."`
	Rebuild ScoresRebuildCmd `cmd:"" help:"Recompute every scorecard from the stored results (the same results give the same scores)."`
}

// ScoresListCmd is `stakeout scores [list]`.
type ScoresListCmd struct {
	StoreFlags
	RunID    string `name:"run" help:"The run (required with --window run; with 7d or 30d: only the targets of this run)."`
	Industry string `name:"industry" help:"Only targets of this industry (ranks stay among every target)."`
	Target   string `name:"target" help:"Only this target."`
	Channel  string `name:"channel" enum:",chat,email" default:"" help:"Only this channel (chat or email)."`
	Window   string `name:"window" enum:"run,7d,30d" default:"run" help:"run: the run's scorecards; 7d, 30d: the trailing days up to the newest probe, across runs."`
	Format   string `name:"format" enum:"table,csv,json" default:"table" help:"Output: table, csv (a header row, one row per card) or json (the cards as scoring.Card, docs/scoring.md)."`
}

// Run prints the scorecards.
func (c *ScoresListCmd) Run(ctx context.Context, g *Globals) error {
	cards, err := c.cards(ctx)
	if err != nil {
		return err
	}
	switch c.Format {
	case "json":
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if cards == nil {
			cards = []scoring.Card{}
		}
		return enc.Encode(cards)
	case "csv":
		return writeScoresCSV(g.stdout, cards)
	}
	if len(cards) == 0 {
		fmt.Fprintln(g.stderr, "no scorecards match (workers score results as they store them; stakeout scores rebuild makes them from the stored results)")
		return nil
	}
	return writeScoresTable(g.stdout, cards)
}

func (c *ScoresListCmd) cards(ctx context.Context) ([]scoring.Card, error) {
	if c.Window == string(scoring.WindowRun) && c.RunID == "" {
		return nil, fmt.Errorf("--run is required with --window run (stakeout results runs lists the runs)")
	}
	st, err := c.openRead(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := knownRun(ctx, st, c.RunID, c.DB); err != nil {
		return nil, err
	}
	f := store.ScoreFilter{Window: c.Window, Channel: c.Channel, Industry: c.Industry, Target: c.Target}
	if c.Window == string(scoring.WindowRun) {
		f.Run = c.RunID
	}
	cards, err := scorer.Cards(ctx, st, f)
	if err != nil {
		return nil, err
	}
	if c.Window != string(scoring.WindowRun) && c.RunID != "" {
		targets, err := runTargets(ctx, st, c.RunID)
		if err != nil {
			return nil, err
		}
		cards = slices.DeleteFunc(cards, func(k scoring.Card) bool { return !targets[k.Target] })
	}
	sortCards(cards)
	return cards, nil
}

// runTargets returns the targets with results in run.
func runTargets(ctx context.Context, st store.Store, run string) (map[string]bool, error) {
	keys, err := st.Keys(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, k := range keys {
		if k.Run == run {
			out[k.Target] = true
		}
	}
	return out, nil
}

// sortCards orders cards by channel, industry, then rank (unranked last), then target.
func sortCards(cards []scoring.Card) {
	rank := func(c scoring.Card) int {
		if c.RankAll == 0 {
			return math.MaxInt
		}
		return c.RankAll
	}
	slices.SortStableFunc(cards, func(a, b scoring.Card) int {
		for _, d := range []int{strings.Compare(a.Channel, b.Channel), strings.Compare(a.Industry, b.Industry)} {
			if d != 0 {
				return d
			}
		}
		if d := rank(a) - rank(b); d != 0 {
			if d < 0 {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Target, b.Target)
	})
}

func writeScoresTable(w io.Writer, cards []scoring.Card) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tINDUSTRY\tRANK\tTARGET\tSCORE [95% CI]\tTIER\tSTARS\tRESPONSE RATE [95% CI]\tHUMAN MEDIAN [95% CI]\tHUMAN P90\tWITHIN SLA\tQUALITY\tREACHED/PROBES")
	for _, c := range cards {
		counts := fmt.Sprintf("%d/%d", c.Reached, c.Probes)
		if c.Insufficient {
			fmt.Fprintf(tw, "%s\t%s\t-\t%s\tinsufficient sample (%d reached, %d needed)\t\t\t\t\t\t\t\t%s\n", c.Channel, dash(c.Industry), c.Target, c.Reached, c.MinSample, counts)
			continue
		}
		tier := c.Tier.String()
		if c.Provisional {
			tier += " (provisional)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Channel, dash(c.Industry), rankText(c), c.Target,
			interval(c.Score, func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }), tier, stars(c.Stars.F()),
			interval(c.ResponseRate, pct), interval(c.HumanMedian, dur), dur(c.HumanP90.Value.F()), pct(c.SLACompliance.F()),
			pct(c.Quality.F()), counts)
	}
	return tw.Flush()
}

func rankText(c scoring.Card) string {
	if c.Rank > 0 {
		return fmt.Sprintf("%d/%d", c.Rank, c.Of)
	}
	if c.RankAll > 0 {
		return fmt.Sprintf("%d/%d all", c.RankAll, c.OfAll)
	}
	return "-"
}

func interval(iv scoring.Interval, f func(float64) string) string {
	if !iv.Value.Valid() {
		return "-"
	}
	if !iv.Lo.Valid() || !iv.Hi.Valid() {
		return f(iv.Value.F())
	}
	return fmt.Sprintf("%s [%s, %s]", f(iv.Value.F()), f(iv.Lo.F()), f(iv.Hi.F()))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*f)
}

func dur(s float64) string {
	if math.IsNaN(s) {
		return "-"
	}
	return chart.HumanDuration(s)
}

func stars(s float64) string {
	if math.IsNaN(s) {
		return "-"
	}
	return strconv.FormatFloat(s, 'f', 1, 64)
}

// scoreCSVHeader names the columns of `stakeout scores --format csv`; docs/cli.md
// describes each.
var scoreCSVHeader = []string{"window", "run", "from", "to", "target", "channel", "industry", "probes", "reached", "answered", "auto_only",
	"no_response", "offline", "failed", "insufficient", "response_rate", "response_rate_lo", "response_rate_hi",
	"human_median_s", "human_median_lo_s", "human_median_hi_s", "human_p90_s", "human_p90_lo_s", "human_p90_hi_s",
	"first_median_s", "within_sla", "sla_compliance", "sla_human_response_s", "speed", "consistency", "quality", "graded",
	"score", "score_lo", "score_hi", "tier", "provisional", "stars", "rank", "of", "percentile", "rank_all", "of_all", "percentile_all"}

func writeScoresCSV(w io.Writer, cards []scoring.Card) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(scoreCSVHeader); err != nil {
		return err
	}
	for _, c := range cards {
		if err := cw.Write(scoreCSVRecord(c)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func scoreCSVRecord(c scoring.Card) []string {
	n := func(v scoring.Num) string {
		if !v.Valid() {
			return ""
		}
		return strconv.FormatFloat(v.F(), 'g', -1, 64)
	}
	i := strconv.Itoa
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	rank := func(r int) string {
		if r == 0 {
			return ""
		}
		return i(r)
	}
	return []string{string(c.Window), c.Run, ts(c.From), ts(c.To), c.Target, c.Channel, c.Industry, i(c.Probes), i(c.Reached), i(c.Answered),
		i(c.AutoOnly), i(c.NoResponse), i(c.Offline), i(c.Failed), strconv.FormatBool(c.Insufficient),
		n(c.ResponseRate.Value), n(c.ResponseRate.Lo), n(c.ResponseRate.Hi),
		n(c.HumanMedian.Value), n(c.HumanMedian.Lo), n(c.HumanMedian.Hi), n(c.HumanP90.Value), n(c.HumanP90.Lo), n(c.HumanP90.Hi),
		n(c.FirstMedian), i(c.WithinSLA), n(c.SLACompliance), strconv.FormatFloat(c.SLA.HumanS, 'g', -1, 64),
		n(c.Speed), n(c.Consistency), n(c.Quality), i(c.Graded),
		n(c.Score.Value), n(c.Score.Lo), n(c.Score.Hi), c.Tier.String(), strconv.FormatBool(c.Provisional), n(c.Stars),
		rank(c.Rank), rank(c.Of), n(c.Percentile), rank(c.RankAll), rank(c.OfAll), n(c.PercentileAll)}
}

// ScoresRebuildCmd is `stakeout scores rebuild`.
type ScoresRebuildCmd struct {
	StoreFlags
	Regrade  bool   `name:"regrade" help:"Grade every human answer again (after a change of the grading rules or of a dictionary); otherwise stored grades are kept."`
	Hunspell string `name:"hunspell" env:"STAKEOUT_HUNSPELL" default:"hunspell" help:"The hunspell program that spell-checks answers."`
}

// Run rebuilds the scorecards.
func (c *ScoresRebuildCmd) Run(ctx context.Context, g *Globals) error {
	if !store.Exists(c.DB) {
		return fmt.Errorf("no result store at %s (--db / STAKEOUT_DB names the SQLite file the workers write)", c.DB)
	}
	st, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	h := &quality.Hunspell{Path: c.Hunspell}
	defer h.Close()
	if err := h.Available(); err != nil {
		fmt.Fprintf(g.stderr, "warning: %v: answers graded now are graded without their spelling\n", err)
	}
	s := &scorer.Scorer{Store: st, Grader: &quality.Grader{Speller: h}, Logger: g.logger}
	var bar *progressbar.ProgressBar
	start := time.Now()
	stats, err := s.Rebuild(ctx, scorer.RebuildOptions{Regrade: c.Regrade, Progress: func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetDescription("scoring"),
				progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond))
		}
		_ = bar.Set(done)
	}})
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "rebuilt %d %s from the stored results in %s", stats.Cards, plural(stats.Cards, "scorecard", "scorecards"), time.Since(start).Round(time.Millisecond))
	if c.Regrade {
		fmt.Fprintf(g.stdout, " (%d %s regraded)", stats.Regraded, plural(stats.Regraded, "answer", "answers"))
	}
	fmt.Fprintln(g.stdout)
	return nil
}
