package cli_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stakeoutcx/stakeout/internal/pgtest"
	"github.com/stakeoutcx/stakeout/internal/store"
)

func TestDBMigrate(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "new.db")
	if got := stakeout(t, "db", "migrate", "--check", "--db", db); got.Code != 1 || !strings.Contains(got.Stderr, "no such file") {
		t.Errorf("db migrate --check of a missing file = %+v, want exit 1 naming the missing file", got)
	}
	want := outcome{Stdout: fmt.Sprintf("migrated the schema from version 0 to %d\n", store.SchemaVersion)}
	if got := stakeout(t, "db", "migrate", "--db", db); !cmp.Equal(got, want) {
		t.Errorf("db migrate of a new file = %+v, want %+v", got, want)
	}
	want = outcome{Stdout: fmt.Sprintf("schema version %d: up to date, nothing to do\n", store.SchemaVersion)}
	if got := stakeout(t, "db", "migrate", "--db", db); !cmp.Equal(got, want) {
		t.Errorf("db migrate again = %+v, want %+v", got, want)
	}
	want = outcome{Stdout: fmt.Sprintf("schema version %d: up to date\n", store.SchemaVersion)}
	if got := stakeout(t, "db", "migrate", "--check", "--db", db); !cmp.Equal(got, want) {
		t.Errorf("db migrate --check = %+v, want %+v", got, want)
	}
}

// The README's way from the embedded default to PostgreSQL: stakeout db copy, after
// which the read commands give the same answers from PostgreSQL.
func TestDBCopyIntoPostgres(t *testing.T) {
	t.Parallel()
	src := resultsDB(t)
	srv := pgtest.Start(t)
	pg := pgtest.DB(t, srv)
	if got := stakeout(t, "db", "migrate", "--check", "--db", pg); got.Code != 1 || !strings.Contains(got.Stdout, "schema version 0:") {
		t.Errorf("db migrate --check of an empty database = %+v, want exit 1 and version 0", got)
	}
	got := stakeout(t, "db", "copy", "--from", src, "--to", pg)
	if got.Code != 0 {
		t.Fatalf("db copy = %+v", got)
	}
	if !regexp.MustCompile(`(?m)^results +3 +3$`).MatchString(got.Stdout) {
		t.Errorf("db copy summary:\n%s\nwant results copied 3, destination 3", got.Stdout)
	}
	if !strings.Contains(got.Stderr, "results  copying 3 rows\nresults  3/3 rows (100%)\n") {
		t.Errorf("db copy progress:\n%s\nwant the results table's", got.Stderr)
	}
	for _, args := range [][]string{{"results", "export", "--format", "csv"}, {"runs"}} {
		fromSQLite := stakeout(t, append(args, "--db", src)...)
		fromPG := stakeout(t, append(args, "--db", pg)...)
		if fromSQLite.Code != 0 || !cmp.Equal(fromSQLite, fromPG) {
			t.Errorf("stakeout %v: sqlite %+v, postgres %+v; want the same", args, fromSQLite, fromPG)
		}
	}
	if got := stakeout(t, "db", "copy", "--from", src, "--to", src); got.Code != 1 || !strings.Contains(got.Stderr, "same store") {
		t.Errorf("db copy onto itself = %+v, want an error", got)
	}
}
