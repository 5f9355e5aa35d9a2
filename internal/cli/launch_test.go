package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/redistest"
)

// smallCampaign has two targets with five chat probes each in a ten-minute window.
const (
	smallCampaign = "testdata/small.yaml"
	smallTotal    = 10
)

var launchLine = regexp.MustCompile(`^run (small-[0-9]{8}T[0-9]{4}Z): 10 probes from (\S+) to (\S+): 10 enqueued, 0 already queued, 0 already started or ended$`)

// passedLine is what launch says of the probes whose planned time has passed.
var passedLine = regexp.MustCompile(`(?m)^[0-9]+ of the 10 planned times have already passed: those probes start at once \(pacing allowing\)\n`)

// status is the expected output of campaign status for the small campaign.
func status(run string, start, end time.Time, scheduled, cancelled int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "run %s (campaign small, window %s to %s)\n", run, start.Format(time.RFC3339), end.Format(time.RFC3339))
	for _, s := range []struct {
		name string
		n    int
	}{{"scheduled", scheduled}, {"running", 0}, {"answered", 0}, {"auto_only", 0}, {"no_response", 0}, {"failed", 0}, {"cancelled", cancelled}} {
		fmt.Fprintf(&b, "  %-12s %8d\n", s.name, s.n)
	}
	fmt.Fprintf(&b, "  %-12s %8d of %d planned\n", "total", smallTotal, smallTotal)
	return b.String()
}

// queued returns the number of tasks waiting in the chat queue (scheduled or pending).
func queued(t *testing.T, insp *asynq.Inspector) int {
	t.Helper()
	info, err := insp.GetQueueInfo("chat")
	if err != nil {
		t.Fatalf("chat queue: %v", err)
	}
	return info.Scheduled + info.Pending
}

func TestLaunchStatusCancel(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	insp := asynq.NewInspectorFromRedisClient(redistest.Client(t, srv))
	redisURL := srv.URL(0)
	db := filepath.Join(t.TempDir(), "results.db")
	cmd := func(args ...string) outcome {
		t.Helper()
		got := stakeout(t, append(args, "--redis-url", redisURL, "--db", db)...)
		// Probes planned in the minute before now have passed: tested in TestLaunchPassed.
		got.Stdout = passedLine.ReplaceAllString(got.Stdout, "")
		return got
	}
	check := func(args []string, want outcome) {
		t.Helper()
		if diff := cmp.Diff(want, cmd(args...)); diff != "" {
			t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(args, " "), diff)
		}
	}

	// The first launch enqueues every probe and prints the run id on its last line.
	// --start now starts the window now (to the second), not at the start of the minute.
	before := time.Now().UTC().Truncate(time.Second)
	got := cmd("campaign", "launch", smallCampaign, "--start", "now", "--no-progress")
	lines := strings.Split(strings.TrimSuffix(got.Stdout, "\n"), "\n")
	if got.Code != 0 || got.Stderr != "" || len(lines) != 2 {
		t.Fatalf("stakeout campaign launch %s --start now = exit %d, stdout %q, stderr %q; want exit 0, two lines",
			smallCampaign, got.Code, got.Stdout, got.Stderr)
	}
	m := launchLine.FindStringSubmatch(lines[0])
	if m == nil || lines[1] != m[1] {
		t.Fatalf("launch printed %q, want %q and the run id", got.Stdout, launchLine)
	}
	run := m[1]
	start, err1 := time.Parse(time.RFC3339, m[2])
	end, err2 := time.Parse(time.RFC3339, m[3])
	if err1 != nil || err2 != nil || start.Before(before) || !end.Equal(start.Add(10*time.Minute)) {
		t.Fatalf("launch window %s to %s, want ten minutes from now (%s)", m[2], m[3], before.Format(time.RFC3339))
	}
	if want := "small-" + start.Format("20060102T1504Z"); run != want {
		t.Errorf("run id = %q, want %q (the campaign id and the window's start)", run, want)
	}
	if n := queued(t, insp); n != smallTotal {
		t.Errorf("after launch the chat queue holds %d tasks, want %d", n, smallTotal)
	}

	// Launching the same run again enqueues nothing.
	check([]string{"campaign", "launch", smallCampaign, "--start", m[2], "--no-progress"}, outcome{Stdout: fmt.Sprintf(
		"run %s: 10 probes from %s to %s: 0 enqueued, 10 already queued, 0 already started or ended\n%s\n", run, m[2], m[3], run)})
	if n := queued(t, insp); n != smallTotal {
		t.Errorf("after the second launch the chat queue holds %d tasks, want %d", n, smallTotal)
	}

	check([]string{"campaign", "status", run}, outcome{Stdout: status(run, start, end, smallTotal, 0)})
	check([]string{"campaign", "cancel", run}, outcome{Stdout: fmt.Sprintf("run %s: 10 probes cancelled, 0 had already started or ended\n", run)})
	if n := queued(t, insp); n != 0 {
		t.Errorf("after cancel the chat queue holds %d tasks, want none", n)
	}
	check([]string{"campaign", "status", run}, outcome{Stdout: status(run, start, end, 0, smallTotal)})
	// Cancelling twice changes nothing.
	check([]string{"campaign", "cancel", run}, outcome{Stdout: fmt.Sprintf("run %s: 0 probes cancelled, 0 had already started or ended\n", run)})

	// A cancelled run stays cancelled: launching it again enqueues nothing.
	check([]string{"campaign", "launch", smallCampaign, "--start", m[2], "--no-progress"}, outcome{Stdout: fmt.Sprintf(
		"run %s: 10 probes from %s to %s: 0 enqueued, 0 already queued, 10 already started or ended\n%s\n", run, m[2], m[3], run)})
	if n := queued(t, insp); n != 0 {
		t.Errorf("after launching a cancelled run the chat queue holds %d tasks, want none", n)
	}
}

