package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/scheduler"
)

// SchedulerCmd is `stakeout scheduler`.
type SchedulerCmd struct {
	RedisFlags
	StoreFlags
	MetricsFlags
	NoQueueMetrics bool          `name:"no-queue-metrics" env:"STAKEOUT_NO_QUEUE_METRICS" help:"Do not export asynq queue sizes and latencies (asynq_* metrics). The scheduler exports them by default so that they are exported once, not by every worker; turn them off in all schedulers but one."`
	Campaigns      string        `name:"campaigns" env:"STAKEOUT_CAMPAIGNS" required:"" type:"existingdir" help:"Directory of campaign files (*.yaml, *.yml), reread on every scan."`
	Interval       time.Duration `name:"interval" env:"STAKEOUT_SCAN_INTERVAL" default:"30s" help:"Time between scans of the campaign directory."`
	FileFlags
	HorizonFlags
}

// Run scans until SIGINT or SIGTERM.
func (c *SchedulerCmd) Run(ctx context.Context, g *Globals) error {
	if _, err := os.Stat(c.Campaigns); err != nil {
		return fmt.Errorf("--campaigns: %w", err)
	}
	rdb, err := c.redis()
	if err != nil {
		return err
	}
	defer rdb.Close()
	warnPersistence(ctx, rdb, g.logger)
	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.NewRedisCollector(rdb))
	if !c.NoQueueMetrics {
		reg.MustRegister(metrics.NewQueueCollector(asynq.NewInspectorFromRedisClient(rdb)))
	}
	srv, err := metrics.Listen(c.MetricsAddr, reg, g.logger, metrics.RedisHealth(rdb))
	if err != nil {
		return err
	}
	defer srv.Close()
	st, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r := &scheduler.Recurring{Dir: c.Campaigns, Redis: rdb, Interval: c.Interval, Logger: g.logger, ProfileDir: c.ProfileDir,
		Launcher: &scheduler.Launcher{Redis: rdb, States: runstate.New(rdb), Store: st, Horizon: c.Horizon, Logger: g.logger}}
	if c.Horizon < 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("--horizon %s: want 0 (all at once) or a positive duration", c.Horizon)}
	}
	g.logger.Info("scheduler started", "campaigns", c.Campaigns, "interval", c.Interval.String(), "horizon", c.Horizon.String())
	return r.Run(ctx)
}
