package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"
	"github.com/stakeoutcx/stakeout/internal/campaign"
)

// CurrentRun returns the run of campaign c whose window contains now, following the
// campaign's recurrence; ok is false when now is in no window. When windows overlap,
// the run that started last is the current one.
//
// Runs open at Schedule.Start and then every day, every 7 days or every calendar month
// counted from Start (a monthly start on the 29th to 31st falls on the last day of
// shorter months), or each time a "cron: SPEC" fires at or after Start; a cron spec
// without a CRON_TZ= or TZ= prefix is read in UTC. A run's window ends at
// Schedule.Window.End(start).
func CurrentRun(c *campaign.Campaign, now time.Time) (run Run, ok bool, err error) {
	start, ok, err := currentStart(c, now)
	if err != nil || !ok {
		return Run{}, false, err
	}
	end := c.Schedule.Window.End(start)
	if !now.Before(end) {
		return Run{}, false, nil
	}
	return Run{ID: RunID(c, start), Start: start, End: end}, true, nil
}

// currentStart returns the latest window start at or before now.
func currentStart(c *campaign.Campaign, now time.Time) (time.Time, bool, error) {
	first := c.Schedule.Start
	if now.Before(first) {
		return time.Time{}, false, nil
	}
	rec := strings.TrimSpace(c.Schedule.Recurrence)
	switch rec {
	case "", campaign.RecurNone:
		return first, true, nil
	case campaign.RecurDaily, campaign.RecurWeekly, campaign.RecurMonthly:
		return latestStep(first, now, rec), true, nil
	}
	spec, ok := strings.CutPrefix(rec, "cron:")
	if !ok {
		return time.Time{}, false, fmt.Errorf("campaign %s: unknown recurrence %q", c.ID, rec)
	}
	sched, err := campaign.ParseCron(spec)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("campaign %s: recurrence %q: %w", c.ID, rec, err)
	}
	last := latestCron(sched, first, now, longestWindow(c.Schedule.Window))
	return last, !last.IsZero(), nil
}

// latestCron returns the latest time sched fires at or after first and at or before
// now whose window, at most longest long, may still contain now; zero when none.
// "@every D" fires at first, first+D, first+2D, ...
func latestCron(sched cron.Schedule, first, now time.Time, longest time.Duration) time.Time {
	if every, ok := sched.(cron.ConstantDelaySchedule); ok {
		return first.Add(now.Sub(first) / every.Delay * every.Delay)
	}
	// An occurrence before now-longest has a window that ended before now.
	from := now.Add(-longest).Add(-time.Second)
	if from.Before(first) {
		from = first.Add(-time.Second)
	}
	var last time.Time
	// Next returns the zero time when the spec never fires (e.g. "0 0 30 2 *").
	for t := sched.Next(from); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		last = t
	}
	return last
}

// longestWindow bounds the length of a window of w, whatever its start.
func longestWindow(w campaign.Window) time.Duration {
	if w.Months > 0 {
		return time.Duration(w.Months)*31*24*time.Hour + 24*time.Hour
	}
	return w.Duration
}

// latestStep returns the latest start first + k steps (k ≥ 0) at or before now, for
// now at or after first. Steps are counted from first, not from the previous start, in
// first's location: a day, 7 days, or a calendar month (addMonths).
func latestStep(first, now time.Time, rec string) time.Time {
	step := func(k int) time.Time {
		switch rec {
		case campaign.RecurDaily:
			return first.AddDate(0, 0, k)
		case campaign.RecurWeekly:
			return first.AddDate(0, 0, 7*k)
		}
		return addMonths(first, k)
	}
	var k int
	switch rec {
	case campaign.RecurDaily:
		k = int(now.Sub(first) / (24 * time.Hour))
	case campaign.RecurWeekly:
		k = int(now.Sub(first) / (7 * 24 * time.Hour))
	default:
		fy, fm, _ := first.Date()
		ny, nm, _ := now.In(first.Location()).Date()
		k = (ny-fy)*12 + int(nm-fm)
	}
	// The estimate is off by at most one step (wall clock days of 23 or 25 hours, or
	// a month whose start falls later in the month than now).
	for step(k+1).Compare(now) <= 0 {
		k++
	}
	for k > 0 && step(k).After(now) {
		k--
	}
	return step(k)
}

