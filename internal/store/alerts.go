package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Alerts keeps the degradation alerts: one firing alert at most per target, channel
// and kind, and every alert that ever fired, with its evidence.
type Alerts interface {
	// AlertState returns the firing alerts of target on channel, and when the latest
	// alert of each kind resolved (for the cooldown).
	AlertState(ctx context.Context, target, channel string) (firing []Alert, lastResolved map[string]time.Time, err error)
	// OpenAlert stores a as firing, unless an alert of its target, channel and kind is
	// firing already: then nothing changes and opened is false. An empty a.ID is made
	// from the target, channel, kind and opening time.
	OpenAlert(ctx context.Context, a Alert) (stored Alert, opened bool, err error)
	// ResolveAlert resolves the firing alert id at at, with the evaluation that cleared
	// it. resolved is false when the alert is not firing (resolved already, or unknown).
	ResolveAlert(ctx context.Context, id string, at time.Time, summary string, evidence []byte) (stored Alert, resolved bool, err error)
	// GetAlert returns one alert; ok is false when there is none. id may be a unique
	// prefix of at least 4 characters.
	GetAlert(ctx context.Context, id string) (a Alert, ok bool, err error)
	// ListAlerts returns the alerts f selects, newest opening first.
	ListAlerts(ctx context.Context, f AlertFilter) ([]Alert, error)
	// Deliverable returns what Alertmanager must be told: every firing alert, and
	// every alert resolved at or after since.
	Deliverable(ctx context.Context, since time.Time) ([]Alert, error)
	// MarkDelivered records that an Alertmanager accepted version of alert id at at.
	// The delivered version only grows.
	MarkDelivered(ctx context.Context, id string, version int64, at time.Time) error
}

// Alert states.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// Alert is one degradation alert.
type Alert struct {
	ID, Client, Target, Channel, Kind, Severity string
	// Run and Campaign are those of the result whose evaluation opened the alert.
	Run, Campaign string
	// State is AlertFiring or AlertResolved.
	State string
	// OpenedAt is when the alert opened; Since is when its degraded probes begin (the
	// detector's baseline ends there while the alert is firing).
	OpenedAt, Since time.Time
	// ResolvedAt is zero while firing.
	ResolvedAt time.Time
	// Summary says in words why the alert opened; Resolution why it resolved.
	Summary, Resolution string
	// Evidence and ResolvedEvidence are the detector's findings (JSON) at opening and
	// at resolution.
	Evidence, ResolvedEvidence []byte
	// Version counts the changes to deliver (1 opened, 2 resolved); Delivered is the
	// highest version an Alertmanager accepted, at DeliveredAt.
	Version, Delivered int64
	DeliveredAt        time.Time
}

// AlertFilter selects alerts; empty fields select all.
type AlertFilter struct {
	State, Client, Target, Channel, Kind string
	// Since keeps the alerts opened at or after it, or still firing.
	Since time.Time
	// Limit bounds the number returned (0: no bound).
	Limit int
}

// AlertID is the id of the alert of target, channel and kind opened at openedAt: ten
// hexadecimal digits, stable for the same inputs.
func AlertID(target, channel, kind string, openedAt time.Time) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%d", target, channel, kind, openedAt.UnixNano()))
	return hex.EncodeToString(sum[:5])
}

const alertColumns = `id, client, target, channel, kind, severity, run, campaign, state, opened_at, since, resolved_at,
	summary, resolution, evidence, resolved_evidence, version, delivered, delivered_at`

func scanAlert(row scanner) (Alert, error) {
	var (
		a                        Alert
		opened                   int64
		since, resolved, deliver sql.NullInt64
	)
	err := row.Scan(&a.ID, &a.Client, &a.Target, &a.Channel, &a.Kind, &a.Severity, &a.Run, &a.Campaign, &a.State,
		&opened, &since, &resolved, &a.Summary, &a.Resolution, &a.Evidence, &a.ResolvedEvidence, &a.Version, &a.Delivered, &deliver)
	if err != nil {
		return Alert{}, err
	}
	a.OpenedAt = time.Unix(0, opened).UTC()
	a.Since, a.ResolvedAt, a.DeliveredAt = nanosTime(since), nanosTime(resolved), nanosTime(deliver)
	return a, nil
}

