package report

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/scorer"
	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// MaxProbes bounds the probes listed per target and channel; the rest are counted.
const MaxProbes = 200

// maxAnswer bounds the answer excerpt shown per probe, in bytes.
const maxAnswer = 600

// Options say what a report covers.
type Options struct {
	// Run is the run reported on.
	Run string
	// Target, when set, limits the report to one target.
	Target string
	// Anonymise replaces the names of a target's competitors with "Competitor A", ...
	Anonymise bool
	// Now stamps the report (default time.Now).
	Now time.Time
}

// Report is everything a report shows.
type Report struct {
	Run       string
	Campaign  string
	From, To  time.Time
	Generated time.Time
	Anonymise bool
	// MinSample is the fewest reached probes that publish a score.
	MinSample int
	Targets   []Target
}

// Target is the part of a report about one target.
type Target struct {
	ID, Name, Industry string
	Channels           []Channel
}

// Channel is one target's scorecard on one channel with what stands behind it.
type Channel struct {
	Card scoring.Card
	// Trend holds the target's run cards on this channel, oldest first (this run included).
	Trend []TrendPoint
	// Human are the target's human response times in this run (seconds); Peers those
	// of the other targets it is ranked with (its industry, else all targets).
	Human, Peers []float64
	PeerLabel    string
	// Ranking lists the competitors' cards (the target's own included), best first.
	Ranking []RankRow
	// Checks sums the quality checks of the graded answers.
	Checks []CheckRow
	// Probes is the evidence, in the card's order, at most MaxProbes; More counts the rest.
	Probes []ProbeRow
	More   int
}

// TrendPoint is one run's card of a target.
type TrendPoint struct {
	Run              string
	From             time.Time
	Score            scoring.Interval
	HumanMedian      scoring.Interval
	Insufficient     bool
	Reached, Answers int
}

// RankRow is one competitor in the ranking.
type RankRow struct {
	Label        string
	Self         bool
	Rank         int
	Score        scoring.Interval
	Tier         scoring.Tier
	Provisional  bool
	Insufficient bool
	Reached      int
}

// CheckRow sums one quality check over a target's graded answers.
type CheckRow struct {
	Name, Group                   string
	Passed, Failed, Skipped       int
	PassExample, FailExample      string
	PassProbe, FailProbe, Details string
}

// ProbeRow is one probe behind the numbers.
type ProbeRow struct {
	scoring.Contribution
	PlannedAt time.Time
	Checks    string
	Answer    string
}

// Build gathers a report from the store.
func Build(ctx context.Context, st store.Store, o Options) (*Report, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	run, ok, err := st.GetRun(ctx, o.Run)
	if err != nil {
		return nil, err
	}
	rep := &Report{Run: o.Run, Generated: o.Now.UTC(), Anonymise: o.Anonymise}
	var spec *tasks.RunSpec
	if ok {
		rep.Campaign, rep.From, rep.To = run.Campaign, run.Start, run.End
		if len(run.Spec) > 0 {
			if spec, err = tasks.ParseRunSpec(run.Spec); err != nil {
				return nil, fmt.Errorf("run %s: %w", o.Run, err)
			}
		}
	}
	cards, err := scorer.Cards(ctx, st, store.ScoreFilter{Window: string(scoring.WindowRun), Run: o.Run})
	if err != nil {
		return nil, err
	}
	if len(cards) == 0 {
		return nil, fmt.Errorf("run %s has no scorecards (stakeout scores rebuild makes them from the stored results)", o.Run)
	}
	rows, err := st.Scoring(ctx, store.Filter{Run: o.Run})
	if err != nil {
		return nil, err
	}
	rep.MinSample = cards[0].MinSample
	b := builder{st: st, spec: spec, cards: cards, rows: rows, anonymise: o.Anonymise}
	for _, id := range b.targets(o.Target) {
		t, err := b.target(ctx, id)
		if err != nil {
			return nil, err
		}
		rep.Targets = append(rep.Targets, t)
	}
	if len(rep.Targets) == 0 {
		return nil, fmt.Errorf("run %s has no scorecard of target %q", o.Run, o.Target)
	}
	return rep, nil
}

