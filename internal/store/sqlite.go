package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver
)

// BusyTimeoutMillis is how long a SQLite connection waits for a lock held by another
// connection or process before failing with SQLITE_BUSY.
const BusyTimeoutMillis = 5000

// readConns is the size of the read pool. Writes go through one connection.
const readConns = 4

// openSQLite opens (creating if needed) the SQLite database at path and migrates it.
// Writes go through a pool of exactly one connection, so that writers in this process
// queue in Go instead of spinning in SQLite's busy handler; reads use a separate pool
// of query-only connections, which WAL lets run alongside the writer. Another process
// on the same file is kept in step by SQLite's file locks and the busy timeout.
func openSQLite(ctx context.Context, path string) (_ *sqlStore, err error) {
	name := fmt.Sprintf("sqlite store %q", path)
	fail := func(err error) (*sqlStore, error) {
		return nil, fmt.Errorf("open %s: %w", name, err)
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
	st := &sqlStore{name: name, d: sqliteDialect, writer: sqlDB{writer, sqliteDialect}}
	defer func() {
		if err != nil {
			_ = st.Close()
		}
	}()
	if err := st.writer.PingContext(ctx); err != nil {
		return fail(err)
	}
	if st.migratedFrom, err = migrate(ctx, st.writer); err != nil {
		return fail(err)
	}
	reader, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return fail(err)
	}
	reader.SetMaxOpenConns(readConns)
	reader.SetMaxIdleConns(readConns)
	st.reader = sqlDB{reader, sqliteDialect}
	if err := st.reader.PingContext(ctx); err != nil {
		return fail(err)
	}
	if st.upsert, err = st.writer.PrepareContext(ctx, upsertSQL); err != nil {
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
