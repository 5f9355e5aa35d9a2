package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/mattn/go-isatty"
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
	FileFlags
}

// FileFlags say where the files that a campaign names may be.
type FileFlags struct {
	ProfileDir string `name:"profile-dir" env:"STAKEOUT_PROFILE_DIR" type:"existingdir" help:"Directory that the widget profile files campaigns name (profile: PATH) must lie in; paths leading out of it, by .. or a symbolic link, are refused (default: each campaign file's own directory)."`
}

func (f FileFlags) options() campaign.Options { return campaign.Options{ProfileDir: f.ProfileDir} }

// Run validates the file.
func (c *ValidateCmd) Run(ctx context.Context, g *Globals) error {
	camp, err := loadCampaign(ctx, c.File, c.options())
	if err != nil {
		return err
	}
	fmt.Fprintln(g.stdout, camp.Summary())
	return nil
}

// loadCampaign loads a file; validation problems become an exit-1 error listing them all.
// It stops waiting for the file when ctx ends (SIGTERM).
func loadCampaign(ctx context.Context, file string, o campaign.Options) (*campaign.Campaign, error) {
	camp, err := campaign.LoadWith(ctx, file, o)
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
	RunID string `name:"run" help:"Run id. A run the store (--db) has recorded keeps the window it was first launched with; otherwise an id of the form CAMPAIGN-20060102T1504Z selects the window starting then, and any other id names the current (or first) window. Default: the run whose window contains now, else the first."`
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
		// The window starts at the launch (or the given time), to the second; the run id
		// names its minute.
		start = start.UTC().Truncate(time.Second)
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

// byID reports whether the run is named by --run alone, so that the store's record of
// it, if any, gives its window.
func (f RunFlags) byID() bool { return f.RunID != "" && f.Start == "" }

// recorder finds a run as the store recorded it at its first launch.
type recorder interface {
	GetRun(ctx context.Context, run string) (store.Run, bool, error)
}

// recorded returns run with the window the store recorded for it, when the run is
// named by --run alone and the store knows it: a run launched with --start began at
// a second the id's minute does not say, and launching it again must keep that window
// (its planned times and deadlines). A run of another campaign is an error.
func (f RunFlags) recorded(ctx context.Context, rec recorder, camp *campaign.Campaign, run scheduler.Run) (scheduler.Run, error) {
	if !f.byID() || rec == nil {
		return run, nil
	}
	r, ok, err := rec.GetRun(ctx, f.RunID)
	if err != nil || !ok {
		return run, err
	}
	if r.Campaign != camp.ID {
		return run, &exitError{code: 1, msg: fmt.Sprintf("--run %s: the store records that run for campaign %q, not %q", f.RunID, r.Campaign, camp.ID)}
	}
	if !r.Start.IsZero() && !r.End.IsZero() {
		run.Start, run.End = r.Start.UTC(), r.End.UTC()
	}
	return run, nil
}

// planRun plans the run of camp (loaded from file) the flags choose, with its recorded
// window when rec knows it.
func planRun(ctx context.Context, file string, camp *campaign.Campaign, f RunFlags, rec recorder) (scheduler.Run, []scheduler.Probe, error) {
	run, err := f.resolve(camp, time.Now())
	if err != nil {
		return run, nil, err
	}
	if run, err = f.recorded(ctx, rec, camp, run); err != nil {
		return run, nil, err
	}
	plan, err := scheduler.Plan(camp, run)
	if err != nil {
		return run, nil, &exitError{code: 1, msg: fmt.Sprintf("%s: the plan does not fit:\n%v", file, err)}
	}
	return run, plan, nil
}

// PlanCmd is `stakeout campaign plan FILE`.
type PlanCmd struct {
	File string `arg:"" help:"Campaign file (YAML)."`
	RunFlags
	FileFlags
	StoreFlags
	Format string `name:"format" default:"table" enum:"table,csv,json" help:"Output format: table, csv or json."`
}

// Run prints the plan.
func (c *PlanCmd) Run(ctx context.Context, g *Globals) error {
	camp, err := loadCampaign(ctx, c.File, c.options())
	if err != nil {
		return err
	}
	var rec recorder
	if c.byID() && store.Exists(c.DB) {
		st, err := c.openRead(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		rec = st
	}
	_, plan, err := planRun(ctx, c.File, camp, c.RunFlags, rec)
	if err != nil {
		return err
	}
	return scheduler.WritePlan(g.stdout, camp, plan, c.Format)
}

// LaunchCmd is `stakeout campaign launch FILE`.
type LaunchCmd struct {
	File string `arg:"" help:"Campaign file (YAML)."`
	RunFlags
	FileFlags
	RedisFlags
	StoreFlags
	HorizonFlags
	Concurrency int  `name:"concurrency" default:"1024" help:"Probes enqueued concurrently (their enqueues share pipelined round trips to Redis)."`
	NoProgress  bool `name:"no-progress" help:"Do not draw a progress bar (it is drawn only on a terminal anyway)."`
}

// HorizonFlags say how far ahead probes are enqueued.
type HorizonFlags struct {
	Horizon time.Duration `name:"horizon" env:"STAKEOUT_HORIZON" default:"24h" help:"Enqueue only the probes planned before now plus this; a running 'stakeout scheduler' enqueues the rest as time passes, so Redis holds this much of a run, not all of it. 0 enqueues the whole run at once."`
}

// Run launches the run.
func (c *LaunchCmd) Run(ctx context.Context, g *Globals) error {
	camp, err := loadCampaign(ctx, c.File, c.options())
	if err != nil {
		return err
	}
	st, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	run, plan, err := planRun(ctx, c.File, camp, c.RunFlags, st)
	if err != nil {
		return err
	}
	rdb, err := c.redis()
	if err != nil {
		return err
	}
	defer rdb.Close()
	if c.Horizon < 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("--horizon %s: want 0 (all at once) or a positive duration", c.Horizon)}
	}
	l := &scheduler.Launcher{Redis: rdb, States: runstate.New(rdb), Concurrency: c.Concurrency, Store: st,
		Horizon: c.Horizon, Logger: g.logger, Waiting: func() {
			fmt.Fprintf(g.stderr, "waiting for the launch, top-up or cancel of run %s in progress elsewhere to end...\n", run.ID)
		}}
	bar := c.progress(scheduler.DueCount(plan, time.Now(), c.Horizon))
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
	if n := passed(plan, time.Now()); n > 0 && rep.Skipped == 0 {
		fmt.Fprintf(g.stdout, "%d of the %d planned times have already passed: those probes start at once (pacing allowing)\n", n, len(plan))
	}
	if rep.Later > 0 {
		fmt.Fprintf(g.stdout, "%d probes planned from %s on are beyond the %s horizon: 'stakeout scheduler' enqueues them as their time comes\n",
			rep.Later, rep.Through.Format(time.RFC3339), c.Horizon)
		seen, err := scheduler.SchedulerSeen(ctx, rdb, time.Now().Add(-5*time.Minute))
		if err != nil {
			return err
		}
		if !seen {
			fmt.Fprintf(g.stderr, "warning: no 'stakeout scheduler' has scanned in the last 5 minutes on this Redis: start one (any --campaigns directory), or the probes beyond the horizon are never enqueued (or launch with --horizon 0)\n")
		}
	}
	fmt.Fprintln(g.stdout, rep.Run)
	return nil
}

