package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// Scores keeps what scoring makes of the results: answer grades per probe and
// scorecards per window, target and channel.
type Scores interface {
	// Scoring returns what scoring reads of the results f selects, with each one's
	// grade, ordered by probe id. It reads no evidence.
	Scoring(ctx context.Context, f Filter) ([]Scored, error)
	// Keys returns every (run, target, channel) with results, ordered.
	Keys(ctx context.Context) ([]Key, error)
	// Anchor returns the latest planned time of any result (zero with no results).
	Anchor(ctx context.Context) (time.Time, error)
	// Qualities returns the graded quality of the results of run ("" every run) that
	// have a grade with a quality, by probe id.
	Qualities(ctx context.Context, run string) (map[string]float64, error)
	// PutGrades stores grades, replacing the grade of the same probe.
	PutGrades(ctx context.Context, gs []Grade) error
	// GetGrade returns the grade of a probe; ok is false when there is none.
	GetGrade(ctx context.Context, probeID string) (g Grade, ok bool, err error)
	// PutScores writes scorecards, replacing those with the same window, run, target
	// and channel, in one transaction. With replaceAll, every stored scorecard is
	// deleted first (a rebuild): readers see the old set or the new one, never a mix.
	PutScores(ctx context.Context, rows []ScoreRow, replaceAll bool) error
	// TrailingBehind reports whether a stored trailing-window card ends before to (the
	// newest results moved the trailing windows on: every trailing card is stale).
	TrailingBehind(ctx context.Context, to time.Time) (bool, error)
	// ListScores returns the scorecards f selects (Run, Target, Channel, Industry and
	// Window; empty fields select all), ordered by window, run, channel, then target.
	ListScores(ctx context.Context, f ScoreFilter) ([]ScoreRow, error)
}

// Filter selects results for scoring: of one run (Run set), or planned in [From, To)
// (Run empty); Target and Channel, when set, narrow it.
type Filter struct {
	Run, Target, Channel string
	From, To             time.Time
}

// Key names the results of one target on one channel in one run.
type Key struct {
	Run, Target, Channel string
}

// Scored is what scoring reads of one result.
type Scored struct {
	ProbeID, Run, Campaign, Target, Industry, Channel, Scenario string
	Outcome                                                     result.Outcome
	Reason                                                      string
	PlannedAt, StartedAt                                        time.Time
	FirstResponseS, HumanResponseS                              *float64
	Revision                                                    int64
	// Writes counts the writes of the stored row (see ScoreRow.Basis).
	Writes int64
	// Grade is the stored grade of the probe, nil when there is none.
	Grade *GradeHead
}

// GradeHead is a grade without its checks.
type GradeHead struct {
	// Revision is the result revision that was graded; Version the grader's rules version.
	Revision, Version int64
	// Quality is 0..1, nil when no check applied.
	Quality *float64
}

// Grade is the grading of one probe's answers.
type Grade struct {
	ProbeID string
	GradeHead
	// Checks is the grader's checks, JSON.
	Checks   []byte
	GradedAt time.Time
}

// ScoreRow is one stored scorecard.
type ScoreRow struct {
	Window, Run, Target, Channel, Industry string
	// Score is nil when none was published; Tier is the stakeout_tier value (-1: none).
	Score        *float64
	Tier         int
	Insufficient bool
	From, To     time.Time
	// Basis is the sum of the write counts of the results the card was made from. A
	// card replaces a stored one only with a later To, or the same To and a basis at
	// least as high: a computation that read older results never overwrites a newer one.
	Basis int64
	// Card is the scorecard, JSON (scoring.Card).
	Card       []byte
	ComputedAt time.Time
}

// ScoreFilter selects stored scorecards; empty fields select all.
type ScoreFilter struct {
	Window, Run, Target, Channel, Industry string
}

const scoringSQL = `SELECT r.probe_id, r.run, r.campaign, r.target, r.industry, r.channel, r.scenario,
	r.outcome, r.reason, r.planned_at, r.started_at, r.first_response_s, r.human_response_s, r.revision, r.writes,
	g.revision, g.version, g.quality
FROM results r LEFT JOIN grades g ON g.probe_id = r.probe_id`

