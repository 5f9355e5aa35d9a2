package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
)

func Example() {
	dir, err := os.MkdirTemp("", "stakeout-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "results.db"))
	if err != nil {
		panic(err)
	}
	defer s.Close()

	r := result.Result{
		ProbeID: "nov/acme/chat/1", Run: "nov", Target: "acme", Channel: "chat", Scenario: "refund",
		PlannedAt: time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC),
		StartedAt: time.Date(2026, 11, 3, 14, 0, 1, 0, time.UTC),
		Outcome:   result.Answered, HumanResponseS: result.Seconds(90 * time.Second),
	}
	for range 2 { // a re-delivered result is recognised
		created, err := s.Upsert(ctx, r)
		fmt.Println("created:", created, err)
	}
	if _, err := store.Export(ctx, s, "nov", store.FormatCSV, os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// created: true <nil>
	// created: false <nil>
	// probe_id,run,campaign,target,industry,channel,scenario,planned_at,started_at,finished_at,outcome,reason,first_response_s,human_response_s,duration_s,quality
	// nov/acme/chat/1,nov,,acme,,chat,refund,2026-11-03T14:00:00Z,2026-11-03T14:00:01Z,,answered,,,90,0,
}
