package scheduler

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

func TestCurrentRun(t *testing.T) {
	day, week := 24*time.Hour, 7*24*time.Hour
	month := campaign.Window{Months: 1}
	hrs := func(n int) campaign.Window { return campaign.Window{Duration: time.Duration(n) * time.Hour} }
	tests := []struct {
		name      string
		start     string
		window    campaign.Window
		rec       string
		now       string
		wantStart string // "" when now is in no window
		wantEnd   string
	}{
		{"none before", "2030-03-01T09:00:00Z", hrs(24), "", "2030-03-01T08:59:59Z", "", ""},
		{"none at start", "2030-03-01T09:00:00Z", hrs(24), "none", "2030-03-01T09:00:00Z", "2030-03-01T09:00:00Z", "2030-03-02T09:00:00Z"},
		{"none inside", "2030-03-01T09:00:00Z", hrs(24), "none", "2030-03-02T08:59:59Z", "2030-03-01T09:00:00Z", "2030-03-02T09:00:00Z"},
		{"none at end", "2030-03-01T09:00:00Z", hrs(24), "none", "2030-03-02T09:00:00Z", "", ""},
		{"none long after", "2030-03-01T09:00:00Z", hrs(24), "none", "2031-03-01T10:00:00Z", "", ""},

		{"daily first", "2030-03-01T09:00:00Z", hrs(2), "daily", "2030-03-01T09:00:00Z", "2030-03-01T09:00:00Z", "2030-03-01T11:00:00Z"},
		{"daily later start", "2030-03-01T09:00:00Z", hrs(2), "daily", "2030-03-05T09:00:00Z", "2030-03-05T09:00:00Z", "2030-03-05T11:00:00Z"},
		{"daily last second", "2030-03-01T09:00:00Z", hrs(2), "daily", "2030-03-05T10:59:59Z", "2030-03-05T09:00:00Z", "2030-03-05T11:00:00Z"},
		{"daily at end", "2030-03-01T09:00:00Z", hrs(2), "daily", "2030-03-05T11:00:00Z", "", ""},
		{"daily before next", "2030-03-01T09:00:00Z", hrs(2), "daily", "2030-03-05T08:59:59Z", "", ""},
		{"daily full window", "2030-03-01T09:00:00Z", campaign.Window{Duration: day}, "daily", "2030-03-05T08:59:59Z", "2030-03-04T09:00:00Z", "2030-03-05T09:00:00Z"},
		{"daily offset kept", "2030-03-01T09:00:00+01:00", hrs(1), "daily", "2030-07-01T08:30:00Z", "2030-07-01T08:00:00Z", "2030-07-01T09:00:00Z"},

		{"weekly start", "2030-03-04T00:00:00Z", hrs(24), "weekly", "2030-03-18T00:00:00Z", "2030-03-18T00:00:00Z", "2030-03-19T00:00:00Z"},
		{"weekly gap", "2030-03-04T00:00:00Z", hrs(24), "weekly", "2030-03-17T23:59:59Z", "", ""},
		{"weekly full window", "2030-03-04T00:00:00Z", campaign.Window{Duration: week}, "weekly", "2030-03-17T23:59:59Z", "2030-03-11T00:00:00Z", "2030-03-18T00:00:00Z"},

		{"monthly last second", "2030-01-01T00:00:00Z", month, "monthly", "2030-02-28T23:59:59Z", "2030-02-01T00:00:00Z", "2030-03-01T00:00:00Z"},
		{"monthly boundary", "2030-01-01T00:00:00Z", month, "monthly", "2030-03-01T00:00:00Z", "2030-03-01T00:00:00Z", "2030-04-01T00:00:00Z"},
		{"monthly years later", "2030-01-01T00:00:00Z", month, "monthly", "2041-12-31T23:59:59Z", "2041-12-01T00:00:00Z", "2042-01-01T00:00:00Z"},
		// A start on the 29th to 31st falls on the last day of shorter months, and
		// goes back to its own day in longer ones (never 3 Mar, never drifting).
		{"month end Feb", "2030-01-31T12:00:00Z", hrs(24), "monthly", "2030-02-28T12:00:00Z", "2030-02-28T12:00:00Z", "2030-03-01T12:00:00Z"},
		{"month end no 3 Mar", "2030-01-31T12:00:00Z", hrs(24), "monthly", "2030-03-03T12:30:00Z", "", ""},
		{"month end Mar", "2030-01-31T12:00:00Z", hrs(24), "monthly", "2030-03-31T12:30:00Z", "2030-03-31T12:00:00Z", "2030-04-01T12:00:00Z"},
		{"month end Apr", "2030-01-31T12:00:00Z", hrs(24), "monthly", "2030-04-30T13:00:00Z", "2030-04-30T12:00:00Z", "2030-05-01T12:00:00Z"},
		{"month end before Apr", "2030-01-31T12:00:00Z", hrs(24), "monthly", "2030-04-30T11:59:59Z", "", ""},
		{"month end leap Feb", "2030-01-31T12:00:00Z", hrs(24), "monthly", "2032-02-29T12:00:00Z", "2032-02-29T12:00:00Z", "2032-03-01T12:00:00Z"},
		{"month end Dec", "2030-01-31T12:00:00Z", hrs(24), "monthly", "2030-12-31T23:00:00Z", "2030-12-31T12:00:00Z", "2031-01-01T12:00:00Z"},
		{"30th in Feb", "2030-01-30T00:00:00Z", hrs(24), "monthly", "2030-02-28T01:00:00Z", "2030-02-28T00:00:00Z", "2030-03-01T00:00:00Z"},
		{"30th in Mar", "2030-01-30T00:00:00Z", hrs(24), "monthly", "2030-03-30T01:00:00Z", "2030-03-30T00:00:00Z", "2030-03-31T00:00:00Z"},
		{"29th in leap Feb", "2031-12-29T00:00:00Z", hrs(24), "monthly", "2032-02-29T01:00:00Z", "2032-02-29T00:00:00Z", "2032-03-01T00:00:00Z"},
		// The window end is Window.End of the run's start, as everywhere else.
		{"month end 1mo window", "2030-01-31T00:00:00Z", month, "monthly", "2030-02-10T00:00:00Z", "2030-01-31T00:00:00Z", "2030-03-03T00:00:00Z"},
		{"month end 1mo next run wins", "2030-01-31T00:00:00Z", month, "monthly", "2030-03-01T00:00:00Z", "2030-02-28T00:00:00Z", "2030-03-28T00:00:00Z"},

		// Mondays at 09:00, 2h windows. 1 Mar 2030 is a Friday.
		{"cron before first", "2030-03-01T00:00:00Z", hrs(2), "cron: 0 9 * * 1", "2030-03-03T09:30:00Z", "", ""},
		{"cron fires", "2030-03-01T00:00:00Z", hrs(2), "cron: 0 9 * * 1", "2030-03-04T09:00:00Z", "2030-03-04T09:00:00Z", "2030-03-04T11:00:00Z"},
		{"cron last second", "2030-03-01T00:00:00Z", hrs(2), "cron: 0 9 * * 1", "2030-03-04T10:59:59Z", "2030-03-04T09:00:00Z", "2030-03-04T11:00:00Z"},
		{"cron at end", "2030-03-01T00:00:00Z", hrs(2), "cron: 0 9 * * 1", "2030-03-04T11:00:00Z", "", ""},
		{"cron Tuesday", "2030-03-01T00:00:00Z", hrs(2), "cron: 0 9 * * 1", "2030-03-05T09:30:00Z", "", ""},
		// UTC: 09:00Z before and after the US (10 Mar) and EU (31 Mar) clock changes.
		{"cron UTC after US DST", "2030-03-01T00:00:00Z", hrs(2), "cron: 0 9 * * 1", "2030-03-11T10:00:00Z", "2030-03-11T09:00:00Z", "2030-03-11T11:00:00Z"},
		{"cron UTC after EU DST", "2030-03-01T00:00:00Z", hrs(2), "cron:0 9 * * 1", "2030-04-01T09:00:00Z", "2030-04-01T09:00:00Z", "2030-04-01T11:00:00Z"},
		{"cron start in offset", "2030-03-04T10:00:00+02:00", hrs(2), "cron: 0 9 * * 1", "2030-03-04T09:30:00Z", "2030-03-04T09:00:00Z", "2030-03-04T11:00:00Z"},
		{"cron not before start", "2030-03-04T09:30:00Z", hrs(2), "cron: 0 9 * * 1", "2030-03-04T10:00:00Z", "", ""},
		{"cron zone EST", "2030-03-01T00:00:00Z", hrs(2), "cron: CRON_TZ=America/New_York 0 9 * * 1", "2030-03-04T14:00:00Z", "2030-03-04T14:00:00Z", "2030-03-04T16:00:00Z"},
		{"cron zone EDT", "2030-03-01T00:00:00Z", hrs(2), "cron: CRON_TZ=America/New_York 0 9 * * 1", "2030-03-11T14:00:00Z", "2030-03-11T13:00:00Z", "2030-03-11T15:00:00Z"},
		{"cron monthly window", "2030-01-01T00:00:00Z", month, "cron: 0 0 1 * *", "2030-03-31T23:00:00Z", "2030-03-01T00:00:00Z", "2030-04-01T00:00:00Z"},
		{"cron never fires", "2030-01-01T00:00:00Z", hrs(2), "cron: 0 0 30 2 *", "2030-03-01T00:00:00Z", "", ""},
		{"every from start", "2030-03-01T00:00:00Z", hrs(2), "cron: @every 36h", "2030-03-01T01:00:00Z", "2030-03-01T00:00:00Z", "2030-03-01T02:00:00Z"},
		{"every third", "2030-03-01T00:00:00Z", hrs(2), "cron: @every 36h", "2030-03-04T01:59:59Z", "2030-03-04T00:00:00Z", "2030-03-04T02:00:00Z"},
		{"every gap", "2030-03-01T00:00:00Z", hrs(2), "cron: @every 36h", "2030-03-02T14:00:00Z", "", ""},
	}
	for _, tt := range tests {
		c := &campaign.Campaign{ID: "c", Schedule: campaign.Schedule{Start: utc(tt.start), Window: tt.window, Recurrence: tt.rec}}
		got, ok, err := CurrentRun(c, utc(tt.now))
		if err != nil {
			t.Errorf("%s: CurrentRun(%s, %q, %s) error: %v", tt.name, tt.start, tt.rec, tt.now, err)
			continue
		}
		var want Run
		if tt.wantStart != "" {
			start := utc(tt.wantStart)
			want = Run{ID: RunID(c, start), Start: start, End: utc(tt.wantEnd)}
		}
		if ok != (tt.wantStart != "") || !got.Start.Equal(want.Start) || !got.End.Equal(want.End) || got.ID != want.ID {
			t.Errorf("%s: CurrentRun(%s, %q, %s) = %v %v %v, %v; want %v %v %v, %v", tt.name, tt.start, tt.rec, tt.now,
				got.ID, got.Start, got.End, ok, want.ID, want.Start, want.End, tt.wantStart != "")
		}
	}
}