// Scoring implements Scores.
func (s *sqlStore) Scoring(ctx context.Context, f Filter) ([]Scored, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if f.Run != "" {
		add("r.run = ?", f.Run)
	} else {
		add("r.planned_at >= ?", f.From.UnixNano())
		add("r.planned_at < ?", f.To.UnixNano())
	}
	if f.Target != "" {
		add("r.target = ?", f.Target)
	}
	if f.Channel != "" {
		add("r.channel = ?", f.Channel)
	}
	// No ORDER BY: it would tempt SQLite into the (run, probe_id) index, which scans the
	// whole run for one target and channel; the rows are sorted here instead.
	query := scoringSQL + " WHERE " + strings.Join(where, " AND ")
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read results for scoring: %w", err)
	}
	defer rows.Close()
	var out []Scored
	for rows.Next() {
		sc, err := scanScored(rows)
		if err != nil {
			return nil, fmt.Errorf("read results for scoring: %w", err)
		}
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read results for scoring: %w", err)
	}
	slices.SortFunc(out, func(a, b Scored) int { return strings.Compare(a.ProbeID, b.ProbeID) })
	return out, nil
}

func scanScored(row scanner) (Scored, error) {
	var (
		sc               Scored
		outcome          string
		planned, started sql.NullInt64
		first, human     sql.NullFloat64
		grev, gver       sql.NullInt64
		quality          sql.NullFloat64
	)
	err := row.Scan(&sc.ProbeID, &sc.Run, &sc.Campaign, &sc.Target, &sc.Industry, &sc.Channel, &sc.Scenario,
		&outcome, &sc.Reason, &planned, &started, &first, &human, &sc.Revision, &sc.Writes, &grev, &gver, &quality)
	if err != nil {
		return Scored{}, err
	}
	sc.Outcome = result.Outcome(outcome)
	sc.PlannedAt, sc.StartedAt = nanosTime(planned), nanosTime(started)
	sc.FirstResponseS, sc.HumanResponseS = floatPtr(first), floatPtr(human)
	if grev.Valid {
		sc.Grade = &GradeHead{Revision: grev.Int64, Version: gver.Int64, Quality: floatPtr(quality)}
	}
	return sc, nil
}

