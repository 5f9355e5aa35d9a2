package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/stakeoutcx/stakeout/internal/secrets"
)

// Open opens the store named by dsn and creates or upgrades its schema.
//
// Accepted forms:
//   - "results.db", "sqlite:results.db", "sqlite://results.db" and "sqlite:///abs/results.db":
//     an embedded SQLite file (created if missing; its directory must exist;
//     ":memory:" is refused);
//   - "postgres://user:password@host:port/database?sslmode=...": PostgreSQL
//     ("postgresql://" too), with libpq's URL parameters as pgx reads them and the
//     store's own pool_max_conns (the pool size, DefaultPostgresConns by default).
//     The database must exist; its tables are created in the user's schema
//     (search_path).
//
// An empty dsn is an error. The returned Store is safe for concurrent use.
func Open(ctx context.Context, dsn string) (Store, error) {
	kind, path, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "postgres":
		return openPostgres(ctx, dsn, false)
	default:
		return openSQLite(ctx, path)
	}
}

// parseDSN splits dsn into a store kind ("sqlite" or "postgres") and, for SQLite,
// the database path.
func parseDSN(dsn string) (kind, path string, err error) {
	dsn = strings.TrimSpace(dsn)
	lower := strings.ToLower(dsn)
	switch {
	case dsn == "":
		return "", "", errors.New("open store: empty dsn (want a SQLite file path, sqlite://path or postgres://...)")
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return "postgres", "", nil
	case strings.HasPrefix(lower, "sqlite://"):
		path = dsn[len("sqlite://"):]
	case strings.HasPrefix(lower, "sqlite:"):
		path = dsn[len("sqlite:"):]
	case strings.Contains(dsn, "://"):
		return "", "", fmt.Errorf("open store: unsupported dsn scheme in %q (want sqlite or postgres)", schemeOf(dsn))
	default:
		path = dsn
	}
	if path == "" {
		return "", "", fmt.Errorf("open store: dsn %q names no database file", dsn)
	}
	if path == ":memory:" || strings.Contains(path, "mode=memory") || strings.HasPrefix(path, "file::memory:") {
		// The store uses separate read and write connections, which a private
		// in-memory database cannot share.
		return "", "", fmt.Errorf("open store: in-memory SQLite is not supported (use a file, e.g. in a temporary directory)")
	}
	return "sqlite", path, nil
}

// schemeOf returns the scheme part of a URL-like dsn without whatever follows it,
// so that error messages never echo credentials.
func schemeOf(dsn string) string {
	scheme, _, _ := strings.Cut(dsn, "://")
	return scheme
}

// Exists reports whether the store named by dsn may already hold data: for SQLite,
// whether its file exists (so that a read-only command does not create one); other
// stores always may.
func Exists(dsn string) bool {
	kind, path, err := parseDSN(dsn)
	if err != nil {
		return false
	}
	if kind != "sqlite" {
		return true
	}
	file, _, _ := strings.Cut(path, "?")
	_, err = os.Stat(strings.TrimPrefix(file, "file:"))
	return err == nil
}

// Migrate brings the schema of the store named by dsn to SchemaVersion (creating an
// SQLite file that does not exist) and reports the version it had: from == to when
// there was nothing to do. A store of a newer schema is refused.
func Migrate(ctx context.Context, dsn string) (from, to int, err error) {
	st, err := Open(ctx, dsn)
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	s := st.(*sqlStore)
	return s.migratedFrom, SchemaVersion, nil
}

// Version reports the schema version of the store named by dsn without changing it
// (0: no schema yet). An SQLite file that does not exist is an error wrapping
// os.ErrNotExist.
func Version(ctx context.Context, dsn string) (int, error) {
	kind, path, err := parseDSN(dsn)
	if err != nil {
		return 0, err
	}
	if kind == "postgres" {
		cfg, _, err := pgConfig(dsn)
		if err != nil {
			return 0, err
		}
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
		db := sqlDB{stdlib.OpenDB(*cfg), postgresDialect}
		defer db.Close()
		v, err := readVersion(ctx, db, postgresDialect)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", pgName(cfg), secrets.Redact(err, cfg.Password))
		}
		return v, nil
	}
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("open store: %w", err)
	}
	db, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return 0, fmt.Errorf("open sqlite store %q: %w", path, err)
	}
	defer db.Close()
	v, err := readVersion(ctx, sqlDB{db, sqliteDialect}, sqliteDialect)
	if err != nil {
		return 0, fmt.Errorf("sqlite store %q: %w", path, err)
	}
	return v, nil
}
