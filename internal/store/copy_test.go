package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// copyFixture fills s with some of everything: results (one corrected), a run, sends,
// evidence, grades, scores and alerts (one resolved).
func copyFixture(t *testing.T, s Store) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC)
	var rs []result.Result
	for i := range 2500 {
		r := sample("run1", fmt.Sprintf("run1/acme/chat/%05d", i))
		if i%7 == 0 {
			r.Outcome, r.HumanResponseS, r.Evidence = result.NoResponse, nil, nil
		}
		rs = append(rs, r)
	}
	if _, err := s.UpsertBatch(ctx, rs); err != nil {
		t.Fatal(err)
	}
	corrected := rs[3]
	corrected.Revision, corrected.Reason = 2, "corrected"
	mustUpsert(t, s, corrected)
	if err := s.RecordRun(ctx, Run{ID: "run1", Campaign: "nov", Spec: []byte(`{"x":1}`), Total: 2500, Start: at, End: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for i, ch := range []string{"email", "chat"} {
		sd := Send{ProbeID: fmt.Sprintf("run1/acme/%s/x", ch), Run: "run1", Target: "acme", Channel: ch, Mailbox: "m", Token: "tok", SentAt: at, Record: []byte(`{}`)}
		if err := s.RecordSend(ctx, sd); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := s.ConfirmSend(ctx, sd.ProbeID, at.Add(time.Second), at.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.PutEvidence(ctx, "image/png", []byte("\x89PNG\x00\xff fake")); err != nil {
		t.Fatal(err)
	}
	q := 0.75
	if err := s.PutGrades(ctx, []Grade{{ProbeID: rs[0].ProbeID, GradeHead: GradeHead{Revision: 0, Version: 1, Quality: &q}, Checks: []byte(`[]`), GradedAt: at}}); err != nil {
		t.Fatal(err)
	}
	score := 81.5
	if err := s.PutScores(ctx, []ScoreRow{{Window: "run", Run: "run1", Target: "acme", Channel: "chat", Score: &score, Tier: 2, Card: []byte(`{}`), Basis: 9, ComputedAt: at},
		{Window: "30d", Target: "acme", Channel: "chat", Insufficient: true, From: at, To: at.Add(time.Hour), Card: []byte(`{}`), ComputedAt: at}}, false); err != nil {
		t.Fatal(err)
	}
	a, _, err := s.OpenAlert(ctx, testAlert("latency", at))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ResolveAlert(ctx, a.ID, at.Add(time.Hour), "back", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.OpenAlert(ctx, testAlert("latency", at.Add(2*time.Hour))); err != nil {
		t.Fatal(err)
	}
}

// dump reads every table of s, every column, as Copy sees them.
func dump(t *testing.T, s Store) map[string][][]any {
	t.Helper()
	st := s.(*sqlStore)
	out := map[string][][]any{}
	for _, tb := range copyTables {
		rows, err := st.reader.QueryContext(context.Background(), "SELECT "+strings.Join(tb.cols, ", ")+" FROM "+tb.name+" ORDER BY "+tb.order)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals := make([]any, len(tb.cols))
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i := range vals {
				if vals[i], err = copyValue(vals[i], tb.kinds[i]); err != nil {
					t.Fatal(err)
				}
			}
			out[tb.name] = append(out[tb.name], vals)
		}
		rows.Close()
	}
	return out
}

// SQLite → PostgreSQL → SQLite keeps every column of every row; a second copy changes
// nothing; a copy after more writes to the source brings them over.
func TestCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	src, srcDSN := backends[0].openTemp(t)
	copyFixture(t, src)
	want := dump(t, src)
	pgDSN := backends[1].dsn(t)
	var seen []string
	got, err := Copy(ctx, srcDSN, pgDSN, func(table string, done, total int64) {
		if done == total {
			seen = append(seen, fmt.Sprintf("%s %d", table, total))
		}
	})
	if err != nil {
		t.Fatalf("Copy to postgres: %v", err)
	}
	for _, tc := range got {
		if tc.Read != int64(len(want[tc.Table])) || tc.After != tc.Read {
			t.Errorf("Copy %s: read %d, destination holds %d; want %d and %d", tc.Table, tc.Read, tc.After, len(want[tc.Table]), len(want[tc.Table]))
		}
	}
	if !strings.Contains(strings.Join(seen, ","), "results 2500") {
		t.Errorf("progress reported %v, want the results table complete", seen)
	}
	pg, err := Open(ctx, pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if diff := cmp.Diff(want, dump(t, pg)); diff != "" {
		t.Errorf("postgres after Copy (-sqlite +postgres):\n%s", diff)
	}
	if _, err := Copy(ctx, srcDSN, pgDSN, nil); err != nil {
		t.Fatalf("second Copy: %v", err)
	}
	if diff := cmp.Diff(want, dump(t, pg)); diff != "" {
		t.Errorf("postgres after a second Copy (-want +got):\n%s", diff)
	}

	// More writes to the source: a correction, a new result, a confirmation, a resolution.
	more := sample("run1", "run1/acme/chat/99999")
	mustUpsert(t, src, more)
	fix := mustGet(t, src, "run1/acme/chat/00005")
	fix.Revision, fix.Reason = 3, "late correction"
	mustUpsert(t, src, fix)
	if err := src.ConfirmSend(ctx, "run1/acme/chat/x", time.Unix(1, 0), time.Unix(2, 0)); err != nil {
		t.Fatal(err)
	}
	firing, _, err := src.AlertState(ctx, "acme", "email")
	if err != nil || len(firing) != 1 {
		t.Fatalf("AlertState = %v, %v", firing, err)
	}
	if _, _, err := src.ResolveAlert(ctx, firing[0].ID, time.Unix(3, 0), "ok", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Copy(ctx, srcDSN, pgDSN, nil); err != nil {
		t.Fatalf("Copy after more writes: %v", err)
	}
	want = dump(t, src)
	gotPG := dump(t, pg)
	// The destination counts its own writes of a result.
	for _, rows := range [][][]any{want["results"], gotPG["results"]} {
		for _, r := range rows {
			r[16] = nil
		}
	}
	if diff := cmp.Diff(want, gotPG); diff != "" {
		t.Errorf("postgres after a Copy of later writes (-want +got):\n%s", diff)
	}

	// And back into a new SQLite file.
	back := backends[0].dsn(t)
	if _, err := Copy(ctx, pgDSN, back, nil); err != nil {
		t.Fatalf("Copy back to sqlite: %v", err)
	}
	bs, err := OpenReadOnly(ctx, back)
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	if diff := cmp.Diff(dump(t, pg), dump(t, readOnlyAsStore(bs))); diff != "" {
		t.Errorf("sqlite copied back from postgres (-postgres +sqlite):\n%s", diff)
	}
}

func readOnlyAsStore(s Store) Store { return s.(readOnlyStore).sqlStore }

func TestCopyRefusesTheSameStore(t *testing.T) {
	_, dsn := backends[0].openTemp(t)
	if _, err := Copy(context.Background(), dsn, dsn, nil); err == nil || !strings.Contains(err.Error(), "same store") {
		t.Errorf("Copy onto itself = %v, want an error", err)
	}
}

// copyTables names every column of every table of the schema: a migration that adds
// a table or a column must teach Copy about it.
func TestCopyTablesCoverTheSchema(t *testing.T) {
	s, _ := backends[0].openTemp(t)
	st := s.(*sqlStore)
	rows, err := st.reader.QueryContext(context.Background(), `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	mine := CopyTables()
	sort.Strings(mine)
	if diff := cmp.Diff(tables, mine); diff != "" {
		t.Fatalf("tables (-schema +copyTables):\n%s", diff)
	}
	for _, tb := range copyTables {
		if len(tb.kinds) != len(tb.cols) {
			t.Errorf("%s: %d kinds for %d columns", tb.name, len(tb.kinds), len(tb.cols))
		}
		rows, err := st.reader.QueryContext(context.Background(), `SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, tb.name)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]byte{"TEXT": 't', "BLOB": 'b', "BIGINT": 'i', "DOUBLE PRECISION": 'f'}
		got := map[string]byte{}
		for rows.Next() {
			var n, typ string
			if err := rows.Scan(&n, &typ); err != nil {
				t.Fatal(err)
			}
			got[n] = kinds[typ]
		}
		rows.Close()
		want := map[string]byte{}
		for i, c := range tb.cols {
			want[c] = tb.kinds[i]
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("%s columns and kinds (-schema +copyTables):\n%s", tb.name, diff)
		}
	}
}
