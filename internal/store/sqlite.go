package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/result"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver
)

// BusyTimeoutMillis is how long a SQLite connection waits for a lock held by another
// connection or process before failing with SQLITE_BUSY.
const BusyTimeoutMillis = 5000

// readConns is the size of the read pool. Writes go through one connection.
const readConns = 4

// sqliteStore is the embedded Store. Writes go through a pool of exactly one
// connection, so that writers in this process queue in Go instead of spinning in
// SQLite's busy handler; reads use a separate pool of query-only connections, which
// WAL lets run alongside the writer. Another process on the same file is kept in
// step by SQLite's file locks and the busy timeout.
type sqliteStore struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	upsert *sql.Stmt
}

// openSQLite opens (creating if needed) the SQLite database at path and migrates it.
func openSQLite(ctx context.Context, path string) (_ *sqliteStore, err error) {
	fail := func(err error) (*sqliteStore, error) {
		return nil, fmt.Errorf("open sqlite store %q: %w", path, err)
	}
	if err := createPrivate(path); err != nil {
		return fail(err)
	}
	writer, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return fail(err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	st := &sqliteStore{path: path, writer: writer}
	defer func() {
		if err != nil {
			_ = st.Close()
		}
	}()
	if err := writer.PingContext(ctx); err != nil {
		return fail(err)
	}
	if err := migrate(ctx, writer); err != nil {
		return fail(err)
	}
	if st.reader, err = sql.Open("sqlite", sqliteDSN(path, true)); err != nil {
		return fail(err)
	}
	st.reader.SetMaxOpenConns(readConns)
	st.reader.SetMaxIdleConns(readConns)
	if err := st.reader.PingContext(ctx); err != nil {
		return fail(err)
	}
	if st.upsert, err = writer.PrepareContext(ctx, upsertSQL); err != nil {
		return fail(fmt.Errorf("prepare upsert: %w", err))
	}
	return st, nil
}

// createPrivate creates the database file at path, if it does not exist, readable by
// its owner only (0600, whatever the umask). SQLite creates the -wal and -shm files
// with the mode of the main file, so they are private too. An existing file keeps its
// mode.
func createPrivate(path string) error {
	file, _, _ := strings.Cut(path, "?")
	if strings.HasPrefix(file, "file:") {
		return nil // a SQLite URI: left to the driver
	}
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	// The umask can only remove bits; make sure of 0600 anyway.
	return errors.Join(f.Chmod(0o600), f.Close())
}

// sqliteDSN builds the driver DSN for path: busy timeout, WAL, synchronous=NORMAL
// (durable across a process crash; a power loss may drop the last commits), foreign
// keys, and BEGIN IMMEDIATE for transactions so that a batch takes the write lock
// up front instead of failing to upgrade a read lock later. Read connections are
// query-only.
func sqliteDSN(path string, readOnly bool) string {
	params := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", BusyTimeoutMillis),
		"_pragma=foreign_keys(1)",
	}
	if readOnly {
		params = append(params, "_pragma=query_only(1)")
	} else {
		params = append(params,
			"_pragma=journal_mode(WAL)",
			"_pragma=synchronous(NORMAL)",
			"_txlock=immediate")
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + strings.Join(params, "&")
}

// Upsert implements Store.
func (s *sqliteStore) Upsert(ctx context.Context, r result.Result) (bool, error) {
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
func (s *sqliteStore) UpsertBatch(ctx context.Context, rs []result.Result) (created []bool, err error) {
	if len(rs) == 0 {
		return nil, nil
	}
	all := make([][]any, len(rs))
	for i, r := range rs {
		if all[i], err = upsertArgs(r); err != nil {
			return nil, fmt.Errorf("upsert batch: result %d: %w", i, err)
		}
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
func execUpsert(ctx context.Context, stmt *sql.Stmt, args []any) (bool, error) {
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
func (s *sqliteStore) Get(ctx context.Context, probeID string) (result.Result, bool, error) {
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
func (s *sqliteStore) Each(ctx context.Context, run string, fn func(result.Result) error) error {
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
func (s *sqliteStore) Counts(ctx context.Context, run string) (map[result.Outcome]int, error) {
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
func (s *sqliteStore) Close() error {
	var errs []error
	if s.upsert != nil {
		errs = append(errs, s.upsert.Close())
	}
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	errs = append(errs, s.writer.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close sqlite store %q: %w", s.path, err)
	}
	return nil
}