// Cron specs are read in UTC unless they name a zone, and bad specs are errors, never panics.
func TestParseCron(t *testing.T) {
	for spec, want := range map[string]string{"0 9 * * 1": "UTC", "@weekly": "UTC",
		"CRON_TZ=Europe/Paris 0 9 * * 1": "Europe/Paris", "TZ=Asia/Tokyo 0 9 * * *": "Asia/Tokyo"} {
		s, err := campaign.ParseCron(spec)
		if err != nil {
			t.Errorf("parseCron(%q): %v", spec, err)
			continue
		}
		if got := s.(*cron.SpecSchedule).Location.String(); got != want {
			t.Errorf("parseCron(%q) location = %s, want %s", spec, got, want)
		}
	}
	for _, spec := range []string{"", "TZ=x", "TZ=", "CRON_TZ=", "CRON_TZ=UTC", "TZ=Nowhere/Land 0 9 * * *", "0 9 * *", "61 * * * *", "@every -1h", "@every 30s"} {
		if _, err := campaign.ParseCron(spec); err == nil {
			t.Errorf("parseCron(%q) = nil error", spec)
		}
		c := &campaign.Campaign{ID: "c", Schedule: campaign.Schedule{Start: utc("2030-01-01T00:00:00Z"),
			Window: campaign.Window{Duration: time.Hour}, Recurrence: "cron: " + spec}}
		if _, ok, err := CurrentRun(c, utc("2030-02-01T00:00:00Z")); err == nil || ok {
			t.Errorf("CurrentRun(cron %q) = %v, %v; want an error", spec, ok, err)
		}
	}
}

