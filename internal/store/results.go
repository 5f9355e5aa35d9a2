package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// sqlStore is the Store on database/sql: an embedded SQLite file (openSQLite) or a
// PostgreSQL database (openPostgres). Its queries are written once, for SQLite, and
// rewritten for PostgreSQL by the dialect of its pools (see dialect).
type sqlStore struct {
	// name names the store in errors, without credentials: sqlite store "path" or
	// postgres store host:port/database.
	name   string
	d      dialect
	writer sqlDB
	// reader is a separate pool of query-only connections on SQLite; on PostgreSQL it
	// is the writer's pool.
	reader sqlDB
	upsert sqlStmt
	// pgBatch is set on PostgreSQL: UpsertBatch sends the whole batch as one
	// statement (see postgres.go).
	pgBatch bool
	// migratedFrom is the schema version the database had when it was opened.
	migratedFrom int
}

// Upsert implements Store.
func (s *sqlStore) Upsert(ctx context.Context, r result.Result) (bool, error) {
	args, err := upsertArgs(r)
	if err != nil {
		return false, err
	}
	created, err := execUpsert(ctx, s.upsert, args)
	if err != nil {
		return false, fmt.Errorf("upsert result %q: %w", r.ProbeID, err)
	}
	return created, nil
}

// UpsertBatch implements Store. Every result is validated before anything is written;
// the batch is one transaction, so either all results are stored or none.
func (s *sqlStore) UpsertBatch(ctx context.Context, rs []result.Result) (created []bool, err error) {
	if len(rs) == 0 {
		return nil, nil
	}
	all := make([][]any, len(rs))
	for i, r := range rs {
		if all[i], err = upsertArgs(r); err != nil {
			return nil, fmt.Errorf("upsert batch: result %d: %w", i, err)
		}
	}
	if s.pgBatch {
		return s.upsertBatchPG(ctx, rs, all)
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("upsert batch: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	stmt := tx.StmtContext(ctx, s.upsert)
	created = make([]bool, len(rs))
	for i, args := range all {
		if created[i], err = execUpsert(ctx, stmt, args); err != nil {
			return nil, fmt.Errorf("upsert batch: result %q: %w", rs[i].ProbeID, err)
		}
	}
	if err = tx.Commit(); err != nil {
		return nil, fmt.Errorf("upsert batch: commit: %w", err)
	}
	return created, nil
}

// execUpsert runs the upsert statement; the row was created when its write count is 1.
func execUpsert(ctx context.Context, stmt sqlStmt, args []any) (bool, error) {
	var writes int64
	err := stmt.QueryRowContext(ctx, args...).Scan(&writes)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // the stored row has a higher revision: kept
	}
	if err != nil {
		return false, err
	}
	return writes == 1, nil
}

// Get implements Store.
func (s *sqlStore) Get(ctx context.Context, probeID string) (result.Result, bool, error) {
	row := s.reader.QueryRowContext(ctx, selectSQL+" WHERE probe_id = ?", probeID)
	r, err := scanResult(row)
	if errors.Is(err, sql.ErrNoRows) {
		return result.Result{}, false, nil
	}
	if err != nil {
		return result.Result{}, false, fmt.Errorf("get result %q: %w", probeID, err)
	}
	return r, true, nil
}

// Each implements Store. Rows are read from one snapshot while fn runs; fn may call
// other methods of the store (writes do not wait for Each to finish).
func (s *sqlStore) Each(ctx context.Context, run string, fn func(result.Result) error) error {
	query, args := selectSQL+" ORDER BY probe_id", []any(nil)
	if run != "" {
		query, args = selectSQL+" WHERE run = ? ORDER BY probe_id", []any{run}
	}
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read results of run %q: %w", run, err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanResult(rows)
		if err != nil {
			return fmt.Errorf("read results of run %q: %w", run, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read results of run %q: %w", run, err)
	}
	return nil
}

// Counts implements Store. Outcomes without results are absent from the map (a
// missing key reads as 0).
func (s *sqlStore) Counts(ctx context.Context, run string) (map[result.Outcome]int, error) {
	query, args := "SELECT outcome, COUNT(*) FROM results GROUP BY outcome", []any(nil)
	if run != "" {
		query, args = "SELECT outcome, COUNT(*) FROM results WHERE run = ? GROUP BY outcome", []any{run}
	}
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("count results of run %q: %w", run, err)
	}
	defer rows.Close()
	counts := make(map[result.Outcome]int)
	for rows.Next() {
		var o string
		var n int
		if err := rows.Scan(&o, &n); err != nil {
			return nil, fmt.Errorf("count results of run %q: %w", run, err)
		}
		counts[result.Outcome(o)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count results of run %q: %w", run, err)
	}
	return counts, nil
}

// Close implements Store. It waits for no running call: callers stop using the store
// first.
func (s *sqlStore) Close() error {
	var errs []error
	errs = append(errs, s.upsert.Close())
	if s.reader.db != nil && s.reader.db != s.writer.db {
		errs = append(errs, s.reader.Close())
	}
	if s.writer.db != nil {
		errs = append(errs, s.writer.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close %s: %w", s.name, err)
	}
	return nil
}
