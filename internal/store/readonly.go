package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// ErrReadOnly is returned by the writes of a store opened with OpenReadOnly.
var ErrReadOnly = errors.New("store opened read-only")

// OpenReadOnly opens the store named by dsn (forms as for Open) for reading only: it
// never creates a file, never migrates and never writes. A SQLite file that does not
// exist is an error wrapping os.ErrNotExist; a schema of another version than this
// program's is an error too (a worker, which opens the store with Open, upgrades it).
func OpenReadOnly(ctx context.Context, dsn string) (Store, error) {
	kind, path, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if kind == "postgres" {
		return nil, fmt.Errorf("open store: %w", ErrPostgresNotImplemented)
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("open store: no result store at %s: %w", path, os.ErrNotExist)
		}
		return nil, fmt.Errorf("open store: %w", err)
	}
	db, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %q: %w", path, err)
	}
	db.SetMaxOpenConns(readConns)
	db.SetMaxIdleConns(readConns)
	if err := checkVersion(ctx, db, path); err != nil {
		db.Close()
		return nil, err
	}
	return readOnlyStore{&sqliteStore{path: path, reader: db}}, nil
}

// checkVersion checks that db has this program's schema.
func checkVersion(ctx context.Context, db *sql.DB, path string) error {
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("open sqlite store %q: read schema version: %w", path, err)
	}
	switch {
	case version == 0:
		return fmt.Errorf("open store: %s is not a stakeout result store (no schema)", path)
	case version != SchemaVersion:
		return fmt.Errorf("open store: %s has schema version %d, this program reads %d (a worker of this version upgrades it)", path, version, SchemaVersion)
	}
	return nil
}

// readOnlyStore is a SQLite store with its reads only.
type readOnlyStore struct{ *sqliteStore }

// Upsert implements Store: it always fails.
func (readOnlyStore) Upsert(context.Context, result.Result) (bool, error) { return false, ErrReadOnly }

// UpsertBatch implements Store: it always fails.
func (readOnlyStore) UpsertBatch(context.Context, []result.Result) ([]bool, error) {
	return nil, ErrReadOnly
}

// PutGrades implements Store: it always fails.
func (readOnlyStore) PutGrades(context.Context, []Grade) error { return ErrReadOnly }

// PutScores implements Store: it always fails.
func (readOnlyStore) PutScores(context.Context, []ScoreRow, bool) error { return ErrReadOnly }

// OpenAlert implements Store: it always fails.
func (readOnlyStore) OpenAlert(context.Context, Alert) (Alert, bool, error) {
	return Alert{}, false, ErrReadOnly
}

// ResolveAlert implements Store: it always fails.
func (readOnlyStore) ResolveAlert(context.Context, string, time.Time, string, []byte) (Alert, bool, error) {
	return Alert{}, false, ErrReadOnly
}

// MarkDelivered implements Store: it always fails.
func (readOnlyStore) MarkDelivered(context.Context, string, int64, time.Time) error {
	return ErrReadOnly
}

// RecordRun implements Store: it always fails.
func (readOnlyStore) RecordRun(context.Context, Run) error { return ErrReadOnly }

// RecordSend implements Store: it always fails.
func (readOnlyStore) RecordSend(context.Context, Send) error { return ErrReadOnly }

// ConfirmSend implements Store: it always fails.
func (readOnlyStore) ConfirmSend(context.Context, string, time.Time, time.Time) error {
	return ErrReadOnly
}

// AbandonSend implements Store: it always fails.
func (readOnlyStore) AbandonSend(context.Context, string) error { return ErrReadOnly }

// PutEvidence implements Store: it always fails.
func (readOnlyStore) PutEvidence(context.Context, string, []byte) (EvidenceRef, error) {
	return EvidenceRef{}, ErrReadOnly
}

// Close implements Store.
func (s readOnlyStore) Close() error {
	if err := s.reader.Close(); err != nil {
		return fmt.Errorf("close sqlite store %q: %w", s.path, err)
	}
	return nil
}