func TestAddMonths(t *testing.T) {
	from := utc("2030-01-31T10:00:00Z")
	var got []string
	for k := range 14 {
		got = append(got, addMonths(from, k).Format("2006-01-02T15"))
	}
	want := []string{"2030-01-31T10", "2030-02-28T10", "2030-03-31T10", "2030-04-30T10", "2030-05-31T10", "2030-06-30T10",
		"2030-07-31T10", "2030-08-31T10", "2030-09-30T10", "2030-10-31T10", "2030-11-30T10", "2030-12-31T10", "2031-01-31T10", "2031-02-28T10"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("addMonths(%s, 0..13) (-want +got):\n%s", from, diff)
	}
	if got := addMonths(utc("2032-03-31T00:00:00Z"), -1); !got.Equal(utc("2032-02-29T00:00:00Z")) {
		t.Errorf("addMonths(31 Mar 2032, -1) = %s, want 29 Feb", got)
	}
}

// campaignYAML is a small valid email campaign of targets × perTarget probes.
func campaignYAML(id, start, window, rec string, targets, perTarget int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `id: %s
schedule:
  start: %s
  window: %s
  recurrence: %q
  probes_per_target: {email: %d}
mailboxes:
  - id: mb
    address: shopper@probes.example
    smtp: {host: 127.0.0.1, port: 2525, tls: none, password_env: STAKEOUT_TEST_PASSWORD}
    imap: {host: 127.0.0.1, port: 1143, tls: none, password_env: STAKEOUT_TEST_PASSWORD}
scenarios:
  - id: order
    subject: Where is my order?
    message: Hello, my order has not arrived.
    persona: {name: Jane Doe}
targets:
`, id, start, window, rec, perTarget)
	for i := range targets {
		fmt.Fprintf(&b, `  - id: t%d
    name: Target %d
    industry: retail
    timezone: UTC
    channels:
      email: {address: support@t%d.example, mailbox: mb}
`, i, i, i)
	}
	return b.String()
}

