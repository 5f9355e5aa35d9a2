package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stakeoutcx/stakeout/internal/result"
)

func TestScoringReadsResultsWithGrades(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, path := bk.openTemp(t)
		ctx := context.Background()
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		var rs []result.Result
		for i, k := range []struct{ run, target, channel, industry string }{
			{"r1", "acme", "chat", "retail"}, {"r1", "acme", "chat", "retail"}, {"r1", "acme", "email", "retail"},
			{"r1", "bolt", "chat", "bank"}, {"r2", "acme", "chat", "shops"},
		} {
			r := sample(k.run, k.run+"-"+k.target+"-"+k.channel+"-"+string(rune('a'+i)))
			r.Target, r.Channel, r.Industry = k.target, k.channel, k.industry
			r.PlannedAt = base.Add(time.Duration(i) * 24 * time.Hour)
			rs = append(rs, r)
		}
		if _, err := s.UpsertBatch(ctx, rs); err != nil {
			t.Fatal(err)
		}
		q := 0.75
		if err := s.PutGrades(ctx, []Grade{{ProbeID: rs[1].ProbeID, GradeHead: GradeHead{Revision: 0, Version: 3, Quality: &q}, Checks: []byte(`[]`)}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Scoring(ctx, Filter{Run: "r1", Target: "acme", Channel: "chat"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ProbeID != rs[0].ProbeID || got[0].Grade != nil || got[1].Grade == nil ||
			*got[1].Grade.Quality != 0.75 || got[1].Grade.Version != 3 || *got[1].HumanResponseS != *rs[1].HumanResponseS {
			t.Fatalf("Scoring(r1 acme chat) = %+v", got)
		}
		// Between two planned times, across runs.
		got, err = s.Scoring(ctx, Filter{Target: "acme", Channel: "chat", From: base.Add(24 * time.Hour), To: base.Add(5 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ProbeID != rs[1].ProbeID || got[1].ProbeID != rs[4].ProbeID {
			t.Errorf("Scoring(acme chat, days 1..5) = %d results %+v, want probes 1 and 4", len(got), got)
		}
		keys, err := s.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []Key{{"r1", "acme", "chat"}, {"r1", "acme", "email"}, {"r1", "bolt", "chat"}, {"r2", "acme", "chat"}}
		if diff := cmp.Diff(want, keys); diff != "" {
			t.Errorf("Keys (-want +got):\n%s", diff)
		}
		anchor, err := s.Anchor(ctx)
		if err != nil || !anchor.Equal(base.Add(4*24*time.Hour)) {
			t.Errorf("Anchor = %v, %v, want %v", anchor, err, base.Add(4*24*time.Hour))
		}
		g, ok, err := s.GetGrade(ctx, rs[1].ProbeID)
		if err != nil || !ok || string(g.Checks) != "[]" || *g.Quality != 0.75 {
			t.Errorf("GetGrade = %+v, %v, %v", g, ok, err)
		}
		ro, err := OpenReadOnly(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		if err := ro.PutGrades(ctx, nil); !errors.Is(err, ErrReadOnly) {
			t.Errorf("read-only PutGrades = %v, want ErrReadOnly", err)
		}
		if got, err := ro.Scoring(ctx, Filter{Run: "r2"}); err != nil || len(got) != 1 {
			t.Errorf("read-only Scoring(r2) = %d, %v", len(got), err)
		}
	})
}

func TestPutScoresReplaces(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		ctx := context.Background()
		score := func(v float64) *float64 { return &v }
		from, to := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		first := []ScoreRow{
			{Window: "run", Run: "r1", Target: "acme", Channel: "chat", Industry: "retail", Score: score(91), Tier: 3, Card: []byte(`{"a":1}`)},
			{Window: "run", Run: "r1", Target: "bolt", Channel: "chat", Industry: "bank", Tier: -1, Insufficient: true, Card: []byte(`{}`)},
			{Window: "7d", Target: "acme", Channel: "chat", Industry: "retail", Score: score(80), Tier: 2, From: from, To: to, Card: []byte(`{}`)},
		}
		if err := s.PutScores(ctx, first, false); err != nil {
			t.Fatal(err)
		}
		// An update replaces the same key.
		if err := s.PutScores(ctx, []ScoreRow{{Window: "run", Run: "r1", Target: "acme", Channel: "chat", Industry: "retail", Score: score(79.5), Tier: 1, Card: []byte(`{"a":2}`)}}, false); err != nil {
			t.Fatal(err)
		}
		rows, err := s.ListScores(ctx, ScoreFilter{Window: "run", Run: "r1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Target != "acme" || *rows[0].Score != 79.5 || string(rows[0].Card) != `{"a":2}` || rows[1].Score != nil || !rows[1].Insufficient {
			t.Fatalf("ListScores(run r1) = %+v", rows)
		}
		rows, err = s.ListScores(ctx, ScoreFilter{Window: "7d", Industry: "retail"})
		if err != nil || len(rows) != 1 || !rows[0].From.Equal(from) || !rows[0].To.Equal(to) {
			t.Fatalf("ListScores(7d retail) = %+v, %v", rows, err)
		}
		// A rebuild replaces everything.
		if err := s.PutScores(ctx, []ScoreRow{{Window: "30d", Target: "zed", Channel: "email", Tier: -1, Card: []byte(`{}`)}}, true); err != nil {
			t.Fatal(err)
		}
		rows, err = s.ListScores(ctx, ScoreFilter{})
		if err != nil || len(rows) != 1 || rows[0].Target != "zed" {
			t.Errorf("after a rebuild ListScores = %+v, %v, want the one new row", rows, err)
		}
	})
}

// A card made from older reads (a lower basis, or an earlier trailing window) never
// replaces a newer one.
func TestPutScoresKeepsNewest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		ctx := context.Background()
		day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
		put := func(win string, to time.Time, basis int64, card string) {
			t.Helper()
			if err := s.PutScores(ctx, []ScoreRow{{Window: win, Target: "acme", Channel: "chat", Tier: -1, To: to, Basis: basis, Card: []byte(card)}}, false); err != nil {
				t.Fatal(err)
			}
		}
		card := func(win string) string {
			t.Helper()
			rows, err := s.ListScores(ctx, ScoreFilter{Window: win})
			if err != nil || len(rows) != 1 {
				t.Fatalf("ListScores(%s) = %v, %v", win, rows, err)
			}
			return string(rows[0].Card)
		}
		put("run", time.Time{}, 10, `"b10"`)
		put("run", time.Time{}, 7, `"b7"`)
		put("run", time.Time{}, 10, `"b10 again"`)
		if got := card("run"); got != `"b10 again"` {
			t.Errorf("run card = %s, want the basis-10 card written last", got)
		}
		put("7d", day(3), 5, `"day3"`)
		put("7d", day(2), 50, `"day2"`)
		if got := card("7d"); got != `"day3"` {
			t.Errorf("7d card = %s, want the later window's", got)
		}
		for _, tt := range []struct {
			to   time.Time
			want bool
		}{{day(3), false}, {day(4), true}} {
			if got, err := s.TrailingBehind(ctx, tt.to); err != nil || got != tt.want {
				t.Errorf("TrailingBehind(%v) = %v, %v, want %v", tt.to, got, err, tt.want)
			}
		}
	})
}