// Keys implements Scores.
func (s *sqlStore) Keys(ctx context.Context) ([]Key, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT DISTINCT run, target, channel FROM results ORDER BY run, target, channel`)
	if err != nil {
		return nil, fmt.Errorf("list scoring keys: %w", err)
	}
	defer rows.Close()
	var out []Key
	for rows.Next() {
		var k Key
		if err := rows.Scan(&k.Run, &k.Target, &k.Channel); err != nil {
			return nil, fmt.Errorf("list scoring keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list scoring keys: %w", err)
	}
	return out, nil
}

// Anchor implements Scores.
func (s *sqlStore) Anchor(ctx context.Context) (time.Time, error) {
	var n sql.NullInt64
	if err := s.reader.QueryRowContext(ctx, `SELECT MAX(planned_at) FROM results`).Scan(&n); err != nil {
		return time.Time{}, fmt.Errorf("read newest planned time: %w", err)
	}
	return nanosTime(n), nil
}

// Qualities implements Scores.
func (s *sqlStore) Qualities(ctx context.Context, run string) (map[string]float64, error) {
	query, args := `SELECT probe_id, quality FROM grades WHERE quality IS NOT NULL`, []any(nil)
	if run != "" {
		query = `SELECT g.probe_id, g.quality FROM grades g JOIN results r ON r.probe_id = g.probe_id
			WHERE r.run = ? AND g.quality IS NOT NULL`
		args = []any{run}
	}
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read qualities: %w", err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var id string
		var q float64
		if err := rows.Scan(&id, &q); err != nil {
			return nil, fmt.Errorf("read qualities: %w", err)
		}
		out[id] = q
	}
	return out, rows.Err()
}

const putGradeSQL = `INSERT INTO grades (probe_id, revision, version, quality, checks, graded_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (probe_id) DO UPDATE SET revision = excluded.revision, version = excluded.version,
	quality = excluded.quality, checks = excluded.checks, graded_at = excluded.graded_at`

// PutGrades implements Scores.
func (s *sqlStore) PutGrades(ctx context.Context, gs []Grade) error {
	return s.inTx(ctx, "store grades", func(tx sqlTx) error {
		stmt, err := tx.PrepareContext(ctx, putGradeSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, g := range gs {
			at := g.GradedAt
			if at.IsZero() {
				at = time.Now()
			}
			if _, err := stmt.ExecContext(ctx, g.ProbeID, g.Revision, g.Version, nullFloat(g.Quality), g.Checks, at.UnixNano()); err != nil {
				return fmt.Errorf("probe %s: %w", g.ProbeID, err)
			}
		}
		return nil
	})
}

// GetGrade implements Scores.
func (s *sqlStore) GetGrade(ctx context.Context, probeID string) (Grade, bool, error) {
	g := Grade{ProbeID: probeID}
	var quality sql.NullFloat64
	var at int64
	err := s.reader.QueryRowContext(ctx, `SELECT revision, version, quality, checks, graded_at FROM grades WHERE probe_id = ?`, probeID).
		Scan(&g.Revision, &g.Version, &quality, &g.Checks, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Grade{}, false, nil
	}
	if err != nil {
		return Grade{}, false, fmt.Errorf("read grade of %s: %w", probeID, err)
	}
	g.Quality, g.GradedAt = floatPtr(quality), time.Unix(0, at).UTC()
	return g, true, nil
}

const putScoreSQL = `INSERT INTO scores (win, run, target, channel, industry, score, tier, insufficient,
	win_from, win_to, basis, card, computed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (win, run, target, channel) DO UPDATE SET industry = excluded.industry, score = excluded.score,
	tier = excluded.tier, insufficient = excluded.insufficient, win_from = excluded.win_from,
	win_to = excluded.win_to, basis = excluded.basis, card = excluded.card, computed_at = excluded.computed_at
WHERE COALESCE(excluded.win_to, 0) > COALESCE(scores.win_to, 0)
	OR (COALESCE(excluded.win_to, 0) = COALESCE(scores.win_to, 0) AND excluded.basis >= scores.basis)`

// PutScores implements Scores.
func (s *sqlStore) PutScores(ctx context.Context, rows []ScoreRow, replaceAll bool) error {
	return s.inTx(ctx, "store scores", func(tx sqlTx) error {
		if replaceAll {
			if _, err := tx.ExecContext(ctx, `DELETE FROM scores`); err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, putScoreSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range rows {
			from, err1 := timeNanos(r.From)
			to, err2 := timeNanos(r.To)
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			at := r.ComputedAt
			if at.IsZero() {
				at = time.Now()
			}
			if _, err := stmt.ExecContext(ctx, r.Window, r.Run, r.Target, r.Channel, r.Industry, nullFloat(r.Score), r.Tier,
				boolInt(r.Insufficient), from, to, r.Basis, r.Card, at.UnixNano()); err != nil {
				return fmt.Errorf("%s %s %s %s: %w", r.Window, r.Run, r.Target, r.Channel, err)
			}
		}
		return nil
	})
}

// TrailingBehind implements Scores.
func (s *sqlStore) TrailingBehind(ctx context.Context, to time.Time) (bool, error) {
	var behind bool
	err := s.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM scores WHERE win <> 'run' AND COALESCE(win_to, 0) < ?)`, to.UnixNano()).Scan(&behind)
	if err != nil {
		return false, fmt.Errorf("read trailing scores: %w", err)
	}
	return behind, nil
}

// ListScores implements Scores.
func (s *sqlStore) ListScores(ctx context.Context, f ScoreFilter) ([]ScoreRow, error) {
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"win", f.Window}, {"run", f.Run}, {"target", f.Target}, {"channel", f.Channel}, {"industry", f.Industry}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	query := `SELECT win, run, target, channel, industry, score, tier, insufficient, win_from, win_to, basis, card, computed_at FROM scores`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.reader.QueryContext(ctx, query+" ORDER BY win, run, channel, target", args...)
	if err != nil {
		return nil, fmt.Errorf("read scores: %w", err)
	}
	defer rows.Close()
	var out []ScoreRow
	for rows.Next() {
		var (
			r          ScoreRow
			score      sql.NullFloat64
			insuff     int64
			from, to   sql.NullInt64
			computedAt int64
		)
		if err := rows.Scan(&r.Window, &r.Run, &r.Target, &r.Channel, &r.Industry, &score, &r.Tier, &insuff, &from, &to, &r.Basis, &r.Card, &computedAt); err != nil {
			return nil, fmt.Errorf("read scores: %w", err)
		}
		r.Score, r.Insufficient, r.From, r.To = floatPtr(score), insuff != 0, nanosTime(from), nanosTime(to)
		r.ComputedAt = time.Unix(0, computedAt).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read scores: %w", err)
	}
	return out, nil
}

// inTx runs fn in one write transaction.
func (s *sqlStore) inTx(ctx context.Context, what string, fn func(sqlTx) error) (err error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", what, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
