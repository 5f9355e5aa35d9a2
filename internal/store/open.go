package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrPostgresNotImplemented is returned by Open for postgres:// and postgresql:// DSNs
// until the PostgreSQL implementation lands.
var ErrPostgresNotImplemented = errors.New("postgres store not implemented yet")

// Open opens the store named by dsn and creates or upgrades its schema.
//
// Accepted forms:
//   - "results.db", "sqlite:results.db", "sqlite://results.db" and "sqlite:///abs/results.db":
//     an embedded SQLite file (created if missing; its directory must exist;
//     ":memory:" is refused);
//   - "postgres://..." and "postgresql://...": PostgreSQL (not implemented yet:
//     the error wraps ErrPostgresNotImplemented).
//
// An empty dsn is an error. The returned Store is safe for concurrent use.
func Open(ctx context.Context, dsn string) (Store, error) {
	kind, path, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "postgres":
		return nil, fmt.Errorf("open store: %w", ErrPostgresNotImplemented)
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