// addMonths returns t moved n calendar months, keeping the day of the month but
// clamping it to the last day of a shorter month: 31 Jan + 1 = 28 (or 29) Feb,
// 31 Jan + 2 = 31 Mar. The time of day and location are kept. (time.AddDate would
// carry the overflow into the next month: 31 Jan + 1 month = 3 Mar.)
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	last := time.Date(y, m+time.Month(n)+1, 0, 0, 0, 0, 0, t.Location()).Day()
	return time.Date(y, m+time.Month(n), min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// Recurring launches each campaign of a directory when its recurrence starts a new run.
// It rereads the directory on every tick, so changed, added and removed files are picked
// up without restart. Several schedulers may run at once: a Redis lock and the launched
// mark make each run launch once, and launching itself is idempotent.
//
// Only the current run of a campaign is launched: after downtime, the run whose
// window contains now is launched late (its past probes are due at once and pacing
// spreads them); runs whose windows ended meanwhile are not launched.
type Recurring struct {
	// Dir holds the campaign files (*.yaml, *.yml).
	Dir string
	// Launcher enqueues the runs.
	Launcher *Launcher
	// Redis keeps the launched marks and locks of runs.
	Redis redis.UniversalClient
	// Interval between directory scans (default 30s).
	Interval time.Duration
	// Logger receives what the scans find (default slog.Default()).
	Logger *slog.Logger
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// ProfileDir is the directory that the widget profile files the campaigns name
	// must lie in (default: the directory of the campaign file, Dir).
	ProfileDir string

	plan func(*campaign.Campaign, Run) ([]Probe, error) // Plan; tests replace it
}

func (r *Recurring) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.Default()
	}
	return r.Logger
}

