package cli_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// After Redis lost everything, status says so and what the store knows, and launching
// again enqueues only the probes never sent or recorded.
func TestStatusAndLaunchAfterRedisLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	db := filepath.Join(t.TempDir(), "results.db")
	cmd := func(args ...string) outcome {
		t.Helper()
		return stakeout(t, append(args, "--redis-url", srv.URL(0), "--db", db)...)
	}
	got := cmd("campaign", "launch", smallCampaign, "--start", "now", "--no-progress")
	m := launchLine.FindStringSubmatch(strings.Split(got.Stdout, "\n")[0])
	if got.Code != 0 || m == nil {
		t.Fatalf("launch = %+v", got)
	}
	run := m[1]
	ids, err := rdb.HKeys(ctx, "stakeout:run:{"+run+"}:probes").Result()
	if err != nil || len(ids) != smallTotal {
		t.Fatalf("probe ids = %v, %v", ids, err)
	}
	sort.Strings(ids)
	// A worker recorded one result and one send without a result yet.
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Upsert(ctx, result.Result{ProbeID: ids[0], Run: run, Target: "a", Channel: "chat", Scenario: "s",
		Outcome: result.Answered}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordSend(ctx, store.Send{ProbeID: ids[1], Run: run, Target: "a", Channel: "chat", SentAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	got = cmd("campaign", "status", run)
	for _, want := range []string{
		fmt.Sprintf("run %s (campaign small, window %s to %s): its state is gone from Redis (Redis restarted without persistence?)\n", run, m[2], m[3]),
		"  answered                      1\n",
		"  sent, no result yet           1\n",
		"  never sent                    8 of 10 planned\n",
		"launching the campaign again (stakeout campaign launch FILE --run " + run + ") sends only what was never sent\n",
	} {
		if got.Code != 0 || !strings.Contains(got.Stdout, want) {
			t.Errorf("status after Redis lost its data = exit %d, stdout:\n%s\nwant it to contain %q", got.Code, got.Stdout, want)
		}
	}

	wantCancel := outcome{Stdout: "run " + run + ": its state is gone from Redis (Redis restarted without persistence?): no probe of it is queued, nothing to cancel\n"}
	if diff := cmp.Diff(wantCancel, cmd("campaign", "cancel", run)); diff != "" {
		t.Errorf("cancel after Redis lost its data (-want +got):\n%s", diff)
	}

	// Launched again by its id, the run's window starts at the minute the id names.
	want := outcome{Stdout: fmt.Sprintf("run %s: 10 probes from WINDOW: 8 enqueued, 0 already queued, 2 already started or ended (2 already sent or recorded, not sent again)\n%s\n",
		run, run)}
	relaunch := cmd("campaign", "launch", smallCampaign, "--run", run, "--no-progress")
	relaunch.Stdout = regexp.MustCompile(`from \S+ to \S+:`).ReplaceAllString(relaunch.Stdout, "from WINDOW:")
	if diff := cmp.Diff(want, relaunch); diff != "" {
		t.Errorf("launch after Redis lost its data (-want +got):\n%s", diff)
	}
	states, err := rdb.HMGet(ctx, "stakeout:run:{"+run+"}:probes", ids[0], ids[1]).Result()
	if err != nil || fmt.Sprint(states) != "[answered running]" {
		t.Errorf("states of the recorded probes = %v, %v; want [answered running]", states, err)
	}
}

// A run whose window ended more than 30 days ago has had its Redis keys expire: status
// and cancel say so, and status shows what the store knows without suggesting a relaunch.
func TestStatusAfterRunExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	db := filepath.Join(t.TempDir(), "results.db")
	cmd := func(args ...string) outcome {
		t.Helper()
		return stakeout(t, append(args, "--redis-url", srv.URL(0), "--db", db)...)
	}
	start := time.Now().Add(-60 * 24 * time.Hour).UTC().Truncate(time.Minute)
	got := cmd("campaign", "launch", smallCampaign, "--start", start.Format(time.RFC3339), "--no-progress")
	lines := strings.Split(strings.TrimSpace(got.Stdout), "\n")
	if got.Code != 0 {
		t.Fatalf("launch = %+v", got)
	}
	run := lines[len(lines)-1]
	// Its keys expire 30 days after this launch; here they are gone as after expiry.
	if err := redistest.Client(t, srv).FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	st := cmd("campaign", "status", run)
	want := "its state has expired from Redis (a run's state is kept there 30 days after its last deadline)\n"
	if st.Code != 0 || !strings.Contains(st.Stdout, want) || strings.Contains(st.Stdout, "launching the campaign again") {
		t.Errorf("status of an expired run = exit %d:\n%s\nwant it to say %q and suggest no relaunch", st.Code, st.Stdout, want)
	}
	if c := cmd("campaign", "cancel", run); c.Code != 0 || !strings.Contains(c.Stdout, "its state has expired from Redis") {
		t.Errorf("cancel of an expired run = exit %d, %q", c.Code, c.Stdout)
	}
}
