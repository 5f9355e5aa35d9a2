package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/childproc"
	"github.com/stakeoutcx/stakeout/internal/result"
)

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct{ dsn, kind, path string }{
		{"results.db", "sqlite", "results.db"},
		{"sqlite:results.db", "sqlite", "results.db"},
		{"sqlite://results.db", "sqlite", "results.db"},
		{"sqlite:///var/lib/stakeout/results.db", "sqlite", "/var/lib/stakeout/results.db"},
		{"/tmp/r.db", "sqlite", "/tmp/r.db"},
		{"postgres://u:p@db/stakeout", "postgres", ""},
		{"postgresql://db/stakeout", "postgres", ""},
	} {
		kind, path, err := parseDSN(tc.dsn)
		if err != nil || kind != tc.kind || path != tc.path {
			t.Errorf("parseDSN(%q) = %q, %q, %v; want %q, %q, nil", tc.dsn, kind, path, err, tc.kind, tc.path)
		}
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	port, err := childproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	missingDir := filepath.Join(t.TempDir(), "no", "such", "dir", "results.db")
	for _, tc := range []struct{ name, dsn, want string }{
		{"empty", "", "empty dsn"},
		{"blank", "  ", "empty dsn"},
		{"sqlite without path", "sqlite://", "names no database file"},
		{"unknown scheme", "mysql://user:secret@db/x", `unsupported dsn scheme in "mysql"`},
		{"postgres refused", fmt.Sprintf("postgres://user:secret@127.0.0.1:%d/stakeout?connect_timeout=5", closedPort(t)), "postgres store 127.0.0.1:"},
		{"postgres bad port", "postgres://user:secret@127.0.0.1:port/stakeout", "invalid postgres dsn"},
		{"postgres pool size", "postgresql://user:secret@127.0.0.1/stakeout?pool_max_conns=0", "pool_max_conns"},
		{"postgres no database", sharedPostgres(t).DSN("nosuch"), `database "nosuch" does not exist`},
		{"unwritable path", missingDir, missingDir},
		{"directory", filepath.Dir(filepath.Dir(missingDir)), filepath.Dir(filepath.Dir(missingDir))},
		{"memory", ":memory:", "in-memory SQLite is not supported"},
		{"sqlite memory", "sqlite://:memory:", "in-memory SQLite is not supported"},
	} {
		s, err := Open(ctx, tc.dsn)
		if err == nil {
			s.Close()
			t.Errorf("%s: Open(%q) succeeded, want error containing %q", tc.name, tc.dsn, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Open(%q) error = %q, want it to contain %q", tc.name, tc.dsn, err, tc.want)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: Open error %q reveals a password", tc.name, err)
		}
	}
}

// setVersion writes a schema version into the store's database behind its back.
func setVersion(t *testing.T, s Store, version int) {
	t.Helper()
	db := s.(*sqlStore).writer
	q := fmt.Sprintf("PRAGMA user_version = %d", version)
	if db.d.name == "postgres" {
		q = fmt.Sprintf("UPDATE %s SET version = %d", pgSchemaTable, version)
	}
	if _, err := db.ExecContext(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		ctx := context.Background()
		s, dsn := bk.openTemp(t)
		setVersion(t, s, 99)
		for name, open := range map[string]func(context.Context, string) (Store, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
			if _, err := open(ctx, dsn); err == nil || !strings.Contains(err.Error(), "version 99") {
				t.Errorf("%s of a newer schema = %v, want a schema version error", name, err)
			}
		}
		if _, _, err := Migrate(ctx, dsn); err == nil || !strings.Contains(err.Error(), "schema version 99 is newer") {
			t.Errorf("Migrate of a newer schema = %v, want a schema version error", err)
		}
		if v, err := Version(ctx, dsn); v != 99 || err != nil {
			t.Errorf("Version = %d, %v; want 99", v, err)
		}
	})
}

// A database written by schema version 1 (no revision column) is migrated on open
// and keeps its rows, at revision 0.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "results.db")
	db, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range migrations[0] {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO results (probe_id, run, target, channel, scenario, outcome, created_at, updated_at)
		VALUES ('p1', 'run1', 'acme', 'email', 's', 'answered', 1, 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(version 1 file): %v", err)
	}
	defer s.Close()
	got, ok, err := s.Get(ctx, "p1")
	if err != nil || !ok || got.Outcome != result.Answered || got.Revision != 0 {
		t.Fatalf("Get after migration = %+v, %v, %v; want the answered row at revision 0", got, ok, err)
	}
	r := sample("run1", "p1")
	r.Revision = 1
	if _, err := s.Upsert(ctx, r); err != nil {
		t.Fatalf("Upsert after migration: %v", err)
	}
	if got, _, _ := s.Get(ctx, "p1"); got.Revision != 1 {
		t.Errorf("revision after upsert = %d, want 1", got.Revision)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "results.db")
	r := sample("run1", "p1")
	for i, dsn := range []string{path, "sqlite:" + path, "sqlite://" + path} {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		created, err := s.Upsert(ctx, r)
		if err != nil || created != (i == 0) {
			t.Errorf("open %d: Upsert = %v, %v; want %v, nil", i, created, err, i == 0)
		}
		got, ok, err := s.Get(ctx, "p1")
		if err != nil || !ok {
			t.Fatalf("open %d: Get = %v, %v", i, ok, err)
		}
		if diff := cmp.Diff(r, got); diff != "" {
			t.Errorf("open %d: Get (-want +got):\n%s", i, diff)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file: %v", err)
	}
}

func TestPragmas(t *testing.T) {
	s, _ := openTemp(t)
	db := s.(*sqlStore).writer
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"busy_timeout": "5000",
		"synchronous":  "1",
		"foreign_keys": "1",
		"user_version": "5",
	} {
		var got string
		if err := db.QueryRowContext(context.Background(), "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Errorf("PRAGMA %s: %v", pragma, err)
		} else if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}