type builder struct {
	st        store.Store
	spec      *tasks.RunSpec
	cards     []scoring.Card
	rows      []store.Scored
	anonymise bool
}

// targets lists the targets reported on, sorted.
func (b *builder) targets(only string) []string {
	var ids []string
	for _, c := range b.cards {
		if (only == "" || c.Target == only) && !slices.Contains(ids, c.Target) {
			ids = append(ids, c.Target)
		}
	}
	slices.Sort(ids)
	return ids
}

func (b *builder) name(id string) string {
	if b.spec != nil {
		if t, ok := b.spec.Targets[id]; ok && t.Name != "" {
			return t.Name
		}
	}
	return id
}

func (b *builder) target(ctx context.Context, id string) (Target, error) {
	t := Target{ID: id, Name: b.name(id)}
	for _, c := range b.cards {
		if c.Target != id {
			continue
		}
		t.Industry = c.Industry
		ch, err := b.channel(ctx, c)
		if err != nil {
			return Target{}, err
		}
		t.Channels = append(t.Channels, ch)
	}
	return t, nil
}

func (b *builder) channel(ctx context.Context, c scoring.Card) (Channel, error) {
	ch := Channel{Card: c}
	var err error
	if ch.Trend, err = b.trend(ctx, c); err != nil {
		return ch, err
	}
	ch.Human, ch.Peers, ch.PeerLabel = b.times(c)
	ch.Ranking = b.ranking(c)
	var mine []store.Scored
	for _, r := range b.rows {
		if r.Target == c.Target && r.Channel == c.Channel {
			mine = append(mine, r)
		}
	}
	planned := map[string]time.Time{}
	for _, r := range mine {
		planned[r.ProbeID] = r.PlannedAt
	}
	contribs := scoring.Explain(scorer.Probes(mine), scoring.Settings{SLA: c.SLA, Weights: c.Weights, MinSample: c.MinSample})
	checks := map[string]*CheckRow{}
	var order []string
	for i, k := range contribs {
		row := ProbeRow{Contribution: k, PlannedAt: planned[k.ID]}
		listed := i < MaxProbes
		if k.Outcome == result.Answered {
			if err := b.evidence(ctx, &row, listed, checks, &order); err != nil {
				return ch, err
			}
		}
		if listed {
			ch.Probes = append(ch.Probes, row)
		}
	}
	ch.More = max(0, len(contribs)-MaxProbes)
	for _, name := range order {
		ch.Checks = append(ch.Checks, *checks[name])
	}
	return ch, nil
}

// evidence sums a probe's checks and adds its grade to its row, and, for a listed
// probe, the start of its answer (only those read the result's evidence).
func (b *builder) evidence(ctx context.Context, row *ProbeRow, listed bool, checks map[string]*CheckRow, order *[]string) error {
	g, ok, err := b.st.GetGrade(ctx, row.ID)
	if err != nil {
		return err
	}
	if ok {
		var graded scorer.Graded
		if err := json.Unmarshal(g.Checks, &graded); err != nil {
			return fmt.Errorf("grade of %s: %w", row.ID, err)
		}
		passed, applied := 0, 0
		for _, ck := range graded.Checks {
			cr := checks[ck.Name]
			if cr == nil {
				cr = &CheckRow{Name: ck.Name, Group: ck.Group}
				checks[ck.Name] = cr
				*order = append(*order, ck.Name)
			}
			switch {
			case ck.Skipped:
				cr.Skipped++
				cr.Details = ck.Detail
			case ck.Passed:
				cr.Passed++
				passed++
				applied++
				if cr.PassExample == "" && ck.Span != "" {
					cr.PassExample, cr.PassProbe = ck.Span, row.ID
				}
			default:
				cr.Failed++
				applied++
				if cr.FailExample == "" {
					cr.FailExample, cr.FailProbe = cmp.Or(ck.Span, ck.Detail), row.ID
				}
			}
		}
		row.Checks = fmt.Sprintf("%d/%d", passed, applied)
	}
	if !listed {
		return nil
	}
	r, ok, err := b.st.Get(ctx, row.ID)
	if err != nil || !ok {
		return err
	}
	answers, _ := scorer.Answers(r)
	if len(answers) > 0 {
		row.Answer = clip(answers[0], maxAnswer)
	}
	return nil
}

