package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/mattn/go-isatty"
	"github.com/redis/go-redis/v9"
	"github.com/schollz/progressbar/v3"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/scheduler"
)

// CampaignCmd groups the campaign subcommands.
type CampaignCmd struct {
	Validate ValidateCmd `cmd:"" help:"Check a campaign file; list every problem as FILE:LINE: field.path: what is wrong (exit 1), or print a one-line summary (exit 0)."`
	Plan     PlanCmd     `cmd:"" help:"Print when each probe of a run would start."`
	Launch   LaunchCmd   `cmd:"" help:"Enqueue every probe of a run at its planned time (idempotent: launching twice enqueues each probe once)."`
	Status   StatusCmd   `cmd:"" help:"Show how many probes of a run are in each state."`
	Cancel   CancelCmd   `cmd:"" help:"Remove every probe of a run that has not started."`
}

// ValidateCmd is `stakeout campaign validate FILE`.
type ValidateCmd struct {
	File string `arg:"" help:"Campaign file (YAML)."`
}

// Run validates the file.
func (c *ValidateCmd) Run(g *Globals) error {
	camp, err := loadCampaign(c.File)
	if err != nil {
		return err
	}
	fmt.Fprintln(g.stdout, camp.Summary())
	return nil
}

// loadCampaign loads a file; validation problems become an exit-1 error listing them all.
func loadCampaign(file string) (*campaign.Campaign, error) {
	camp, err := campaign.Load(file)
	var verr *campaign.ValidationError
	if errors.As(err, &verr) {
		return nil, &exitError{code: 1, msg: verr.Error()}
	}
	if err != nil {
		return nil, &exitError{code: 1, msg: err.Error()}
	}
	return camp, nil
}

// RunFlags choose the run of a campaign.
type RunFlags struct {
	RunID string `name:"run" help:"Run id. An id of the form CAMPAIGN-20060102T1504Z selects the window starting then; any other id names the current (or first) window. Default: the run whose window contains now, else the first."`
	Start string `name:"start" help:"Start the window at this time instead (RFC 3339, or 'now'); the run id then defaults to the one of that window."`
}

// resolve returns the chosen run of camp.
func (f RunFlags) resolve(camp *campaign.Campaign, now time.Time) (scheduler.Run, error) {
	if f.Start != "" {
		start := now
		if f.Start != "now" {
			t, err := time.Parse(time.RFC3339, f.Start)
			if err != nil {
				return scheduler.Run{}, fmt.Errorf("--start %q: want an RFC 3339 time or 'now'", f.Start)
			}
			start = t
		}
		// Run ids name the minute: a window starts on one so that its id reproduces it.
		start = start.UTC().Truncate(time.Minute)
		run := scheduler.Run{ID: scheduler.RunID(camp, start), Start: start, End: camp.Schedule.Window.End(start)}
		if f.RunID != "" {
			run.ID = f.RunID
		}
		return run, nil
	}
	if stamp, ok := strings.CutPrefix(f.RunID, camp.ID+"-"); ok {
		if start, err := time.Parse("20060102T1504Z", stamp); err == nil {
			return scheduler.Run{ID: f.RunID, Start: start, End: camp.Schedule.Window.End(start)}, nil
		}
	}
	run, ok, err := scheduler.CurrentRun(camp, now)
	if err != nil {
		return run, err
	}
	if !ok {
		run = scheduler.FirstRun(camp)
	}
	if f.RunID != "" {
		run.ID = f.RunID
	}
	return run, nil
}

// planFile loads a campaign and plans the run the flags choose.
func planFile(file string, f RunFlags) (*campaign.Campaign, scheduler.Run, []scheduler.Probe, error) {
	camp, err := loadCampaign(file)
	if err != nil {
		return nil, scheduler.Run{}, nil, err
	}
	run, err := f.resolve(camp, time.Now())
	if err != nil {
		return nil, run, nil, err
	}
	plan, err := scheduler.Plan(camp, run)
	if err != nil {
		return nil, run, nil, &exitError{code: 1, msg: fmt.Sprintf("%s: the plan does not fit:\n%v", file, err)}
	}
	return camp, run, plan, nil
}

// PlanCmd is `stakeout campaign plan FILE`.
type PlanCmd struct {
	File string `arg:"" help:"Campaign file (YAML)."`
	RunFlags
	Format string `name:"format" default:"table" enum:"table,csv,json" help:"Output format: table, csv or json."`
}

// Run prints the plan.
func (c *PlanCmd) Run(g *Globals) error {
	camp, _, plan, err := planFile(c.File, c.RunFlags)
	if err != nil {
		return err
	}
	return scheduler.WritePlan(g.stdout, camp, plan, c.Format)
}

