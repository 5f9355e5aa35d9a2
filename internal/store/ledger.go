package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

const recordRunSQL = `INSERT INTO runs (run, campaign, spec, total, window_start, window_end, launched_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (run) DO UPDATE SET
	total = excluded.total,
	window_start = excluded.window_start,
	window_end = excluded.window_end`

// RecordRun implements Ledger.
func (s *sqlStore) RecordRun(ctx context.Context, r Run) error {
	start, err1 := timeNanos(r.Start)
	end, err2 := timeNanos(r.End)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("record run %s: %w", r.ID, err)
	}
	launched := r.LaunchedAt
	if launched.IsZero() {
		launched = time.Now()
	}
	_, err := s.writer.ExecContext(ctx, recordRunSQL, r.ID, r.Campaign, r.Spec, r.Total, start, end, launched.UnixNano())
	if err != nil {
		return fmt.Errorf("record run %s: %w", r.ID, err)
	}
	return nil
}

// GetRun implements Ledger.
func (s *sqlStore) GetRun(ctx context.Context, run string) (Run, bool, error) {
	var (
		r          = Run{ID: run}
		start, end sql.NullInt64
		launched   int64
	)
	err := s.reader.QueryRowContext(ctx,
		`SELECT campaign, spec, total, window_start, window_end, launched_at FROM runs WHERE run = ?`, run).
		Scan(&r.Campaign, &r.Spec, &r.Total, &start, &end, &launched)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("read run %s: %w", run, err)
	}
	r.Start, r.End = nanosTime(start), nanosTime(end)
	r.LaunchedAt = time.Unix(0, launched).UTC()
	return r, true, nil
}

const recordSendSQL = `INSERT INTO sends (probe_id, run, target, channel, mailbox, token, message_id,
	sent_at, t0, deadline, record, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (probe_id) DO NOTHING`

// RecordSend implements Ledger.
func (s *sqlStore) RecordSend(ctx context.Context, sd Send) error {
	if sd.ProbeID == "" {
		return errors.New("record send: no probe id")
	}
	var args []any
	for _, t := range []time.Time{sd.SentAt, sd.T0, sd.Deadline} {
		n, err := timeNanos(t)
		if err != nil {
			return fmt.Errorf("record send of %s: %w", sd.ProbeID, err)
		}
		args = append(args, n)
	}
	if !args[0].(sql.NullInt64).Valid {
		args[0] = time.Now().UnixNano()
	}
	_, err := s.writer.ExecContext(ctx, recordSendSQL, append([]any{sd.ProbeID, sd.Run, sd.Target, sd.Channel,
		sd.Mailbox, sd.Token, sd.MessageID}, append(args, sd.Record, time.Now().UnixNano())...)...)
	if err != nil {
		return fmt.Errorf("record send of %s: %w", sd.ProbeID, err)
	}
	return nil
}

// ConfirmSend implements Ledger.
func (s *sqlStore) ConfirmSend(ctx context.Context, probeID string, t0, deadline time.Time) error {
	a, err1 := timeNanos(t0)
	b, err2 := timeNanos(deadline)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("confirm send of %s: %w", probeID, err)
	}
	_, err := s.writer.ExecContext(ctx, `UPDATE sends SET t0 = ?, deadline = ? WHERE probe_id = ? AND t0 IS NULL`, a, b, probeID)
	if err != nil {
		return fmt.Errorf("confirm send of %s: %w", probeID, err)
	}
	return nil
}

// AbandonSend implements Ledger.
func (s *sqlStore) AbandonSend(ctx context.Context, probeID string) error {
	if _, err := s.writer.ExecContext(ctx, `DELETE FROM sends WHERE probe_id = ? AND t0 IS NULL`, probeID); err != nil {
		return fmt.Errorf("abandon send of %s: %w", probeID, err)
	}
	return nil
}

const selectSendSQL = `SELECT probe_id, run, target, channel, mailbox, token, message_id, sent_at, t0, deadline, record FROM sends`

