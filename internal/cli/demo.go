package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/redisproc"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/scheduler"
)

// DemoCmd is `stakeout demo`. Until the probes exist it validates, plans and launches
// the example campaign into a private Redis and shows the run's status: it does not
// pretend that probes run.
type DemoCmd struct {
	Campaign string `name:"campaign" default:"examples/campaign.yaml" type:"existingfile" help:"Campaign file to demonstrate."`
	Rows     int    `name:"rows" default:"12" help:"Plan rows shown."`
}

// Run runs the demo.
func (c *DemoCmd) Run(ctx context.Context, g *Globals) error {
	out := g.stdout
	camp, err := loadCampaign(c.Campaign)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "== stakeout campaign validate %s\n%s\n\n", c.Campaign, camp.Summary())
	run, err := RunFlags{}.resolve(camp, time.Now())
	if err != nil {
		return err
	}
	plan, err := scheduler.Plan(camp, run)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "== stakeout campaign plan %s (first %d of %d probes)\n", c.Campaign, min(c.Rows, len(plan)), len(plan))
	if err := scheduler.WritePlan(out, camp, plan[:min(c.Rows, len(plan))], "table"); err != nil {
		return err
	}
	srv, err := redisproc.Start(ctx, redisproc.Options{})
	if err != nil {
		return err
	}
	defer srv.Stop()
	fmt.Fprintf(out, "\n== private redis-server started on %s (your own Redis is not touched)\n", srv.Addr)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	states := runstate.New(rdb)
	l := &scheduler.Launcher{Redis: rdb, States: states}
	for i := 1; i <= 2; i++ {
		begin := time.Now()
		rep, err := l.Launch(ctx, camp, run, plan)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "== launch #%d of run %s: %d enqueued, %d already queued (%s)\n", i, rep.Run, rep.Enqueued, rep.Existing, time.Since(begin).Round(time.Millisecond))
	}
	st, err := scheduler.GetStatus(ctx, states, run.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n== stakeout campaign status %s\n", run.ID)
	for _, s := range runstate.StatusOrder {
		fmt.Fprintf(out, "  %-12s %8d\n", s, st.Counts[s])
	}
	fmt.Fprintln(out, "\nProbes are queued at their planned times. This build has no channel probe yet")
	fmt.Fprintln(out, "(email and chat come next), so the demo stops here and removes its Redis.")
	return nil
}
