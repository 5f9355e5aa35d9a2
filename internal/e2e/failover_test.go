package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/redisproc"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/sim"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// A run through a Redis Sentinel group (a primary with persistence, a replica, three
// sentinels) whose primary is killed with SIGKILL a quarter of the way in: the scheduler
// (rolling horizon) and two email workers, separate processes on redis-sentinel://,
// follow the new primary without a restart; every probe ends once, with the outcome
// the simulator's truth says, and each company receives each message once.
func TestSentinelFailoverMidRun(t *testing.T) {
	ctx := context.Background()
	g, err := redisproc.StartSentinel(ctx, redisproc.SentinelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Stop)
	_, smtpPort, imapPort, _, truthLog := fleetSim(t)
	const perTarget, window, horizon = 12, 90 * time.Second, 20 * time.Second
	start := time.Now().Add(10 * time.Second).Truncate(time.Second)
	var ids []string
	for _, c := range companies {
		ids = append(ids, c.id)
	}
	dir := t.TempDir()
	text := emailCampaignAt(t, smtpPort, imapPort, "failover", start, perTarget, window, "pacing: {max_in_flight: 1, min_gap: 2s}\n", ids)
	if err := os.WriteFile(filepath.Join(dir, "failover.yaml"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "results.db")
	common := []string{"--log-format", "text", "--redis-url", g.URL(0), "--db", db, "--metrics-addr="}
	sch := startProc(t, "scheduler", append([]string{"scheduler", "--campaigns", dir, "--interval", "1s", "--horizon", horizon.String()}, common...)...)
	for _, name := range []string{"worker-1", "worker-2"} {
		startProc(t, name, append([]string{"worker", "--secrets-dir", os.TempDir(), "--concurrency", "20", "--no-chat",
			"--queues", "email=4,results=2,scoring=1,alerts=1", "--mail-poll-interval", "1s"}, common...)...)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run := "failover-" + start.UTC().Format("20060102T1504Z")
	total := len(companies) * perTarget

	waitStored(t, st, []string{run}, total/4, window+time.Minute)
	old, err := g.KillPrimary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	primary, err := g.WaitFailover(wctx, old)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("primary %s killed; %s promoted after %v", old, primary, time.Since(killed).Round(time.Millisecond))
	// The scheduler goes on topping up the run on the new primary.
	sch.waitLine(toppedUpRe, sch.mark(), window)

	waitStored(t, st, []string{run}, total, window+deadline+3*time.Minute)
	var rs []result.Result
	if err := st.Each(ctx, run, func(r result.Result) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rs) != total {
		t.Fatalf("%d results, want %d", len(rs), total)
	}
	for _, r := range rs {
		if r.Outcome == result.Failed {
			t.Errorf("%s failed: %s %s", r.ProbeID, r.Reason, r.Evidence)
		}
	}
	truth := readTruthFile(t, truthLog)
	checkAgainstTruth(t, rs, truth) // each company received each message once
	tokens := map[string]bool{}
	for _, r := range rs {
		tokens[email.Token(r.ProbeID)] = true
	}
	for _, r := range truth {
		if r.Kind == sim.KindReceived && !tokens[r.Token] {
			t.Errorf("%s received a message of no probe (token %q)", r.Company, r.Token)
		}
	}
}