// LaunchCmd is `stakeout campaign launch FILE`.
type LaunchCmd struct {
	File string `arg:"" help:"Campaign file (YAML)."`
	RunFlags
	Concurrency int  `name:"concurrency" default:"1024" help:"Probes enqueued concurrently (their enqueues share pipelined round trips to Redis)."`
	NoProgress  bool `name:"no-progress" help:"Do not draw a progress bar (it is drawn only on a terminal anyway)."`
}

// Run launches the run.
func (c *LaunchCmd) Run(ctx context.Context, g *Globals) error {
	camp, run, plan, err := planFile(c.File, c.RunFlags)
	if err != nil {
		return err
	}
	rdb, err := g.redis()
	if err != nil {
		return err
	}
	defer rdb.Close()
	st, err := store.Open(ctx, g.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	l := &scheduler.Launcher{Redis: rdb, States: runstate.New(rdb), Concurrency: c.Concurrency, Store: st}
	bar := c.progress(len(plan))
	if bar != nil {
		l.Progress = func(done int) { _ = bar.Set(done) }
	}
	rep, err := l.Launch(ctx, camp, run, plan)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(g.stderr)
	}
	if err != nil {
		return fmt.Errorf("launch %s: %w (launching again resumes where it stopped)", run.ID, err)
	}
	fmt.Fprintf(g.stdout, "run %s: %d probes from %s to %s: %d enqueued, %d already queued, %d already started or ended",
		rep.Run, rep.Total, run.Start.Format(time.RFC3339), run.End.Format(time.RFC3339), rep.Enqueued, rep.Existing, rep.Skipped)
	if rep.Recorded > 0 {
		// Redis had lost their state; the store had not.
		fmt.Fprintf(g.stdout, " (%d already sent or recorded, not sent again)", rep.Recorded)
	}
	fmt.Fprintln(g.stdout)
	fmt.Fprintln(g.stdout, rep.Run)
	return nil
}

func (c *LaunchCmd) progress(total int) *progressbar.ProgressBar {
	if c.NoProgress || !isatty.IsTerminal(os.Stderr.Fd()) {
		return nil
	}
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription("enqueuing probes"), progressbar.OptionShowCount(),
		progressbar.OptionShowIts(), progressbar.OptionSetItsString("probes"), progressbar.OptionThrottle(100*time.Millisecond))
}

// StatusCmd is `stakeout campaign status RUN`.
type StatusCmd struct {
	RunID string `arg:"" name:"run" help:"Run id, as printed by launch."`
}

// Run prints the counts.
func (c *StatusCmd) Run(ctx context.Context, g *Globals) error {
	rdb, err := g.redis()
	if err != nil {
		return err
	}
	defer rdb.Close()
	st, err := scheduler.GetStatus(ctx, runstate.New(rdb), c.RunID)
	if errors.Is(err, scheduler.ErrUnknownRun) {
		if lost, ok, lerr := lostStatus(ctx, g.DB, c.RunID); lerr != nil || ok {
			if lerr != nil {
				return lerr
			}
			printLost(g, lost)
			return nil
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "run %s (campaign %s, window %s to %s)\n", st.Run, st.Meta.Campaign,
		st.Meta.Start.Format(time.RFC3339), st.Meta.End.Format(time.RFC3339))
	total := 0
	for _, s := range runstate.StatusOrder {
		fmt.Fprintf(g.stdout, "  %-12s %8d\n", s, st.Counts[s])
		total += st.Counts[s]
	}
	fmt.Fprintf(g.stdout, "  %-12s %8d of %d planned\n", "total", total, st.Meta.Total)
	return nil
}

// CancelCmd is `stakeout campaign cancel RUN`.
type CancelCmd struct {
	RunID string `arg:"" name:"run" help:"Run id, as printed by launch."`
}

// Run cancels what has not started.
func (c *CancelCmd) Run(ctx context.Context, g *Globals) error {
	rdb, err := g.redis()
	if err != nil {
		return err
	}
	defer rdb.Close()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	rep, err := scheduler.Cancel(ctx, runstate.New(rdb), insp, c.RunID)
	if errors.Is(err, scheduler.ErrUnknownRun) {
		if _, ok, lerr := lostStatus(ctx, g.DB, c.RunID); lerr != nil || ok {
			if lerr != nil {
				return lerr
			}
			fmt.Fprintf(g.stdout, "run %s: its state is gone from Redis (Redis restarted without persistence?): no probe of it is queued, nothing to cancel\n", c.RunID)
			return nil
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "run %s: %d probes cancelled, %d had already started or ended\n", c.RunID, rep.Cancelled, rep.Left)
	return nil
}

// redis returns a client for --redis-url after checking it answers.
func (g *Globals) redis() (*redis.Client, error) {
	opts, err := g.redisOptions()
	if err != nil {
		return nil, err
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w", opts.Addr, err)
	}
	return rdb, nil
}