// writeCampaign writes a campaign file into dir and checks that it loads.
func writeCampaign(t *testing.T, dir, name, yaml string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := campaign.Load(path); err != nil {
		t.Fatalf("campaign.Load(%s): %v\n%s", name, err, yaml)
	}
}

func newRecurring(rdb *redis.Client, dir string, now func() time.Time, log *slog.Logger) *Recurring {
	return &Recurring{Dir: dir, Redis: rdb, Launcher: newLauncher(rdb), Now: now, Logger: log}
}

func fixedNow(s string) func() time.Time {
	t := utc(s)
	return func() time.Time { return t }
}

func scheduledTasks(t *testing.T, rdb *redis.Client, queue string) int {
	t.Helper()
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetQueueInfo(queue)
	if err != nil {
		t.Fatalf("GetQueueInfo(%s): %v", queue, err)
	}
	if info.Pending != 0 {
		t.Errorf("pending tasks in %s = %d, want 0 (probes are planned in the future)", queue, info.Pending)
	}
	return info.Scheduled
}

// A due run launches once: the second tick finds the launched mark.
func TestRecurringLaunchesOnce(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	ctx := context.Background()
	dir := t.TempDir()
	writeCampaign(t, dir, "shoes.yaml", campaignYAML("shoes", "2030-01-01T00:00:00Z", "24h", "none", 2, 3))
	writeCampaign(t, dir, "later.yml", campaignYAML("later", "2030-06-01T00:00:00Z", "24h", "none", 2, 3))
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a campaign"), 0o644)
	r := newRecurring(rdb, dir, fixedNow("2030-01-01T06:00:00Z"), nil) // nil Logger: slog.Default()
	if got := r.Tick(ctx); !slices.Equal(got, []string{"shoes-20300101T0000Z"}) {
		t.Errorf("first Tick = %q, want [shoes-20300101T0000Z]", got)
	}
	if got := r.Tick(ctx); len(got) != 0 {
		t.Errorf("second Tick = %q, want nothing", got)
	}
	if n := scheduledTasks(t, rdb, tasks.QueueEmail); n != 6 {
		t.Errorf("scheduled email tasks = %d, want 6", n)
	}
	counts, err := runstate.New(rdb).Counts(ctx, "shoes-20300101T0000Z")
	if err != nil || counts[runstate.Scheduled] != 6 {
		t.Errorf("run state = %v, %v; want 6 scheduled", counts, err)
	}
	if n := rdb.Exists(ctx, launchedKey("shoes-20300101T0000Z"), lockKey("shoes-20300101T0000Z")).Val(); n != 1 {
		t.Errorf("launched mark and lock: %d keys exist, want 1 (the mark; the lock is released)", n)
	}
}