// passed counts the probes of plan planned before now.
func passed(plan []scheduler.Probe, now time.Time) int {
	n := 0
	for _, p := range plan {
		if p.At.Before(now) {
			n++
		}
	}
	return n
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
	RedisFlags
	StoreFlags
	Format string        `name:"format" default:"table" enum:"table,json" help:"Output format: table, or json (one object; with --watch, one per line)."`
	Watch  time.Duration `name:"watch" help:"Print the status again every this often (e.g. 5s) until every probe of the run has ended, or until Ctrl-C."`
}

// Run prints the counts, once or until the run is done.
func (c *StatusCmd) Run(ctx context.Context, g *Globals) error {
	rdb, err := c.redis()
	if err != nil {
		return err
	}
	defer rdb.Close()
	states := runstate.New(rdb)
	var tick <-chan time.Time
	if c.Watch > 0 {
		t := time.NewTicker(c.Watch)
		defer t.Stop()
		tick = t.C
	}
	for {
		st, err := scheduler.GetStatus(ctx, states, c.RunID)
		if errors.Is(err, scheduler.ErrUnknownRun) {
			if lost, ok, lerr := lostStatus(ctx, c.DB, c.RunID); lerr != nil || ok {
				if lerr != nil {
					return lerr
				}
				printLost(g, lost)
				return nil
			}
		}
		if err != nil && tick != nil && ctx.Err() != nil {
			return nil // Ctrl-C while reading: watching ends
		}
		if err != nil {
			return err
		}
		if err := c.print(g, st); err != nil {
			return err
		}
		if tick == nil || ended(st) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil // Ctrl-C ends watching; it is not an error
		case <-tick:
		}
		if c.Format == "table" {
			fmt.Fprintln(g.stdout)
		}
	}
}

