package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/cli"
	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/sim"
	"github.com/stakeoutcx/stakeout/internal/simtest"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/probes/email"
	"github.com/stakeoutcx/stakeout/scheduler"
	"github.com/stakeoutcx/stakeout/workers"
)

// lossCampaign writes a campaign file probing targets perTarget times by email within
// window, from now, and returns its path and the parsed campaign.
func lossCampaign(t *testing.T, s *sim.Sim, perTarget int, window time.Duration, targets ...string) (string, *campaign.Campaign) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "loss.yaml")
	if err := os.WriteFile(file, []byte(emailCampaign(t, s, "loss", perTarget, window, targets)), 0o600); err != nil {
		t.Fatal(err)
	}
	camp, err := campaign.Load(file)
	if err != nil {
		t.Fatalf("campaign: %v", err)
	}
	return file, camp
}

// stakeoutCLI runs the command line in-process; it returns the exit code and stdout.
func stakeoutCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(args, &stdout, &stderr)
	if stderr.Len() > 0 {
		t.Logf("stakeout %s: stderr: %s", strings.Join(args, " "), stderr.String())
	}
	return code, stdout.String()
}

// waitFor polls cond (a read of the store or Redis) until it holds, up to limit.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Redis loses everything (FLUSHALL) in the middle of a run: the result store knows
// what was sent. No company gets a message twice, no stored result is overwritten, the
// mail watchers run again, status says what happened, and launching again sends only
// what was never sent; every probe ends with the outcome the truth says.
func TestRedisLosesEverythingMidRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	s := simtest.Start(t, simConfig(t))
	db := filepath.Join(t.TempDir(), "results.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ws := newWatchedStore(st)
	w, err := workers.New(workers.Config{Redis: redisconn.Addr(srv.Addr), Store: ws, Concurrency: 20,
		Logger: failureLog(t), Email: &workers.EmailConfig{PollInterval: time.Second, Scan: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	const window = 45 * time.Second
	file, camp := lossCampaign(t, s, 3, window, "acme", "globex", "initech", "stark")
	run := scheduler.FirstRun(camp)
	plan, err := scheduler.Plan(camp, run)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&scheduler.Launcher{Redis: rdb, States: runstate.New(rdb), Store: st}).Launch(ctx, camp, run, plan); err != nil {
		t.Fatal(err)
	}
	// Redis loses everything once a few messages went out and a result is stored.
	waitFor(t, "three probes sent, one with a result", 60*time.Second, func() bool {
		d, err := st.Done(ctx, run.ID)
		results := 0
		for _, o := range d {
			if o != "" {
				results++
			}
		}
		return err == nil && len(d) >= 3 && results >= 1
	})
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	before := map[string]result.Result{}
	if err := st.Each(ctx, run.ID, func(r result.Result) error { before[r.ProbeID] = r; return nil }); err != nil {
		t.Fatal(err)
	}

	flags := []string{"--redis-url", srv.URL(0), "--db", db}
	code, out := stakeoutCLI(t, append([]string{"campaign", "status", run.ID}, flags...)...)
	if code != 0 || !strings.Contains(out, "its state is gone from Redis") || !strings.Contains(out, "sends only what was never sent") {
		t.Errorf("status after FLUSHALL = exit %d:\n%s\nwant it to say the state is gone and what launching again does", code, out)
	}
	// The worker puts back the records and mailboxes of what was sent: watchers run
	// again. A probe left open has no deadline nor record in Redis any more, so without
	// the restore it stays open; once restored, its reply or deadline closes it, and the
	// watcher may forget the idle mailbox again before this looks.
	waitFor(t, "mailbox registered again, or every probe sent before the loss closed", 60*time.Second, func() bool {
		mbs, _, err := email.Mailboxes(ctx, rdb)
		if err == nil && len(mbs) == 1 {
			return true
		}
		open, err := st.OpenSends(ctx, "email")
		return err == nil && len(open) == 0
	})
	relaunched := time.Now()
	code, out = stakeoutCLI(t, append([]string{"campaign", "launch", file, "--run", run.ID, "--no-progress"}, flags...)...)
	if code != 0 || !strings.Contains(out, "already sent or recorded, not sent again") {
		t.Errorf("launch after FLUSHALL = exit %d:\n%s\nwant it to skip what was sent", code, out)
	}

	waitResults(ctx, t, ws, run.ID, len(plan), window+deadline+90*time.Second)
	var rs []result.Result
	if err := st.Each(ctx, run.ID, func(r result.Result) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	// Relaunched well inside the window, every probe not sent before the loss is sent
	// now. Only a relaunch late in the window (a loaded machine) may leave probes that
	// end failed/out_of_window, as they must: never sent, the truth has nothing of them.
	lateRelaunch := relaunched.Add(5 * time.Second).After(run.End)
	var sent []result.Result
	for _, r := range rs {
		if r.Reason == result.ReasonOutOfWindow {
			if _, ok := before[r.ProbeID]; ok || !lateRelaunch {
				t.Errorf("%s: out_of_window after a relaunch %s before the window ended (stored before the loss: %t)",
					r.ProbeID, run.End.Sub(relaunched).Round(time.Millisecond), ok)
			}
			continue
		}
		sent = append(sent, r)
	}
	checkAgainstTruth(t, sent, readTruth(t, s)) // each company received each message once
	for _, r := range rs {
		if b, ok := before[r.ProbeID]; ok {
			if diff := cmp.Diff(b, r); diff != "" {
				t.Errorf("%s: the result stored before Redis lost its data changed (-before +after):\n%s", r.ProbeID, diff)
			}
		}
	}
	code, out = stakeoutCLI(t, append([]string{"campaign", "status", run.ID}, flags...)...)
	if code != 0 || strings.Contains(out, "gone") {
		t.Errorf("status after the relaunch = exit %d:\n%s", code, out)
	}
	t.Logf("%d probes, %d with a result before FLUSHALL", len(rs), len(before))
}