// Two schedulers with their own connections ticking at once launch a run once.
func TestRecurringConcurrentSchedulers(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	dir := t.TempDir()
	writeCampaign(t, dir, "fleet.yaml", campaignYAML("fleet", "2030-01-01T00:00:00Z", "7d", "weekly", 10, 20))
	now := fixedNow("2030-01-09T00:00:00Z")
	var (
		mu       sync.Mutex
		launched []string
		wg       sync.WaitGroup
	)
	for range 2 {
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
		t.Cleanup(func() { rdb.Close() })
		r := newRecurring(rdb, dir, now, slog.New(slog.DiscardHandler))
		// Several goroutines per scheduler add contention; with one campaign a Launcher
		// is never used by two launches at once.
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					got := r.Tick(ctx)
					mu.Lock()
					launched = append(launched, got...)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if !slices.Equal(launched, []string{"fleet-20300108T0000Z"}) {
		t.Errorf("launched across schedulers = %q, want [fleet-20300108T0000Z] once", launched)
	}
	if n := scheduledTasks(t, redistest.Client(t, srv), tasks.QueueEmail); n != 200 {
		t.Errorf("scheduled email tasks = %d, want 200", n)
	}
}

// Files are reread on every tick: new ids and windows launch, removed files do not,
// and an invalid file is logged and skipped without stopping the others.
func TestRecurringRereadsFiles(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	ctx := context.Background()
	dir := t.TempDir()
	var logs bytes.Buffer
	now := utc("2030-01-01T01:00:00Z")
	r := newRecurring(rdb, dir, func() time.Time { return now }, slog.New(slog.NewTextHandler(&logs, nil)))
	tick := func(want ...string) {
		t.Helper()
		got := r.Tick(ctx)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("Tick at %s = %q, want %q", now.Format(time.RFC3339), got, want)
		}
	}

	writeCampaign(t, dir, "a.yaml", campaignYAML("a", "2030-01-01T00:00:00Z", "2h", "daily", 1, 2))
	bad := campaignYAML("Bad", "2030-01-01T00:00:00Z", "2h", "daily", 1, 2)
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(bad), 0o644)
	tick("a-20300101T0000Z")
	if !strings.Contains(logs.String(), "bad.yaml") || !strings.Contains(logs.String(), "invalid") {
		t.Errorf("log does not name the invalid file:\n%s", logs.String())
	}

	writeCampaign(t, dir, "a.yaml", campaignYAML("a2", "2030-01-01T00:00:00Z", "2h", "daily", 1, 2))
	tick("a2-20300101T0000Z")
	writeCampaign(t, dir, "a.yaml", campaignYAML("a2", "2030-01-01T00:30:00Z", "2h", "daily", 1, 2))
	tick("a2-20300101T0030Z")
	tick()

	writeCampaign(t, dir, "bad.yaml", campaignYAML("fixed", "2030-01-01T00:00:00Z", "2h", "daily", 1, 2))
	tick("fixed-20300101T0000Z")

	// The next day: a2 would have a new run, but its file is gone.
	os.Remove(filepath.Join(dir, "a.yaml"))
	now = utc("2030-01-02T01:00:00Z")
	tick("fixed-20300102T0000Z")
	writeCampaign(t, dir, "b.yaml", campaignYAML("b", "2030-01-01T00:00:00Z", "2h", "daily", 1, 2))
	os.Remove(filepath.Join(dir, "b.yaml"))
	tick()

	if n := scheduledTasks(t, rdb, tasks.QueueEmail); n != 5*2 {
		t.Errorf("scheduled email tasks = %d, want 10 (5 runs of 2 probes)", n)
	}
}

// A clock stepping over month ends launches each monthly run once, on the last day
// of short months for a campaign that starts on the 31st.
func TestRecurringMonthly(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	ctx := context.Background()
	dir := t.TempDir()
	writeCampaign(t, dir, "month.yaml", campaignYAML("month", "2030-01-01T00:00:00Z", "1mo", "monthly", 1, 2))
	writeCampaign(t, dir, "end.yaml", campaignYAML("end", "2030-01-31T00:00:00Z", "24h", "monthly", 1, 2))
	now := utc("2030-01-15T00:00:00Z")
	r := newRecurring(rdb, dir, func() time.Time { return now }, slog.New(slog.DiscardHandler))
	var got []string
	for ; now.Before(utc("2030-04-02T00:00:00Z")); now = now.Add(6 * time.Hour) {
		for _, id := range r.Tick(ctx) {
			got = append(got, now.Format("Jan 2 15h ")+id)
		}
	}
	want := []string{
		"Jan 15 00h month-20300101T0000Z",
		"Jan 31 00h end-20300131T0000Z",
		"Feb 1 00h month-20300201T0000Z",
		"Feb 28 00h end-20300228T0000Z",
		"Mar 1 00h month-20300301T0000Z",
		"Mar 31 00h end-20300331T0000Z",
		"Apr 1 00h month-20300401T0000Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("runs launched while the clock steps 6h at a time (-want +got):\n%s", diff)
	}
}
