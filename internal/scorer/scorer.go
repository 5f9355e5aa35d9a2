package scorer

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/stakeoutcx/stakeout/internal/quality"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// Scorer computes and stores scorecards. It is safe for concurrent use: two updates of
// the same cards write the one made from the newer reads (see store.ScoreRow.Basis).
type Scorer struct {
	// Store holds the results, grades and scorecards.
	Store store.Store
	// Grader grades human answers; nil leaves answers ungraded (quality is then left
	// out of the score).
	Grader *quality.Grader
	// Logger logs (default slog.Default()).
	Logger *slog.Logger
	// Now stamps grades and cards (default time.Now); it never changes a figure.
	Now func() time.Time

	specs specs
}

func (s *Scorer) log() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func (s *Scorer) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Spec returns a run's spec, nil for a run the store has no spec of (the defaults
// apply). Specs are read once and cached.
func (s *Scorer) Spec(ctx context.Context, run string) (*tasks.RunSpec, error) {
	return s.spec(ctx, run)
}

// spec returns a run's spec (nil for a run the store has no spec of: the defaults).
func (s *Scorer) spec(ctx context.Context, run string) (*tasks.RunSpec, error) {
	rec, err := s.specs.get(ctx, s.Store, run)
	return rec.spec, err
}

// Update recomputes the cards that the results of (run, target, channel) feed: the
// run's card and the target's trailing 7 and 30 day cards. When the newest results
// moved the trailing windows on to a new day, every trailing card is recomputed. It
// returns the cards written.
func (s *Scorer) Update(ctx context.Context, run, target, channel string) ([]scoring.Card, error) {
	probes, err := s.read(ctx, store.Filter{Run: run, Target: target, Channel: channel})
	if err != nil {
		return nil, err
	}
	if len(probes) == 0 {
		return nil, nil
	}
	card, row, err := s.runCard(ctx, run, target, channel, probes)
	if err != nil {
		return nil, err
	}
	cards, rows := []scoring.Card{card}, []store.ScoreRow{row}
	anchor, err := s.Store.Anchor(ctx)
	if err != nil {
		return nil, err
	}
	_, to := scoring.Trailing(scoring.Window7d, anchor)
	behind, err := s.Store.TrailingBehind(ctx, to)
	if err != nil {
		return nil, err
	}
	pairs := [][2]string{{target, channel}}
	if behind {
		if pairs, err = s.pairs(ctx); err != nil {
			return nil, err
		}
		s.log().Info("trailing windows moved on: recomputing every trailing card", "to", to, "targets", len(pairs))
	}
	tc, tr, err := s.trailing(ctx, anchor, pairs)
	if err != nil {
		return nil, err
	}
	cards, rows = append(cards, tc...), append(rows, tr...)
	if err := s.Store.PutScores(ctx, rows, false); err != nil {
		return nil, err
	}
	return cards, nil
}