func (r *Recurring) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Run scans until ctx ends.
func (r *Recurring) Run(ctx context.Context) error {
	interval := r.Interval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r.Tick(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick scans the directory once and launches every run that is due, then tops up the
// runs launched with a horizon (by any scheduler or by `stakeout campaign launch`)
// whose next top-up is due. It returns the ids of the runs this call launched. A file
// that does not load is logged and skipped, and so is one whose launch panics (its
// lock is released); the other files are still launched.
func (r *Recurring) Tick(ctx context.Context) []string {
	now := r.now()
	r.heartbeat(ctx, now)
	defer r.Launcher.topUp(ctx, now)
	files, err := campaignFiles(r.Dir)
	if err != nil {
		r.logger().Error("scan campaigns", "dir", r.Dir, "err", err)
		return nil
	}
	var launched []string
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		if run, ok := r.tickFile(ctx, f, now); ok {
			launched = append(launched, run)
		}
	}
	return launched
}

// tickFile loads one campaign file and launches its current run if it is due; it
// reports the run it launched. A panic is logged and ends only this file's turn.
func (r *Recurring) tickFile(ctx context.Context, f string, now time.Time) (run string, launched bool) {
	log := r.logger()
	defer func() {
		if p := recover(); p != nil {
			log.Error("campaign launch crashed, skipped until the next scan", "file", f, "err", fmt.Errorf("panic: %v", p), "stack", string(debug.Stack()))
			run, launched = "", false
		}
	}()
	c, err := campaign.LoadWith(ctx, f, campaign.Options{ProfileDir: r.ProfileDir})
	if err != nil {
		log.Error("campaign file is invalid, skipped until fixed", "file", f, "err", err)
		return "", false
	}
	cur, ok, err := CurrentRun(c, now)
	if err != nil {
		log.Error("campaign recurrence", "file", f, "err", err)
		return "", false
	}
	if !ok {
		return "", false
	}
	did, err := r.launchOnce(ctx, c, cur)
	if err != nil {
		log.Error("launch run", "file", f, "run", cur.ID, "err", err)
	}
	return cur.ID, did
}

// launchOnce launches run unless it is marked launched or another scheduler is
// launching it; it reports whether this call launched it.
func (r *Recurring) launchOnce(ctx context.Context, c *campaign.Campaign, run Run) (bool, error) {
	if done, err := r.launched(ctx, run.ID); err != nil || done {
		return false, err
	}
	// A launch lasts as long as it needs: the lock is renewed meanwhile. Losing it
	// (Redis unreachable for a whole TTL) stops the launch; launching is idempotent,
	// so another scheduler may take over.
	lock, ctx, err := lockRun(ctx, r.Redis, run.ID, false, nil, r.logger())
	if err != nil || lock == nil {
		return false, err
	}
	defer lock.release(ctx)
	// Another scheduler may have launched the run between the check and the lock.
	if done, err := r.launched(ctx, run.ID); err != nil || done {
		return false, err
	}
	planner := r.plan
	if planner == nil {
		planner = Plan
	}
	plan, err := planner(c, run)
	if err != nil {
		return false, err
	}
	rep, err := r.Launcher.launch(ctx, c, run, plan, r.now())
	if err != nil {
		return false, err
	}
	mark := redis.SetArgs{ExpireAt: Expiry(c, run, r.now())}
	if err := r.Redis.SetArgs(ctx, launchedKey(run.ID), time.Now().UTC().Format(time.RFC3339), mark).Err(); err != nil {
		return true, fmt.Errorf("mark run %s launched: %w", run.ID, err)
	}
	r.logger().Info("run launched", "run", run.ID, "campaign", c.ID, "probes", rep.Total,
		"enqueued", rep.Enqueued, "existing", rep.Existing, "skipped", rep.Skipped,
		"later", rep.Later, "through", rep.Through.Format(time.RFC3339))
	return true, nil
}

// SchedulersKey is the sorted set of schedulers seen, by name, scored by the Unix time
// of their latest scan: a launch with a horizon warns when none scanned lately, since
// nothing would enqueue the rest of its run.
const SchedulersKey = "stakeout:schedulers"

// heartbeat records this scheduler's scan in SchedulersKey.
func (r *Recurring) heartbeat(ctx context.Context, now time.Time) {
	host, _ := os.Hostname()
	name := fmt.Sprintf("%s:%d", host, os.Getpid())
	_, err := r.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, SchedulersKey, redis.Z{Score: float64(now.Unix()), Member: name})
		// Schedulers gone for a day are forgotten.
		p.ZRemRangeByScore(ctx, SchedulersKey, "-inf", fmt.Sprint(now.Add(-24*time.Hour).Unix()))
		return nil
	})
	if err != nil {
		r.logger().Warn("record scheduler scan", "err", err)
	}
}

// SchedulerSeen reports whether a scheduler scanned at or after since.
func SchedulerSeen(ctx context.Context, rdb redis.UniversalClient, since time.Time) (bool, error) {
	n, err := rdb.ZCount(ctx, SchedulersKey, fmt.Sprint(since.Unix()), "+inf").Result()
	if err != nil {
		return false, fmt.Errorf("read the schedulers seen: %w", err)
	}
	return n > 0, nil
}

// launched reports whether run carries the launched mark.
func (r *Recurring) launched(ctx context.Context, run string) (bool, error) {
	n, err := r.Redis.Exists(ctx, launchedKey(run)).Result()
	if err != nil {
		return false, fmt.Errorf("read launched mark of %s: %w", run, err)
	}
	return n == 1, nil
}

// campaignFiles lists the *.yaml and *.yml files of dir, sorted.
func campaignFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}
