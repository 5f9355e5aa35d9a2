package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/pgproc"
	"github.com/stakeoutcx/stakeout/internal/pgtest"
)

// backend is a store implementation the shared tests run against.
type backend struct {
	name string
	// dsn returns the DSN of a new, empty store for t.
	dsn func(t testing.TB) string
}

// backends are every implementation: the embedded SQLite file and a PostgreSQL
// database on a private server (see sharedPostgres).
var backends = []backend{
	{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "results.db") }},
	{"postgres", func(t testing.TB) string { return pgtest.DB(t, sharedPostgres(t)) }},
}

// forEachBackend runs fn as a subtest per backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

// openTemp opens a new, empty store of b and closes it with the test; the DSN opens
// the same store again.
func (b backend) openTemp(t testing.TB) (Store, string) {
	t.Helper()
	dsn := b.dsn(t)
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open(%s store): %v", b.name, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, dsn
}

// openTemp opens a store on a fresh SQLite file in t.TempDir and closes it with the test.
func openTemp(t testing.TB) (Store, string) {
	t.Helper()
	return backends[0].openTemp(t)
}

// The PostgreSQL server the package's tests share (started on first use, stopped by
// TestMain); each test has its own database on it.
var pg struct {
	once sync.Once
	srv  *pgproc.Server
	err  error
}

func sharedPostgres(t testing.TB) *pgproc.Server {
	t.Helper()
	pg.once.Do(func() { pg.srv, pg.err = pgproc.Start(context.Background(), pgproc.Options{}) })
	if pg.err != nil {
		t.Fatalf("start postgres: %v", pg.err)
	}
	return pg.srv
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pg.srv != nil {
		pg.srv.Stop()
	}
	if code == 0 && pg.err != nil {
		fmt.Fprintln(os.Stderr, pg.err)
		code = 1
	}
	os.Exit(code)
}
