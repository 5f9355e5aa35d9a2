package store

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// upsertSQL inserts a result or replaces every field of the existing row when the new
// result has a higher revision (a correction), and returns how many times the row has
// been written (no row when the stored revision is the same or higher: a duplicate, a
// relaunched probe's second result or an older correction arriving late never
// replaces what is stored). It is one statement, so it is atomic under
// concurrent upserts of the same probe id from any number of connections or
// processes: exactly one of them reads back writes = 1.
const upsertSQL = `INSERT INTO results (
	probe_id, run, campaign, target, industry, channel, scenario,
	planned_at, started_at, finished_at, outcome, reason,
	first_response_s, human_response_s, duration_s, evidence,
	writes, created_at, updated_at, revision
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
ON CONFLICT (probe_id) DO UPDATE SET
	run = excluded.run,
	campaign = excluded.campaign,
	target = excluded.target,
	industry = excluded.industry,
	channel = excluded.channel,
	scenario = excluded.scenario,
	planned_at = excluded.planned_at,
	started_at = excluded.started_at,
	finished_at = excluded.finished_at,
	outcome = excluded.outcome,
	reason = excluded.reason,
	first_response_s = excluded.first_response_s,
	human_response_s = excluded.human_response_s,
	duration_s = excluded.duration_s,
	evidence = excluded.evidence,
	writes = results.writes + 1,
	updated_at = excluded.updated_at,
	revision = excluded.revision
WHERE excluded.revision > results.revision
RETURNING writes`

// selectSQL reads the columns that scanResult expects.
const selectSQL = `SELECT probe_id, run, campaign, target, industry, channel, scenario,
	planned_at, started_at, finished_at, outcome, reason,
	first_response_s, human_response_s, duration_s, evidence, revision
FROM results`

// Bounds of a time.Time that fits in int64 nanoseconds since the epoch (1677..2262).
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// upsertArgs validates r and returns the arguments of upsertSQL.
func upsertArgs(r result.Result) ([]any, error) {
	if r.ProbeID == "" {
		return nil, errors.New("result has no probe id")
	}
	if !r.Outcome.Valid() {
		return nil, fmt.Errorf("result %q: invalid outcome %q", r.ProbeID, r.Outcome)
	}
	args := []any{r.ProbeID, r.Run, r.Campaign, r.Target, r.Industry, r.Channel, r.Scenario}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"planned_at", r.PlannedAt}, {"started_at", r.StartedAt}, {"finished_at", r.FinishedAt}} {
		n, err := timeNanos(f.t)
		if err != nil {
			return nil, fmt.Errorf("result %q: %s: %w", r.ProbeID, f.name, err)
		}
		args = append(args, n)
	}
	args = append(args, string(r.Outcome), r.Reason)
	for _, f := range []struct {
		name string
		v    *float64
	}{{"first_response_s", r.FirstResponseS}, {"human_response_s", r.HumanResponseS}, {"duration_s", &r.DurationS}} {
		if f.v != nil && (math.IsNaN(*f.v) || math.IsInf(*f.v, 0)) {
			return nil, fmt.Errorf("result %q: %s is %v", r.ProbeID, f.name, *f.v)
		}
	}
	args = append(args, nullFloat(r.FirstResponseS), nullFloat(r.HumanResponseS), r.DurationS)
	var evidence any // NULL when empty
	if len(r.Evidence) > 0 {
		evidence = r.Evidence
	}
	now := time.Now().UnixNano()
	return append(args, evidence, now, now, r.Revision), nil
}

// timeNanos encodes t as nanoseconds since the epoch; the zero time is NULL.
func timeNanos(t time.Time) (sql.NullInt64, error) {
	if t.IsZero() {
		return sql.NullInt64{}, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return sql.NullInt64{}, fmt.Errorf("time %s out of range", t.Format(time.RFC3339Nano))
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}, nil
}

// nanosTime decodes timeNanos: a UTC time, or the zero time for NULL.
func nanosTime(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// nullFloat encodes an optional float.
func nullFloat(v *float64) sql.NullFloat64 {
	if v == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *v, Valid: true}
}

// floatPtr decodes nullFloat.
func floatPtr(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	f := v.Float64
	return &f
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanResult reads one row of selectSQL. Times come back in UTC.
func scanResult(row scanner) (result.Result, error) {
	var (
		r                          result.Result
		planned, started, finished sql.NullInt64
		first, human               sql.NullFloat64
		outcome                    string
	)
	err := row.Scan(&r.ProbeID, &r.Run, &r.Campaign, &r.Target, &r.Industry, &r.Channel, &r.Scenario,
		&planned, &started, &finished, &outcome, &r.Reason,
		&first, &human, &r.DurationS, &r.Evidence, &r.Revision)
	if err != nil {
		return result.Result{}, err
	}
	r.PlannedAt, r.StartedAt, r.FinishedAt = nanosTime(planned), nanosTime(started), nanosTime(finished)
	r.Outcome = result.Outcome(outcome)
	r.FirstResponseS, r.HumanResponseS = floatPtr(first), floatPtr(human)
	if len(r.Evidence) == 0 {
		r.Evidence = nil
	}
	return r, nil
}
