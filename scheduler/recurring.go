package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"
	"github.com/stakeoutcx/stakeout/internal/campaign"
)

// CurrentRun returns the run of campaign c whose window contains now, following the
// campaign's recurrence; ok is false when now is in no window.
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
	case "", "none":
		return first, true, nil
	case "daily", "weekly", "monthly":
		return latestStep(first, now, rec), true, nil
	}
	spec, ok := strings.CutPrefix(rec, "cron:")
	if !ok {
		return time.Time{}, false, fmt.Errorf("campaign %s: unknown recurrence %q", c.ID, rec)
	}
	sched, err := cron.ParseStandard(strings.TrimSpace(spec))
	if err != nil {
		return time.Time{}, false, fmt.Errorf("campaign %s: recurrence: %w", c.ID, err)
	}
	// Occurrences whose window can still contain now start after now minus one window.
	from := now.Add(-c.Schedule.Window.End(now).Sub(now)).Add(-time.Second)
	if from.Before(first) {
		from = first.Add(-time.Second)
	}
	var last time.Time
	for t := sched.Next(from); !t.After(now); t = sched.Next(t) {
		last = t
	}
	return last, !last.IsZero(), nil
}

// latestStep returns the latest first + k steps (k ≥ 0) at or before now.
func latestStep(first, now time.Time, rec string) time.Time {
	step := func(k int) time.Time {
		switch rec {
		case "daily":
			return first.AddDate(0, 0, k)
		case "weekly":
			return first.AddDate(0, 0, 7*k)
		}
		return first.AddDate(0, k, 0)
	}
	per := map[string]time.Duration{"daily": 24 * time.Hour, "weekly": 7 * 24 * time.Hour, "monthly": 28 * 24 * time.Hour}[rec]
	k := max(int(now.Sub(first)/per)-1, 0)
	for !step(k + 1).After(now) {
		k++
	}
	for k > 0 && step(k).After(now) {
		k--
	}
	return step(k)
}

// Recurring launches each campaign of a directory when its recurrence starts a new run.
// It rereads the directory on every tick, so changed, added and removed files are picked
// up without restart. Several schedulers may run at once: a Redis lock and the launched
// mark make each run launch once, and launching itself is idempotent.
type Recurring struct {
	Dir      string
	Launcher *Launcher
	Redis    redis.UniversalClient
	// Interval between directory scans (default 30s).
	Interval time.Duration
	Logger   *slog.Logger
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

func launchedKey(run string) string { return "stakeout:run:{" + run + "}:launched" }
func lockKey(run string) string     { return "stakeout:run:{" + run + "}:launching" }

// Run scans until ctx ends.
func (r *Recurring) Run(ctx context.Context) error {
	interval := r.Interval
	if interval == 0 {
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

// Tick scans the directory once and launches every run that is due. It returns the ids
// of the runs this call launched.
func (r *Recurring) Tick(ctx context.Context) []string {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	files, err := campaignFiles(r.Dir)
	if err != nil {
		r.Logger.Error("scan campaigns", "dir", r.Dir, "err", err)
		return nil
	}
	var launched []string
	for _, f := range files {
		c, err := campaign.Load(f)
		if err != nil {
			r.Logger.Error("campaign file is invalid, skipped until fixed", "file", f, "err", err)
			continue
		}
		run, ok, err := CurrentRun(c, now)
		if err != nil || !ok {
			if err != nil {
				r.Logger.Error("campaign recurrence", "file", f, "err", err)
			}
			continue
		}
		did, err := r.launchOnce(ctx, c, run)
		if err != nil {
			r.Logger.Error("launch run", "run", run.ID, "err", err)
		}
		if did {
			launched = append(launched, run.ID)
		}
	}
	return launched
}

func (r *Recurring) launchOnce(ctx context.Context, c *campaign.Campaign, run Run) (bool, error) {
	if n, err := r.Redis.Exists(ctx, launchedKey(run.ID)).Result(); err != nil || n == 1 {
		return false, err
	}
	ok, err := r.Redis.SetNX(ctx, lockKey(run.ID), "1", 10*time.Minute).Result()
	if err != nil || !ok {
		return false, err
	}
	defer r.Redis.Del(context.WithoutCancel(ctx), lockKey(run.ID))
	plan, err := Plan(c, run)
	if err != nil {
		return false, err
	}
	rep, err := r.Launcher.Launch(ctx, c, run, plan)
	if err != nil {
		return false, err
	}
	if err := r.Redis.Set(ctx, launchedKey(run.ID), time.Now().UTC().Format(time.RFC3339), 0).Err(); err != nil {
		return true, err
	}
	r.Logger.Info("run launched", "run", run.ID, "campaign", c.ID, "probes", rep.Total, "enqueued", rep.Enqueued, "existing", rep.Existing)
	return true, nil
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