// read returns the results f selects, grading those whose answers have no current grade.
func (s *Scorer) read(ctx context.Context, f store.Filter) ([]store.Scored, error) {
	rows, err := s.Store.Scoring(ctx, f)
	if err != nil {
		return nil, err
	}
	if s.Grader == nil {
		return rows, nil
	}
	var grades []store.Grade
	for i := range rows {
		if !stale(rows[i]) {
			continue
		}
		g, err := s.gradeProbe(ctx, rows[i].ProbeID)
		if err != nil {
			return nil, err
		}
		if g != nil {
			grades = append(grades, *g)
			rows[i].Grade = &g.GradeHead
		}
	}
	if len(grades) > 0 {
		if err := s.Store.PutGrades(ctx, grades); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// gradeProbe grades one stored result (nil when it is gone).
func (s *Scorer) gradeProbe(ctx context.Context, probeID string) (*store.Grade, error) {
	r, ok, err := s.Store.Get(ctx, probeID)
	if err != nil || !ok {
		return nil, err
	}
	spec, err := s.spec(ctx, r.Run)
	if err != nil {
		return nil, err
	}
	g, err := s.grade(ctx, r, spec)
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// runCard computes the run card of one target and channel.
func (s *Scorer) runCard(ctx context.Context, run, target, channel string, rows []store.Scored) (scoring.Card, store.ScoreRow, error) {
	rec, err := s.specs.get(ctx, s.Store, run)
	if err != nil {
		return scoring.Card{}, store.ScoreRow{}, err
	}
	key := scoring.Key{Target: target, Channel: channel, Industry: newest(rows).Industry, Window: scoring.WindowRun, Run: run,
		From: rec.run.Start, To: rec.run.End}
	c := scoring.Compute(key, probesOf(rows), Settings(rec.spec, channel))
	row, err := s.row(c, rows)
	return c, row, err
}

// trailing computes the 7 and 30 day cards of each (target, channel) in pairs.
func (s *Scorer) trailing(ctx context.Context, anchor time.Time, pairs [][2]string) ([]scoring.Card, []store.ScoreRow, error) {
	var cards []scoring.Card
	var rows []store.ScoreRow
	for _, w := range []scoring.Window{scoring.Window7d, scoring.Window30d} {
		for _, p := range pairs {
			c, row, err := s.trailingCard(ctx, w, anchor, p)
			if err != nil {
				return nil, nil, err
			}
			cards, rows = append(cards, c), append(rows, row)
		}
	}
	return cards, rows, nil
}

// trailingCard computes the card of trailing window w for one (target, channel), with
// the settings of the run of its newest probe (the defaults when it has none).
func (s *Scorer) trailingCard(ctx context.Context, w scoring.Window, anchor time.Time, p [2]string) (scoring.Card, store.ScoreRow, error) {
	from, to := scoring.Trailing(w, anchor)
	sel, err := s.read(ctx, store.Filter{Target: p[0], Channel: p[1], From: from, To: to})
	if err != nil {
		return scoring.Card{}, store.ScoreRow{}, err
	}
	key := scoring.Key{Target: p[0], Channel: p[1], Window: w, From: from, To: to}
	settings := Settings(nil, p[1])
	if len(sel) > 0 {
		n := newest(sel)
		key.Industry = n.Industry
		spec, err := s.spec(ctx, n.Run)
		if err != nil {
			return scoring.Card{}, store.ScoreRow{}, err
		}
		settings = Settings(spec, p[1])
	}
	c := scoring.Compute(key, probesOf(sel), settings)
	row, err := s.row(c, sel)
	return c, row, err
}

// pairs lists every (target, channel) with results.
func (s *Scorer) pairs(ctx context.Context) ([][2]string, error) {
	keys, err := s.Store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	return pairsOf(keys), nil
}

// pairsOf lists the distinct (target, channel) of keys, in their order.
func pairsOf(keys []store.Key) [][2]string {
	seen := map[[2]string]bool{}
	var out [][2]string
	for _, k := range keys {
		p := [2]string{k.Target, k.Channel}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// row is the stored form of card c made from rows.
func (s *Scorer) row(c scoring.Card, rows []store.Scored) (store.ScoreRow, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return store.ScoreRow{}, fmt.Errorf("encode card of %s %s: %w", c.Target, c.Channel, err)
	}
	r := store.ScoreRow{Window: string(c.Window), Run: c.Run, Target: c.Target, Channel: c.Channel, Industry: c.Industry,
		Tier: int(c.Tier), Insufficient: c.Insufficient, From: c.From, To: c.To, Card: b, ComputedAt: s.now()}
	if c.Score.Value.Valid() {
		v := c.Score.Value.F()
		r.Score = &v
	}
	for _, sc := range rows {
		r.Basis += sc.Writes
	}
	return r, nil
}

// newest is the result planned last (ties: the greatest probe id); rows is not empty.
func newest(rows []store.Scored) store.Scored {
	n := rows[0]
	for _, r := range rows[1:] {
		if r.PlannedAt.After(n.PlannedAt) || (r.PlannedAt.Equal(n.PlannedAt) && r.ProbeID > n.ProbeID) {
			n = r
		}
	}
	return n
}

// Probes converts stored results to scoring's probes, as the cards are made from them.
func Probes(rows []store.Scored) []scoring.Probe { return probesOf(rows) }

// probesOf converts stored results to scoring's probes.
func probesOf(rows []store.Scored) []scoring.Probe {
	out := make([]scoring.Probe, len(rows))
	for i, r := range rows {
		start := r.StartedAt
		if start.IsZero() {
			start = r.PlannedAt
		}
		p := scoring.Probe{ID: r.ProbeID, Outcome: r.Outcome, Reason: r.Reason, Start: start,
			First: num(r.FirstResponseS), Human: num(r.HumanResponseS), Quality: scoring.NaN}
		if r.Outcome == result.Failed {
			p.First, p.Human = scoring.NaN, scoring.NaN // latencies never count for failures
		}
		if r.Grade != nil {
			p.Quality = num(r.Grade.Quality)
		}
		out[i] = p
	}
	return out
}

func num(v *float64) scoring.Num {
	if v == nil || math.IsNaN(*v) {
		return scoring.NaN
	}
	return scoring.Num(*v)
}