// scanSend reads one row of selectSendSQL.
func scanSend(row scanner) (Send, error) {
	var (
		sd           Send
		sent         int64
		t0, deadline sql.NullInt64
	)
	err := row.Scan(&sd.ProbeID, &sd.Run, &sd.Target, &sd.Channel, &sd.Mailbox, &sd.Token, &sd.MessageID,
		&sent, &t0, &deadline, &sd.Record)
	if err != nil {
		return Send{}, err
	}
	sd.SentAt = time.Unix(0, sent).UTC()
	sd.T0, sd.Deadline = nanosTime(t0), nanosTime(deadline)
	return sd, nil
}

// GetSend implements Ledger.
func (s *sqlStore) GetSend(ctx context.Context, probeID string) (Send, bool, error) {
	sd, err := scanSend(s.reader.QueryRowContext(ctx, selectSendSQL+" WHERE probe_id = ?", probeID))
	if errors.Is(err, sql.ErrNoRows) {
		return Send{}, false, nil
	}
	if err != nil {
		return Send{}, false, fmt.Errorf("read send of %s: %w", probeID, err)
	}
	return sd, true, nil
}

// Done implements Ledger.
func (s *sqlStore) Done(ctx context.Context, run string) (map[string]result.Outcome, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT probe_id, '' FROM sends WHERE run = ?
		AND probe_id NOT IN (SELECT probe_id FROM results WHERE run = ?)
		UNION ALL SELECT probe_id, outcome FROM results WHERE run = ?`, run, run, run)
	if err != nil {
		return nil, fmt.Errorf("read sends of run %s: %w", run, err)
	}
	defer rows.Close()
	done := map[string]result.Outcome{}
	for rows.Next() {
		var id, outcome string
		if err := rows.Scan(&id, &outcome); err != nil {
			return nil, fmt.Errorf("read sends of run %s: %w", run, err)
		}
		done[id] = result.Outcome(outcome)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sends of run %s: %w", run, err)
	}
	return done, nil
}

// OpenSends implements Ledger.
func (s *sqlStore) OpenSends(ctx context.Context, channel string) ([]Send, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT s.probe_id, s.run, s.target, s.channel, s.mailbox, s.token,
		s.message_id, s.sent_at, s.t0, s.deadline, s.record
		FROM sends s LEFT JOIN results r ON r.probe_id = s.probe_id
		WHERE s.channel = ? AND r.probe_id IS NULL ORDER BY s.probe_id`, channel)
	if err != nil {
		return nil, fmt.Errorf("read open sends: %w", err)
	}
	defer rows.Close()
	var out []Send
	for rows.Next() {
		sd, err := scanSend(rows)
		if err != nil {
			return nil, fmt.Errorf("read open sends: %w", err)
		}
		out = append(out, sd)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read open sends: %w", err)
	}
	return out, nil
}

// PutEvidence implements Evidence.
func (s *sqlStore) PutEvidence(ctx context.Context, mediaType string, data []byte) (EvidenceRef, error) {
	sum := sha256.Sum256(data)
	ref := EvidenceRef{SHA256: hex.EncodeToString(sum[:]), Size: len(data), MediaType: mediaType}
	_, err := s.writer.ExecContext(ctx, `INSERT INTO evidence (hash, media_type, size, data, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`, ref.SHA256, mediaType, len(data), data, time.Now().UnixNano())
	if err != nil {
		return EvidenceRef{}, fmt.Errorf("store evidence %s: %w", ref.SHA256[:12], err)
	}
	return ref, nil
}

// GetEvidence implements Evidence.
func (s *sqlStore) GetEvidence(ctx context.Context, hash string) ([]byte, string, bool, error) {
	var (
		data []byte
		mt   string
	)
	err := s.reader.QueryRowContext(ctx, `SELECT data, media_type FROM evidence WHERE hash = ?`, hash).Scan(&data, &mt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, fmt.Errorf("read evidence %s: %w", hash, err)
	}
	return data, mt, true, nil
}