func TestUnknownRun(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	want := outcome{Code: 1, Stderr: `stakeout: unknown run "nope" (launch it with: stakeout campaign launch FILE)` + "\n"}
	for _, sub := range []string{"status", "cancel"} {
		args := []string{"campaign", sub, "nope", "--redis-url", srv.URL(0)}
		if diff := cmp.Diff(want, stakeout(t, args...)); diff != "" {
			t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(args, " "), diff)
		}
	}
}

func TestLaunchBadFile(t *testing.T) {
	t.Parallel()
	// A bad file is rejected before Redis is reached: no server is needed.
	args := []string{"campaign", "launch", "testdata/bad/dangling-mailbox.yaml", "--no-progress", "--redis-url", "redis://127.0.0.1:1/0"}
	got := stakeout(t, args...)
	got.Stderr = relPaths(t, got.Stderr)
	want := outcome{Code: 1, Stderr: `testdata/bad/dangling-mailbox.yaml:34: targets[0].channels.email.mailbox: no mailbox with id "shopper-2"` + "\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(args, " "), diff)
	}
}

// TestLaunchPassed launches a run whose window has passed: launch says every probe
// starts at once.
func TestLaunchPassed(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)
	args := []string{"campaign", "launch", smallCampaign, "--start", start.Format(time.RFC3339), "--no-progress", "--redis-url", srv.URL(0)}
	run := "small-" + start.Format("20060102T1504Z")
	want := outcome{Stdout: fmt.Sprintf("run %s: 10 probes from %s to %s: 10 enqueued, 0 already queued, 0 already started or ended\n"+
		"10 of the 10 planned times have already passed: those probes start at once (pacing allowing)\n%s\n",
		run, start.Format(time.RFC3339), start.Add(10*time.Minute).Format(time.RFC3339), run)}
	if diff := cmp.Diff(want, stakeout(t, args...)); diff != "" {
		t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(args, " "), diff)
	}
	// Once cancelled (ended), none of them starts: launch does not say they would.
	if got := stakeout(t, "campaign", "cancel", run, "--redis-url", srv.URL(0)); got.Code != 0 {
		t.Fatalf("cancel = exit %d, stderr %q", got.Code, got.Stderr)
	}
	want = outcome{Stdout: fmt.Sprintf("run %s: 10 probes from %s to %s: 0 enqueued, 0 already queued, 10 already started or ended\n%s\n",
		run, start.Format(time.RFC3339), start.Add(10*time.Minute).Format(time.RFC3339), run)}
	if diff := cmp.Diff(want, stakeout(t, args...)); diff != "" {
		t.Errorf("stakeout %s after cancel (-want +got):\n%s", strings.Join(args, " "), diff)
	}
}

