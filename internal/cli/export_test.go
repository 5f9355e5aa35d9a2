package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// resultsDB returns a SQLite store file holding three results: two of run r1 (one
// answered, one failed) and one of run r2.
func resultsDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "results.db")
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	planned := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	paris := time.FixedZone("CET", 3600)
	rs := []result.Result{
		{
			ProbeID: "r1/globex/email/0001", Run: "r1", Campaign: "c", Target: "globex", Industry: "retail",
			Channel: "email", Scenario: "refund", PlannedAt: planned.Add(time.Hour), StartedAt: planned.Add(time.Hour + 250*time.Millisecond),
			FinishedAt: planned.Add(2 * time.Hour), Outcome: result.Failed, Reason: result.ReasonSMTPRejected, DurationS: 1.5,
		},
		{
			ProbeID: "r1/acme/chat/0001", Run: "r1", Campaign: "c", Target: "acme", Industry: "retail",
			Channel: "chat", Scenario: "order-status", PlannedAt: planned, StartedAt: planned.Add(2 * time.Second).In(paris),
			FinishedAt: planned.Add(5 * time.Minute), Outcome: result.Answered,
			FirstResponseS: result.Seconds(1500 * time.Millisecond), HumanResponseS: ptr(2.2874889449999998), DurationS: 300.0004,
		},
		{
			ProbeID: "r2/acme/chat/0001", Run: "r2", Campaign: "c", Target: "acme", Industry: "retail",
			Channel: "chat", Scenario: "order-status", PlannedAt: planned.AddDate(0, 1, 0), StartedAt: planned.AddDate(0, 1, 0),
			FinishedAt: planned.AddDate(0, 1, 0).Add(20 * time.Minute), Outcome: result.AutoOnly,
			FirstResponseS: result.Seconds(3 * time.Second), DurationS: 1200,
		},
	}
	for _, r := range rs {
		if _, err := st.Upsert(ctx, r); err != nil {
			t.Fatalf("upsert %s: %v", r.ProbeID, err)
		}
	}
	return path
}

// ptr returns a pointer to v.
func ptr(v float64) *float64 { return &v }

func TestResultsExport(t *testing.T) {
	t.Parallel()
	db := resultsDB(t)
	// Campaign, industry, finished_at and duration are exported; latencies and durations
	// are rounded to the millisecond.
	const (
		csvHeader = "probe_id,run,campaign,target,industry,channel,scenario,planned_at,started_at,finished_at,outcome,reason,first_response_s,human_response_s,duration_s,quality\n"
		csvAcme1  = "r1/acme/chat/0001,r1,c,acme,retail,chat,order-status,2026-12-01T09:30:00Z,2026-12-01T09:30:02Z,2026-12-01T09:35:00Z,answered,,1.5,2.287,300,\n"
		csvGlobex = "r1/globex/email/0001,r1,c,globex,retail,email,refund,2026-12-01T10:30:00Z,2026-12-01T10:30:00.25Z,2026-12-01T11:30:00Z,failed,smtp_rejected,,,1.5,\n"
		csvAcme2  = "r2/acme/chat/0001,r2,c,acme,retail,chat,order-status,2027-01-01T09:30:00Z,2027-01-01T09:30:00Z,2027-01-01T09:50:00Z,auto_only,,3,,1200,\n"

		jsonAcme1  = `{"probe_id":"r1/acme/chat/0001","run":"r1","campaign":"c","target":"acme","industry":"retail","channel":"chat","scenario":"order-status","planned_at":"2026-12-01T09:30:00Z","started_at":"2026-12-01T09:30:02Z","finished_at":"2026-12-01T09:35:00Z","outcome":"answered","reason":"","first_response_s":1.5,"human_response_s":2.287,"duration_s":300,"quality":null}` + "\n"
		jsonGlobex = `{"probe_id":"r1/globex/email/0001","run":"r1","campaign":"c","target":"globex","industry":"retail","channel":"email","scenario":"refund","planned_at":"2026-12-01T10:30:00Z","started_at":"2026-12-01T10:30:00.25Z","finished_at":"2026-12-01T11:30:00Z","outcome":"failed","reason":"smtp_rejected","first_response_s":null,"human_response_s":null,"duration_s":1.5,"quality":null}` + "\n"
	)
	tests := []struct {
		args []string
		want outcome
	}{
		{
			args: []string{"--run", "r1", "--format", "csv"},
			want: outcome{Stdout: csvHeader + csvAcme1 + csvGlobex, Stderr: "exported 2 results\n"},
		},
		{
			args: []string{"--run", "r1", "--format", "jsonl"},
			want: outcome{Stdout: jsonAcme1 + jsonGlobex, Stderr: "exported 2 results\n"},
		},
		{
			args: []string{"--run", "r1"}, // jsonl is the default
			want: outcome{Stdout: jsonAcme1 + jsonGlobex, Stderr: "exported 2 results\n"},
		},
		{
			args: []string{"--format", "csv"}, // every run
			want: outcome{Stdout: csvHeader + csvAcme1 + csvGlobex + csvAcme2, Stderr: "exported 3 results\n"},
		},
		{
			args: []string{"--run", "r2", "--format", "csv"},
			want: outcome{Stdout: csvHeader + csvAcme2, Stderr: "exported 1 result\n"},
		},
		{
			// An unknown run is an error, not an empty export.
			args: []string{"--run", "none", "--format", "csv"},
			want: outcome{Code: 1, Stderr: `stakeout: no results of run "none" in ` + db + " (stakeout results runs lists the runs it has)\n"},
		},
		{
			args: []string{"--format", "xml"},
			want: outcome{Code: 2, Stderr: `stakeout: --format must be one of "jsonl","csv" but got "xml"` + "\n"},
		},
	}
	for _, tc := range tests {
		args := append([]string{"results", "export", "--db", db}, tc.args...)
		got := stakeout(t, args...)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("stakeout results export %s (-want +got):\n%s", strings.Join(tc.args, " "), diff)
		}
	}

	// --output writes the file instead of stdout.
	out := filepath.Join(t.TempDir(), "r1.csv")
	for _, db := range []string{db, "sqlite:" + db} {
		got := stakeout(t, "results", "export", "--db", db, "--run", "r1", "--format", "csv", "-o", out)
		if diff := cmp.Diff(outcome{Stderr: "exported 2 results\n"}, got); diff != "" {
			t.Errorf("stakeout --db %s results export -o FILE (-want +got):\n%s", db, diff)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if diff := diffLines(csvHeader+csvAcme1+csvGlobex, string(b)); diff != "" {
			t.Errorf("exported file (-want +got):\n%s", diff)
		}
	}
}

func TestResultsExportStoreErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		db   string
		want outcome
	}{
		{
			db: "postgres://u:pw@127.0.0.1:1/results",
			want: outcome{Code: 1, Stderr: "stakeout: open postgres store 127.0.0.1:1/results: failed to connect to `user=u database=results`:\n" +
				strings.Repeat("\t127.0.0.1:1 (127.0.0.1): dial error: dial tcp 127.0.0.1:1: connect: connection refused\n", 2)},
		},
		{
			db:   "mysql://u:pw@127.0.0.1:1/results",
			want: outcome{Code: 1, Stderr: "stakeout: open store: unsupported dsn scheme in \"mysql\" (want sqlite or postgres)\n"},
		},
	}
	for _, tc := range tests {
		got := stakeout(t, "results", "export", "--db", tc.db)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("stakeout --db %s results export (-want +got):\n%s", tc.db, diff)
		}
	}
}

// TestResultsReadOnly checks that the read commands never create a store: a file that
// does not exist is an error, and no file appears; an unknown run writes no output file.
func TestResultsReadOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	want := outcome{Code: 1, Stderr: "stakeout: open store: no result store at " + missing +
		": file does not exist (--db / STAKEOUT_DB names the SQLite file the workers write)\n"}
	for _, args := range [][]string{
		{"results", "export", "--db", missing},
		{"results", "export", "--db", "sqlite:" + missing, "--run", "r1"},
		{"results", "runs", "--db", missing},
		{"runs", "--db", missing},
		{"results", "show", "r1/acme/chat/0001", "--db", missing},
	} {
		if diff := cmp.Diff(want, stakeout(t, args...)); diff != "" {
			t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(args, " "), diff)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatalf("stakeout %s created %s", strings.Join(args, " "), missing)
		}
	}
	db := resultsDB(t)
	out := filepath.Join(dir, "none.csv")
	got := stakeout(t, "results", "export", "--db", db, "--run", "none", "-o", out)
	if _, err := os.Stat(out); got.Code != 1 || err == nil {
		t.Errorf("stakeout results export --run none -o FILE = exit %d, file exists: %v; want exit 1, no file", got.Code, err == nil)
	}
}

// Evidence stored by reference is read back by its hash.
func TestResultsEvidence(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "results.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := st.PutEvidence(context.Background(), "image/jpeg", []byte("\xff\xd8jpeg"))
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := outcome{Stdout: "\xff\xd8jpeg", Stderr: "image/jpeg: 6 bytes\n"}
	if diff := cmp.Diff(want, stakeout(t, "results", "evidence", ref.SHA256, "--db", db)); diff != "" {
		t.Errorf("results evidence (-want +got):\n%s", diff)
	}
	want = outcome{Code: 1, Stderr: "stakeout: no evidence with sha256 00 in the store\n"}
	if diff := cmp.Diff(want, stakeout(t, "results", "evidence", "00", "--db", db)); diff != "" {
		t.Errorf("results evidence 00 (-want +got):\n%s", diff)
	}
}
