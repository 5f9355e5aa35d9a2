package store

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// exportFixture stores three results of run "r1" (answered, auto-only with a
// quoted, comma-laden scenario, failed with no start time) and one of run "r2".
func exportFixture(t *testing.T, bk backend) Store {
	t.Helper()
	s, _ := bk.openTemp(t)
	paris := time.FixedZone("CET", 3600)
	firstS := 2.2874889449999998 // exported rounded to the millisecond
	planned := time.Date(2026, 11, 3, 15, 4, 5, 120000000, paris)
	rs := []result.Result{
		{
			ProbeID: "r1/acme/chat/1", Run: "r1", Campaign: "c", Target: "acme", Industry: "retail", Channel: "chat", Scenario: "refund",
			PlannedAt: planned, StartedAt: planned.Add(1500 * time.Millisecond), FinishedAt: planned.Add(10 * time.Second),
			Outcome: result.Answered, FirstResponseS: &firstS, HumanResponseS: result.Seconds(95 * time.Second), DurationS: 8.4996,
		},
		{
			ProbeID: "r1/acme/email/1", Run: "r1", Target: "acme", Channel: "email", Scenario: `late "parcel", again`,
			PlannedAt: planned.Add(time.Hour), StartedAt: planned.Add(time.Hour + 1),
			Outcome: result.AutoOnly, Reason: result.ReasonDeadline, FirstResponseS: result.Seconds(3 * time.Second),
		},
		{
			ProbeID: "r1/zeta/chat/1", Run: "r1", Target: "zeta", Channel: "chat", Scenario: "refund",
			PlannedAt: planned.Add(2 * time.Hour),
			Outcome:   result.Failed, Reason: result.ReasonWidgetNotFound,
		},
		{
			ProbeID: "r2/acme/chat/1", Run: "r2", Target: "acme", Channel: "chat", Scenario: "refund",
			PlannedAt: planned, Outcome: result.NoResponse, Reason: result.ReasonOffline,
		},
	}
	if _, err := s.UpsertBatch(context.Background(), rs); err != nil {
		t.Fatalf("UpsertBatch: %v", err)
	}
	return s
}

func TestExport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s := exportFixture(t, bk)
		q := 0.75 // the graded quality of one answer is exported with it
		if err := s.PutGrades(context.Background(), []Grade{{ProbeID: "r1/acme/chat/1", GradeHead: GradeHead{Quality: &q}, Checks: []byte("{}")}}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			run, format, want string
			n                 int
		}{
			{"r1", FormatCSV, `probe_id,run,campaign,target,industry,channel,scenario,planned_at,started_at,finished_at,outcome,reason,first_response_s,human_response_s,duration_s,quality
r1/acme/chat/1,r1,c,acme,retail,chat,refund,2026-11-03T14:04:05.12Z,2026-11-03T14:04:06.62Z,2026-11-03T14:04:15.12Z,answered,,2.287,95,8.5,0.75
r1/acme/email/1,r1,,acme,,email,"late ""parcel"", again",2026-11-03T15:04:05.12Z,2026-11-03T15:04:05.120000001Z,,auto_only,deadline,3,,0,
r1/zeta/chat/1,r1,,zeta,,chat,refund,2026-11-03T16:04:05.12Z,,,failed,widget_not_found,,,0,
`, 3},
			{"r1", FormatJSONL, `{"probe_id":"r1/acme/chat/1","run":"r1","campaign":"c","target":"acme","industry":"retail","channel":"chat","scenario":"refund","planned_at":"2026-11-03T14:04:05.12Z","started_at":"2026-11-03T14:04:06.62Z","finished_at":"2026-11-03T14:04:15.12Z","outcome":"answered","reason":"","first_response_s":2.287,"human_response_s":95,"duration_s":8.5,"quality":0.75}
{"probe_id":"r1/acme/email/1","run":"r1","campaign":"","target":"acme","industry":"","channel":"email","scenario":"late \"parcel\", again","planned_at":"2026-11-03T15:04:05.12Z","started_at":"2026-11-03T15:04:05.120000001Z","finished_at":null,"outcome":"auto_only","reason":"deadline","first_response_s":3,"human_response_s":null,"duration_s":0,"quality":null}
{"probe_id":"r1/zeta/chat/1","run":"r1","campaign":"","target":"zeta","industry":"","channel":"chat","scenario":"refund","planned_at":"2026-11-03T16:04:05.12Z","started_at":null,"finished_at":null,"outcome":"failed","reason":"widget_not_found","first_response_s":null,"human_response_s":null,"duration_s":0,"quality":null}
`, 3},
			{"r2", FormatCSV, `probe_id,run,campaign,target,industry,channel,scenario,planned_at,started_at,finished_at,outcome,reason,first_response_s,human_response_s,duration_s,quality
r2/acme/chat/1,r2,,acme,,chat,refund,2026-11-03T14:04:05.12Z,,,no_response,offline,,,0,
`, 1},
			{"none", FormatCSV, "probe_id,run,campaign,target,industry,channel,scenario,planned_at,started_at,finished_at,outcome,reason,first_response_s,human_response_s,duration_s,quality\n", 0},
			{"none", FormatJSONL, "", 0},
		} {
			var buf bytes.Buffer
			n, err := Export(context.Background(), s, tc.run, tc.format, &buf)
			if err != nil {
				t.Errorf("Export(%q, %q): %v", tc.run, tc.format, err)
			}
			if n != tc.n {
				t.Errorf("Export(%q, %q) n = %d, want %d", tc.run, tc.format, n, tc.n)
			}
			if diff := cmp.Diff(tc.want, buf.String()); diff != "" {
				t.Errorf("Export(%q, %q) (-want +got):\n%s", tc.run, tc.format, diff)
			}
		}
	})
}

func TestExportAllRuns(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s := exportFixture(t, bk)
		var buf bytes.Buffer
		n, err := Export(context.Background(), s, "", FormatJSONL, &buf)
		if err != nil || n != 4 || strings.Count(buf.String(), "\n") != 4 {
			t.Errorf(`Export("", jsonl) = %d lines, %v; want 4, nil`, n, err)
		}
	})
}

func TestExportUnknownFormat(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		var buf bytes.Buffer
		_, err := Export(context.Background(), s, "", "xml", &buf)
		if err == nil || !strings.Contains(err.Error(), `unknown format "xml"`) {
			t.Errorf("Export(xml) error = %v, want unknown format", err)
		}
		if buf.Len() != 0 {
			t.Errorf("Export(xml) wrote %q, want nothing", buf.String())
		}
	})
}