// TestRelaunchByIDKeepsWindow launches a run whose window starts off the minute, then
// launches it again by its id alone: the store's recorded window is kept (the same
// planned times, so the same tasks), not the minute the id names. A run id recorded
// for another campaign is refused.
func TestRelaunchByIDKeepsWindow(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	insp := asynq.NewInspectorFromRedisClient(redistest.Client(t, srv))
	dir := t.TempDir()
	db := filepath.Join(dir, "results.db")
	start := time.Now().UTC().Truncate(time.Minute).Add(37 * time.Second)
	end := start.Add(10 * time.Minute)
	run := "small-" + start.Format("20060102T1504Z")
	cmd := func(args ...string) outcome {
		t.Helper()
		got := stakeout(t, append(args, "--db", db)...)
		got.Stdout = passedLine.ReplaceAllString(got.Stdout, "")
		return got
	}
	first := cmd("campaign", "launch", smallCampaign, "--start", start.Format(time.RFC3339), "--no-progress", "--redis-url", srv.URL(0))
	if first.Code != 0 || !strings.HasPrefix(first.Stdout, fmt.Sprintf("run %s: 10 probes from %s to %s: 10 enqueued,", run, start.Format(time.RFC3339), end.Format(time.RFC3339))) {
		t.Fatalf("first launch = exit %d, stdout %q, stderr %q", first.Code, first.Stdout, first.Stderr)
	}

	want := outcome{Stdout: fmt.Sprintf("run %s: 10 probes from %s to %s: 0 enqueued, 10 already queued, 0 already started or ended\n%s\n",
		run, start.Format(time.RFC3339), end.Format(time.RFC3339), run)}
	args := []string{"campaign", "launch", smallCampaign, "--run", run, "--no-progress", "--redis-url", srv.URL(0)}
	if diff := cmp.Diff(want, cmd(args...)); diff != "" {
		t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(args, " "), diff)
	}
	if n := queued(t, insp); n != smallTotal {
		t.Errorf("after the relaunch by id the chat queue holds %d tasks, want %d", n, smallTotal)
	}

	// plan by id shows the recorded run's times, the same as plan with its start.
	byStart := cmd("campaign", "plan", smallCampaign, "--start", start.Format(time.RFC3339), "--format", "csv")
	byID := cmd("campaign", "plan", smallCampaign, "--run", run, "--format", "csv")
	if byStart.Code != 0 || byID.Code != 0 {
		t.Fatalf("plan = exit %d (stderr %q) and %d (stderr %q)", byStart.Code, byStart.Stderr, byID.Code, byID.Stderr)
	}
	if diff := cmp.Diff(byStart.Stdout, byID.Stdout); diff != "" {
		t.Errorf("plan --run %s differs from plan --start %s (-start +id):\n%s", run, start.Format(time.RFC3339), diff)
	}

	// The same id for another campaign is refused, naming both.
	other := filepath.Join(dir, "other.yaml")
	body, err := os.ReadFile(smallCampaign)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte(strings.Replace(string(body), "id: small\n", "id: other\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	want = outcome{Code: 1, Stderr: fmt.Sprintf("--run %s: the store records that run for campaign \"small\", not \"other\"\n", run)}
	args = []string{"campaign", "launch", other, "--run", run, "--no-progress", "--redis-url", srv.URL(0)}
	if diff := cmp.Diff(want, cmd(args...)); diff != "" {
		t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(args, " "), diff)
	}
}