// trend returns the target's run cards on the channel, oldest first.
func (b *builder) trend(ctx context.Context, c scoring.Card) ([]TrendPoint, error) {
	rows, err := b.st.ListScores(ctx, store.ScoreFilter{Window: string(scoring.WindowRun), Target: c.Target, Channel: c.Channel})
	if err != nil {
		return nil, err
	}
	var out []TrendPoint
	for _, r := range rows {
		var k scoring.Card
		if err := json.Unmarshal(r.Card, &k); err != nil {
			return nil, fmt.Errorf("stored card of %s %s %s: %w", r.Run, r.Target, r.Channel, err)
		}
		if !k.From.IsZero() && !c.From.IsZero() && k.From.After(c.From) {
			continue // a later run than the one reported on
		}
		out = append(out, TrendPoint{Run: k.Run, From: k.From, Score: k.Score, HumanMedian: k.HumanMedian,
			Insufficient: k.Insufficient, Reached: k.Reached, Answers: k.Answered})
	}
	slices.SortStableFunc(out, func(a, b TrendPoint) int {
		if d := a.From.Compare(b.From); d != 0 {
			return d
		}
		return cmp.Compare(a.Run, b.Run)
	})
	return out, nil
}

// times returns the human response times of c's target and of its peers: the other
// targets of its industry on the channel in the run, or all others without an industry.
func (b *builder) times(c scoring.Card) (own, peers []float64, label string) {
	label = "other targets in " + c.Industry
	if c.Industry == "" {
		label = "all other targets"
	}
	for _, r := range b.rows {
		if r.Channel != c.Channel || r.Outcome != result.Answered || r.HumanResponseS == nil {
			continue
		}
		switch {
		case r.Target == c.Target:
			own = append(own, *r.HumanResponseS)
		case c.Industry == "" || r.Industry == c.Industry:
			peers = append(peers, *r.HumanResponseS)
		}
	}
	return own, peers, label
}

// ranking lists the cards c competes with in its industry (all cards without one), best
// first, insufficient ones last; competitors are anonymised when asked.
func (b *builder) ranking(c scoring.Card) []RankRow {
	var peers []scoring.Card
	for _, k := range b.cards {
		if k.Channel == c.Channel && (c.Industry == "" || k.Industry == c.Industry) {
			peers = append(peers, k)
		}
	}
	rank := func(k scoring.Card) int {
		if c.Industry == "" {
			return k.RankAll
		}
		return k.Rank
	}
	slices.SortStableFunc(peers, func(x, y scoring.Card) int {
		rx, ry := rank(x), rank(y)
		switch {
		case rx == 0 && ry == 0:
			return cmp.Compare(x.Target, y.Target)
		case rx == 0:
			return 1
		case ry == 0:
			return -1
		}
		return cmp.Or(cmp.Compare(rx, ry), cmp.Compare(x.Target, y.Target))
	})
	out := make([]RankRow, 0, len(peers))
	letter := 0
	for _, k := range peers {
		label := b.name(k.Target)
		self := k.Target == c.Target
		if b.anonymise && !self {
			label = "Competitor " + competitor(letter)
			letter++
		}
		out = append(out, RankRow{Label: label, Self: self, Rank: rank(k), Score: k.Score, Tier: k.Tier,
			Provisional: k.Provisional, Insufficient: k.Insufficient, Reached: k.Reached})
	}
	return out
}

// competitor names the i-th anonymised competitor: A..Z, then AA, AB, ...
func competitor(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
