// Package pgtest gives tests a private PostgreSQL server (see pgproc) and a fresh database
// per test. Missing server binaries fail the test with the Debian package to install
// (postgresql); it never skips.
package pgtest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/pgproc"
)

// Start runs a new PostgreSQL server for the test and stops it when the test ends.
// Starting one takes about a second (mostly initdb): share it across a package's tests
// (from TestMain or a sync.Once) and give each test its own database with DB.
func Start(t testing.TB) *pgproc.Server {
	t.Helper()
	s, err := pgproc.Start(context.Background(), pgproc.Options{})
	if err != nil {
		t.Fatalf("start postgres: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// seq keeps database names unique within the test binary.
var seq atomic.Int64

// DB creates a new, empty database on s named after the test and returns its DSN.
// The database is not dropped: it goes away with the server.
func DB(t testing.TB, s *pgproc.Server) string {
	t.Helper()
	name := dbName(seq.Add(1), t.Name())
	if err := s.CreateDB(t.Context(), name); err != nil {
		t.Fatalf("create database for %s: %v", t.Name(), err)
	}
	return s.DSN(name)
}

// dbName makes a valid unquoted identifier (at most 63 bytes) from a counter and a test name.
func dbName(n int64, test string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "t%d_", n)
	for _, r := range strings.ToLower(test) {
		if b.Len() >= 63 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