// ended reports whether every planned probe of the run has ended (or was cancelled).
func ended(st scheduler.Status) bool {
	done := 0
	for s, n := range st.Counts {
		if runstate.Final(s) {
			done += n
		}
	}
	return done >= st.Meta.Total
}

// statusJSON is the JSON form of campaign status.
type statusJSON struct {
	Run      string         `json:"run"`
	Campaign string         `json:"campaign"`
	Start    time.Time      `json:"start"`
	End      time.Time      `json:"end"`
	Planned  int            `json:"planned"`
	Counts   map[string]int `json:"counts"`
	// Pending counts the scheduled probes not yet enqueued (beyond the horizon).
	Pending int  `json:"pending"`
	Ended   bool `json:"ended"`
}

// print writes one status in c's format.
func (c *StatusCmd) print(g *Globals, st scheduler.Status) error {
	if c.Format == "json" {
		counts := map[string]int{}
		for _, s := range runstate.StatusOrder {
			counts[s] = st.Counts[s]
		}
		return json.NewEncoder(g.stdout).Encode(statusJSON{Run: st.Run, Campaign: st.Meta.Campaign,
			Start: st.Meta.Start.UTC(), End: st.Meta.End.UTC(), Planned: st.Meta.Total, Counts: counts, Pending: st.Pending, Ended: ended(st)})
	}
	printStatus(g, st)
	return nil
}

// printStatus writes the status as a table.
func printStatus(g *Globals, st scheduler.Status) {
	fmt.Fprintf(g.stdout, "run %s (campaign %s, window %s to %s)\n", st.Run, st.Meta.Campaign,
		st.Meta.Start.Format(time.RFC3339), st.Meta.End.Format(time.RFC3339))
	total := 0
	for _, s := range runstate.StatusOrder {
		fmt.Fprintf(g.stdout, "  %-12s %8d\n", s, st.Counts[s])
		total += st.Counts[s]
	}
	fmt.Fprintf(g.stdout, "  %-12s %8d of %d planned\n", "total", total, st.Meta.Total)
	if st.Pending > 0 && st.Meta.Cancelled.IsZero() {
		fmt.Fprintf(g.stdout, "  (%d of the scheduled are beyond the %s horizon, enqueued by 'stakeout scheduler' as their time comes)\n",
			st.Pending, st.Meta.Horizon)
	}
}

// CancelCmd is `stakeout campaign cancel RUN`.
type CancelCmd struct {
	RunID string `arg:"" name:"run" help:"Run id, as printed by launch."`
	RedisFlags
	StoreFlags
}

// Run cancels what has not started.
func (c *CancelCmd) Run(ctx context.Context, g *Globals) error {
	rdb, err := c.redis()
	if err != nil {
		return err
	}
	defer rdb.Close()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	rep, err := scheduler.Cancel(ctx, runstate.New(rdb), insp, c.RunID, func() {
		fmt.Fprintf(g.stderr, "waiting for the launch or top-up of run %s in progress to end...\n", c.RunID)
	})
	if errors.Is(err, scheduler.ErrUnknownRun) {
		if lost, ok, lerr := lostStatus(ctx, c.DB, c.RunID); lerr != nil || ok {
			if lerr != nil {
				return lerr
			}
			why, _ := goneWhy(lost.run)
			fmt.Fprintf(g.stdout, "run %s: %s: no probe of it is queued, nothing to cancel\n", c.RunID, why)
			return nil
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "run %s: %d probes cancelled, %d had already started or ended\n", c.RunID, rep.Cancelled, rep.Left)
	return nil
}
