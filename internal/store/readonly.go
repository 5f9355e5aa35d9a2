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
// never creates a file, never migrates and never writes (on PostgreSQL every
// transaction is READ ONLY on the server). A SQLite file that does not
// exist is an error wrapping os.ErrNotExist; a schema of another version than this
// program's is an error too (a worker, which opens the store with Open, upgrades it).
func OpenReadOnly(ctx context.Context, dsn string) (Store, error) {
	kind, path, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if kind == "postgres" {
		st, err := openPostgres(ctx, dsn, true)
		if err != nil {
			return nil, err
		}
		return readOnlyStore{st}, nil
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("open store: no result store at %s: %w", path, os.ErrNotExist)
		}
		return nil, fmt.Errorf("open store: %w", err)
	}
	name := fmt.Sprintf("sqlite store %q", path)
	db, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	db.SetMaxOpenConns(readConns)
	db.SetMaxIdleConns(readConns)
	reader := sqlDB{db, sqliteDialect}
	version, err := readVersion(ctx, reader, sqliteDialect)
	if err == nil {
		err = checkVersionNumber(version, path)
	} else {
		err = fmt.Errorf("open %s: %w", name, err)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return readOnlyStore{&sqlStore{name: name, d: sqliteDialect, reader: reader}}, nil
}

// checkVersionNumber checks that the store called name has this program's schema.
func checkVersionNumber(version int, name string) error {
	switch {
	case version == 0:
		return fmt.Errorf("open store: %s is not a stakeout result store (no schema)", name)
	case version != SchemaVersion:
		return fmt.Errorf("open store: %s has schema version %d, this program reads %d (stakeout db migrate, or a worker of this version, upgrades it)", name, version, SchemaVersion)
	}
	return nil
}

// readOnlyStore is a store with its reads only.
type readOnlyStore struct{ *sqlStore }

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
func (s readOnlyStore) Close() error { return s.sqlStore.Close() }