// With --horizon, launch enqueues what starts within it and says who enqueues the
// rest; status counts the rest as scheduled (and says so); cancel cancels it too.
func TestLaunchHorizon(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	insp := asynq.NewInspectorFromRedisClient(redistest.Client(t, srv))
	db := filepath.Join(t.TempDir(), "results.db")
	cmd := func(args ...string) outcome {
		t.Helper()
		return stakeout(t, append(args, "--redis-url", srv.URL(0), "--db", db)...)
	}
	// Each target's five probes sit at 1, 3, 5, 7 and 9 minutes (±10s): a 4-minute
	// horizon holds two of each.
	got := cmd("campaign", "launch", smallCampaign, "--start", "now", "--horizon", "4m", "--no-progress")
	lines := strings.Split(strings.TrimSuffix(got.Stdout, "\n"), "\n")
	later := regexp.MustCompile(`^6 probes planned from (\S+) on are beyond the 4m0s horizon: 'stakeout scheduler' enqueues them as their time comes$`)
	if got.Code != 0 || len(lines) != 3 || !later.MatchString(lines[1]) ||
		!strings.Contains(lines[0], ": 4 enqueued, 0 already queued, 0 already started or ended") {
		t.Fatalf("launch --horizon 4m = exit %d, stdout %q; want 4 enqueued and the 6 later ones told", got.Code, got.Stdout)
	}
	if want := "warning: no 'stakeout scheduler' has scanned in the last 5 minutes on this Redis"; !strings.HasPrefix(got.Stderr, want) {
		t.Errorf("launch --horizon without a scheduler: stderr %q, want it to start with %q", got.Stderr, want)
	}
	run := lines[2]
	if n := queued(t, insp); n != 4 {
		t.Errorf("after launch the chat queue holds %d tasks, want 4", n)
	}
	st := cmd("campaign", "status", run)
	if !strings.Contains(st.Stdout, "  scheduled          10\n") ||
		!strings.Contains(st.Stdout, "(6 of the scheduled are beyond the 4m0s horizon, enqueued by 'stakeout scheduler' as their time comes)") {
		t.Errorf("status of a rolling run:\n%s\nwant 10 scheduled, 6 of them beyond the horizon", st.Stdout)
	}
	if js := cmd("campaign", "status", run, "--format", "json"); !strings.Contains(js.Stdout, `"pending":6,`) {
		t.Errorf("status --format json = %s, want \"pending\":6", js.Stdout)
	}
	if c := cmd("campaign", "cancel", run); c.Stdout != "run "+run+": 10 probes cancelled, 0 had already started or ended\n" {
		t.Errorf("cancel of a rolling run = %q, %q; want all 10 cancelled", c.Stdout, c.Stderr)
	}
	st = cmd("campaign", "status", run)
	if !strings.Contains(st.Stdout, "  cancelled          10\n") || strings.Contains(st.Stdout, "beyond") {
		t.Errorf("status after cancel:\n%s\nwant 10 cancelled", st.Stdout)
	}
	if n := queued(t, insp); n != 0 {
		t.Errorf("after cancel the chat queue holds %d tasks, want none", n)
	}
	if bad := cmd("campaign", "launch", smallCampaign, "--horizon=-1h", "--no-progress"); bad.Code != 2 || !strings.Contains(bad.Stderr, "--horizon -1h0m0s: want 0") {
		t.Errorf("launch --horizon -1h = exit %d, %q; want exit 2 naming the flag", bad.Code, bad.Stderr)
	}
}
