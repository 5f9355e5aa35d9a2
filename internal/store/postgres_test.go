package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// A batch that corrects a probe it also holds at a lower revision keeps the highest,
// whatever the order, and reports created on the first occurrence only.
func TestUpsertBatchRevisionsInOneBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		low, high := sample("run1", "x"), sample("run1", "x")
		high.Revision, high.Reason = 2, "corrected"
		other := sample("run1", "y")
		got, err := s.UpsertBatch(context.Background(), []result.Result{high, other, low})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]bool{true, true, false}, got); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(high, mustGet(t, s, "x")); diff != "" {
			t.Errorf("Get(x): the highest revision must win (-want +got):\n%s", diff)
		}
		low2 := low
		low2.ProbeID = "z"
		high2 := high
		high2.ProbeID = "z"
		if got, err = s.UpsertBatch(context.Background(), []result.Result{low2, high2}); err != nil || !cmp.Equal(got, []bool{true, false}) {
			t.Errorf("UpsertBatch(low, high) = %v, %v; want [true false]", got, err)
		}
		if r := mustGet(t, s, "z"); r.Revision != 2 {
			t.Errorf("Get(z).Revision = %d, want 2", r.Revision)
		}
	})
}

// Batches from many goroutines over the same probes, in different orders, create each
// probe exactly once and never deadlock.
func TestConcurrentBatchesCreateOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, dsn := bk.openTemp(t)
		s2, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		ids := testIDs(300)
		var (
			mu      sync.Mutex
			created = map[string]int{}
			wg      sync.WaitGroup
		)
		for g := range 6 {
			st := []Store{s, s2}[g%2]
			wg.Go(func() {
				for start := 0; start < len(ids); start += 50 {
					var batch []result.Result
					for i := range 50 {
						batch = append(batch, sample("run1", ids[(start+i+g*37)%len(ids)]))
					}
					if g%2 == 1 { // the reverse order too
						for i, j := 0, len(batch)-1; i < j; i, j = i+1, j-1 {
							batch[i], batch[j] = batch[j], batch[i]
						}
					}
					got, err := st.UpsertBatch(context.Background(), batch)
					if err != nil {
						t.Errorf("goroutine %d: UpsertBatch: %v", g, err)
						return
					}
					mu.Lock()
					for i, c := range got {
						if c {
							created[batch[i].ProbeID]++
						}
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		checkOncePerID(t, created, ids)
	})
}

// Both backends list results by probe id in byte order, whatever PostgreSQL's locale
// (its text columns compare with COLLATE "C"): the postgres-icu case is a database
// whose default collation is ICU's en-US, which sorts "a1" after "a_1" and "B" after
// "a".
func TestEachOrderIsByteOrder(t *testing.T) {
	icu := backend{"postgres-icu", func(t testing.TB) string {
		srv := sharedPostgres(t)
		name := fmt.Sprintf("icu%d", time.Now().UnixNano())
		db, err := sql.Open("pgx", srv.DSN("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`); err != nil {
			t.Fatalf("create an ICU database: %v", err)
		}
		return srv.DSN(name)
	}}
	for _, bk := range append(append([]backend(nil), backends...), icu) {
		t.Run(bk.name, func(t *testing.T) {
			s, _ := bk.openTemp(t)
			want := []string{"A-2", "B", "a-1", "a1", "a_1", "b", "é"}
			for i := len(want) - 1; i >= 0; i-- {
				mustUpsert(t, s, sample("run1", want[i]))
			}
			var got []string
			if err := s.Each(context.Background(), "run1", func(r result.Result) error {
				got = append(got, r.ProbeID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Each order (-want +got):\n%s", diff)
			}
		})
	}
}

// Text a PostgreSQL text column cannot hold (invalid UTF-8, NUL) is stored with
// U+FFFD in its place, never refused: a hostile page's bytes do not lose a result.
func TestBrokenTextIsStored(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		r := sample("run1", "p1")
		r.Reason = "bad \xff byte and a \x00 nul"
		if _, err := s.Upsert(context.Background(), r); err != nil {
			t.Fatalf("Upsert: %v", err)
		}
		b := sample("run1", "p2")
		b.Reason = r.Reason
		if _, err := s.UpsertBatch(context.Background(), []result.Result{b}); err != nil {
			t.Fatalf("UpsertBatch: %v", err)
		}
		want := r.Reason
		if bk.name == "postgres" {
			want = "bad \uFFFD byte and a \uFFFD nul"
		}
		for _, id := range []string{"p1", "p2"} {
			if got := mustGet(t, s, id).Reason; got != want {
				t.Errorf("Get(%s).Reason = %q, want %q", id, got, want)
			}
		}
	})
}

// Processes opening a new PostgreSQL database at once migrate it exactly once.
func TestPostgresConcurrentMigrate(t *testing.T) {
	dsn := backends[1].dsn(t)
	var wg sync.WaitGroup
	froms := make([]int, 6)
	errs := make([]error, 6)
	for i := range froms {
		wg.Go(func() { _, froms[i], errs[i] = migrateFrom(dsn) })
	}
	wg.Wait()
	fresh := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
		if froms[i] == 0 {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d of %d opens migrated from version 0 (%v), want exactly 1", fresh, len(froms), froms)
	}
	if v, err := Version(context.Background(), dsn); v != SchemaVersion || err != nil {
		t.Errorf("Version = %d, %v; want %d", v, err, SchemaVersion)
	}
}

func migrateFrom(dsn string) (int, int, error) {
	from, to, err := Migrate(context.Background(), dsn)
	return to, from, err
}

// A read-only PostgreSQL store refuses writes on the server too.
func TestPostgresReadOnlyOnServer(t *testing.T) {
	s, dsn := backends[1].openTemp(t)
	mustUpsert(t, s, sample("run1", "p1"))
	ro, err := OpenReadOnly(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.(readOnlyStore).reader.ExecContext(context.Background(), "DELETE FROM results")
	if err == nil || !strings.Contains(err.Error(), "read-only transaction") {
		t.Errorf("DELETE through a read-only store = %v, want a read-only transaction error", err)
	}
	if got := mustGet(t, ro, "p1"); got.ProbeID != "p1" {
		t.Errorf("Get through the read-only store = %+v", got)
	}
}

// Errors of a PostgreSQL store never hold the DSN's password.
func TestPostgresErrorsHideThePassword(t *testing.T) {
	for _, dsn := range []string{
		fmt.Sprintf("postgres://u:hunter2secret@127.0.0.1:%d/x?connect_timeout=5", closedPort(t)),
		"postgres://u:hunter2secret@127.0.0.1:99999/x",
		"postgres://u:hunter2secret@[::1/x",
	} {
		_, err := Open(context.Background(), dsn)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("Open error %q reveals the password", err)
		}
		if _, err := Version(context.Background(), dsn); err == nil || strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("Version error = %v, want one without the password", err)
		}
	}
}
