package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// copyTable is a table as Copy moves it: its columns (with their kinds: i integer, f
// float, t text, b bytes), its ordering key and what a row whose key the destination
// already holds does there.
type copyTable struct {
	name     string
	cols     []string
	kinds    string
	order    string
	conflict string
}

// copyTables are the tables of SchemaVersion in the order Copy moves them. On a
// conflict a result keeps its highest revision (as Upsert does), a send its first
// confirmation, an alert its latest version; other rows stay as the destination has
// them.
var copyTables = []copyTable{
	{"runs", []string{"run", "campaign", "spec", "total", "window_start", "window_end", "launched_at"}, "ttbiiii", "run",
		"ON CONFLICT (run) DO NOTHING"},
	{"sends", []string{"probe_id", "run", "target", "channel", "mailbox", "token", "message_id", "sent_at", "t0", "deadline", "record", "created_at"},
		"tttttttiiibi", "probe_id",
		"ON CONFLICT (probe_id) DO UPDATE SET t0 = COALESCE(sends.t0, excluded.t0), deadline = COALESCE(sends.deadline, excluded.deadline)"},
	{"evidence", []string{"hash", "media_type", "size", "data", "created_at"}, "ttibi", "hash", "ON CONFLICT (hash) DO NOTHING"},
	{"results", []string{"probe_id", "run", "campaign", "target", "industry", "channel", "scenario", "planned_at", "started_at",
		"finished_at", "outcome", "reason", "first_response_s", "human_response_s", "duration_s", "evidence", "writes",
		"created_at", "updated_at", "revision"}, "tttttttiiittfffbiiii", "probe_id",
		upsertSQL[strings.Index(upsertSQL, "ON CONFLICT"):strings.Index(upsertSQL, "RETURNING")]},
	{"grades", []string{"probe_id", "revision", "version", "quality", "checks", "graded_at"}, "tiifbi", "probe_id",
		"ON CONFLICT (probe_id) DO NOTHING"},
	{"scores", []string{"win", "run", "target", "channel", "industry", "score", "tier", "insufficient", "win_from", "win_to",
		"basis", "card", "computed_at"}, "tttttfiiiiibi", "win, run, target, channel",
		"ON CONFLICT (win, run, target, channel) DO NOTHING"},
	{"alerts", []string{"id", "client", "target", "channel", "kind", "severity", "run", "campaign", "state", "opened_at", "since",
		"resolved_at", "summary", "resolution", "evidence", "resolved_evidence", "version", "delivered", "delivered_at"},
		"tttttttttiiittbbiii", "id",
		"ON CONFLICT (id) DO UPDATE SET state = excluded.state, resolved_at = excluded.resolved_at, resolution = excluded.resolution, " +
			"resolved_evidence = excluded.resolved_evidence, version = excluded.version, delivered = excluded.delivered, " +
			"delivered_at = excluded.delivered_at WHERE excluded.version > alerts.version"},
}

// CopyTables are the names of the tables Copy moves, in its order.
func CopyTables() []string {
	names := make([]string, len(copyTables))
	for i, t := range copyTables {
		names[i] = t.name
	}
	return names
}

// TableCopy is what Copy did with one table: the rows it read from the source, and
// the rows the destination holds after the copy.
type TableCopy struct {
	Table string
	Read  int64
	After int64
}

// CopyProgress hears of a table's copy as it goes: done of total rows read so far.
type CopyProgress func(table string, done, total int64)

// copyChunkParams bounds the parameters of one multi-row insert (SQLite allows
// 32766, PostgreSQL 65535).
const copyChunkParams = 20000

// Copy copies every table of the store at from into the store at to (for example an
// embedded SQLite file into PostgreSQL), migrating the destination first. The source
// is opened read-only and must have this program's schema (stakeout db migrate
// upgrades it). Rows are read in key order and written in transactions of up to
// about a thousand rows; a row whose key the destination already holds is resolved as
// copyTables says, so an interrupted copy is finished by running it again, and a copy
// repeated after workers wrote more to the source brings the destination up to date.
// It returns, per table, the rows read and the rows the destination then holds.
func Copy(ctx context.Context, from, to string, progress CopyProgress) ([]TableCopy, error) {
	if strings.TrimSpace(from) == strings.TrimSpace(to) {
		return nil, errors.New("copy: the source and the destination are the same store")
	}
	src, err := OpenReadOnly(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("copy: source: %w", err)
	}
	defer src.Close()
	dst, err := Open(ctx, to)
	if err != nil {
		return nil, fmt.Errorf("copy: destination: %w", err)
	}
	defer dst.Close()
	s, d := src.(readOnlyStore).sqlStore, dst.(*sqlStore)
	var out []TableCopy
	for _, t := range copyTables {
		read, err := copyOne(ctx, s, d, t, progress)
		if err != nil {
			return out, fmt.Errorf("copy table %s: %w", t.name, err)
		}
		var after int64
		if err := d.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t.name).Scan(&after); err != nil {
			return out, fmt.Errorf("copy table %s: count the destination: %w", t.name, err)
		}
		out = append(out, TableCopy{Table: t.name, Read: read, After: after})
	}
	return out, nil
}

// copyOne streams table t from s into d.
func copyOne(ctx context.Context, s, d *sqlStore, t copyTable, progress CopyProgress) (int64, error) {
	var total int64
	if err := s.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t.name).Scan(&total); err != nil {
		return 0, fmt.Errorf("count the source: %w", err)
	}
	if progress != nil {
		progress(t.name, 0, total)
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT "+strings.Join(t.cols, ", ")+" FROM "+t.name+" ORDER BY "+t.order)
	if err != nil {
		return 0, fmt.Errorf("read the source: %w", err)
	}
	defer rows.Close()
	perChunk := copyChunkParams / len(t.cols)
	var (
		chunk []any
		n     int
		read  int64
	)
	flush := func() error {
		if n == 0 {
			return nil
		}
		if err := insertChunk(ctx, d, t, chunk, n); err != nil {
			return err
		}
		read += int64(n)
		chunk, n = chunk[:0], 0
		if progress != nil {
			progress(t.name, read, total)
		}
		return nil
	}
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return read, fmt.Errorf("read the source: %w", err)
		}
		for i, v := range vals {
			c, err := copyValue(v, t.kinds[i])
			if err != nil {
				return read, fmt.Errorf("row %d, column %s: %w", read+int64(n)+1, t.cols[i], err)
			}
			chunk = append(chunk, c)
		}
		if n++; n == perChunk {
			if err := flush(); err != nil {
				return read, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return read, fmt.Errorf("read the source: %w", err)
	}
	return read, flush()
}

// insertChunk writes n rows (args holds their values, row after row) in one
// transaction.
func insertChunk(ctx context.Context, d *sqlStore, t copyTable, args []any, n int) error {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	q := "INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + " " + t.conflict
	tx, err := d.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("write the destination: %w", err)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("write the destination: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write the destination: %w", err)
	}
	return nil
}

// copyValue converts a value as one backend's driver returns it to the column's kind,
// so that the other backend stores it under the same type.
func copyValue(v any, kind byte) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case 'i':
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == float64(int64(x)) {
				return int64(x), nil
			}
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case 'f':
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case 't':
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case 'b':
		switch x := v.(type) {
		case []byte:
			return append([]byte(nil), x...), nil
		case string:
			return []byte(x), nil
		}
	}
	return nil, fmt.Errorf("unexpected value of type %T", v)
}