// queryAlerts runs a SELECT of alertColumns with the given tail.
func (s *sqlStore) queryAlerts(ctx context.Context, what, tail string, args ...any) ([]Alert, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+alertColumns+" FROM alerts "+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// AlertState implements Alerts.
func (s *sqlStore) AlertState(ctx context.Context, target, channel string) ([]Alert, map[string]time.Time, error) {
	firing, err := s.queryAlerts(ctx, "read alert state", `WHERE target = ? AND channel = ? AND state = 'firing' ORDER BY opened_at, id`, target, channel)
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT kind, MAX(resolved_at) FROM alerts
		WHERE target = ? AND channel = ? AND resolved_at IS NOT NULL GROUP BY kind`, target, channel)
	if err != nil {
		return nil, nil, fmt.Errorf("read alert state: %w", err)
	}
	defer rows.Close()
	last := map[string]time.Time{}
	for rows.Next() {
		var kind string
		var at sql.NullInt64
		if err := rows.Scan(&kind, &at); err != nil {
			return nil, nil, fmt.Errorf("read alert state: %w", err)
		}
		last[kind] = nanosTime(at)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read alert state: %w", err)
	}
	return firing, last, nil
}

// OpenAlert implements Alerts.
func (s *sqlStore) OpenAlert(ctx context.Context, a Alert) (Alert, bool, error) {
	if a.OpenedAt.IsZero() {
		a.OpenedAt = time.Now()
	}
	a.OpenedAt = a.OpenedAt.UTC()
	if a.ID == "" {
		a.ID = AlertID(a.Target, a.Channel, a.Kind, a.OpenedAt)
	}
	if a.Client == "" {
		a.Client = a.Target
	}
	a.State, a.Version, a.Delivered, a.ResolvedAt = AlertFiring, 1, 0, time.Time{}
	since, err := timeNanos(a.Since)
	if err != nil {
		return Alert{}, false, fmt.Errorf("open alert: %w", err)
	}
	res, err := s.writer.ExecContext(ctx, `INSERT INTO alerts (id, client, target, channel, kind, severity, run, campaign,
		state, opened_at, since, summary, evidence, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'firing', ?, ?, ?, ?, 1)
		ON CONFLICT DO NOTHING`,
		a.ID, a.Client, a.Target, a.Channel, a.Kind, a.Severity, a.Run, a.Campaign, a.OpenedAt.UnixNano(), since, a.Summary, a.Evidence)
	if err != nil {
		return Alert{}, false, fmt.Errorf("open %s alert of %s on %s: %w", a.Kind, a.Target, a.Channel, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return Alert{}, false, err
	}
	return a, true, nil
}

// ResolveAlert implements Alerts.
func (s *sqlStore) ResolveAlert(ctx context.Context, id string, at time.Time, summary string, evidence []byte) (Alert, bool, error) {
	if at.IsZero() {
		at = time.Now()
	}
	res, err := s.writer.ExecContext(ctx, `UPDATE alerts SET state = 'resolved', resolved_at = ?, resolution = ?,
		resolved_evidence = ?, version = 2 WHERE id = ? AND state = 'firing'`, at.UTC().UnixNano(), summary, evidence, id)
	if err != nil {
		return Alert{}, false, fmt.Errorf("resolve alert %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return Alert{}, false, err
	}
	a, ok, err := s.getAlert(ctx, s.writer, id)
	if err != nil || !ok {
		return Alert{}, false, fmt.Errorf("resolve alert %s: read back: %w", id, errors.Join(err, errNotFound(ok)))
	}
	return a, true, nil
}

func errNotFound(ok bool) error {
	if ok {
		return nil
	}
	return errors.New("not found")
}

// getAlert reads one alert by its exact id through db.
func (s *sqlStore) getAlert(ctx context.Context, db sqlDB, id string) (Alert, bool, error) {
	a, err := scanAlert(db.QueryRowContext(ctx, "SELECT "+alertColumns+" FROM alerts WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Alert{}, false, nil
	}
	if err != nil {
		return Alert{}, false, fmt.Errorf("read alert %s: %w", id, err)
	}
	return a, true, nil
}

// GetAlert implements Alerts.
func (s *sqlStore) GetAlert(ctx context.Context, id string) (Alert, bool, error) {
	if a, ok, err := s.getAlert(ctx, s.reader, id); ok || err != nil {
		return a, ok, err
	}
	if len(id) < 4 || strings.ContainsAny(id, "%_") {
		return Alert{}, false, nil
	}
	found, err := s.queryAlerts(ctx, "read alert "+id, `WHERE id LIKE ? ORDER BY id LIMIT 2`, id+"%")
	if err != nil {
		return Alert{}, false, err
	}
	switch len(found) {
	case 0:
		return Alert{}, false, nil
	case 1:
		return found[0], true, nil
	}
	return Alert{}, false, fmt.Errorf("alert id %q is ambiguous: %s, %s, ... (give more characters)", id, found[0].ID, found[1].ID)
}

// ListAlerts implements Alerts.
func (s *sqlStore) ListAlerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"state", f.State}, {"client", f.Client}, {"target", f.Target}, {"channel", f.Channel}, {"kind", f.Kind}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	if !f.Since.IsZero() {
		where, args = append(where, "(opened_at >= ? OR state = 'firing')"), append(args, f.Since.UnixNano())
	}
	tail := ""
	if len(where) > 0 {
		tail = "WHERE " + strings.Join(where, " AND ")
	}
	tail += " ORDER BY opened_at DESC, id"
	if f.Limit > 0 {
		tail += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return s.queryAlerts(ctx, "list alerts", tail, args...)
}

// Deliverable implements Alerts.
func (s *sqlStore) Deliverable(ctx context.Context, since time.Time) ([]Alert, error) {
	return s.queryAlerts(ctx, "read alerts to deliver", `WHERE state = 'firing' OR resolved_at >= ? ORDER BY opened_at, id`, since.UnixNano())
}

// MarkDelivered implements Alerts.
func (s *sqlStore) MarkDelivered(ctx context.Context, id string, version int64, at time.Time) error {
	_, err := s.writer.ExecContext(ctx, `UPDATE alerts SET delivered = ?, delivered_at = ? WHERE id = ? AND delivered <= ?`,
		version, at.UTC().UnixNano(), id, version)
	if err != nil {
		return fmt.Errorf("mark alert %s delivered: %w", id, err)
	}
	return nil
}
