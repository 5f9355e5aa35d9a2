package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/probes/chat/browser"

	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/alerting"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/quality"
	"github.com/stakeoutcx/stakeout/internal/secrets"
	"github.com/stakeoutcx/stakeout/probes"
	"github.com/stakeoutcx/stakeout/workers"
)

// MetricsFlags are the flags of long-running processes.
type MetricsFlags struct {
	MetricsAddr string `name:"metrics-addr" env:"STAKEOUT_METRICS_ADDR" default:"127.0.0.1:9464" help:"Serve Prometheus /metrics and /healthz on this address (an empty value, --metrics-addr=, turns it off)."`
}

// WorkerCmd is `stakeout worker`.
type WorkerCmd struct {
	RedisFlags
	StoreFlags
	MetricsFlags
	QueueMetrics    bool          `name:"queue-metrics" env:"STAKEOUT_QUEUE_METRICS" help:"Also export asynq queue sizes and latencies (asynq_* metrics). The scheduler exports them already: turn this on in one worker only, and only where no scheduler runs."`
	Concurrency     int           `name:"concurrency" env:"STAKEOUT_CONCURRENCY" default:"10" help:"Tasks run at once by this process."`
	Queues          string        `name:"queues" env:"STAKEOUT_QUEUES" default:"chat=4,email=4,results=6,scoring=2,alerts=2" help:"Queues served and their weights, as name=weight,... A weight of 0 leaves a queue out."`
	ShutdownTimeout time.Duration `name:"shutdown-timeout" env:"STAKEOUT_SHUTDOWN_TIMEOUT" default:"21m" help:"On SIGTERM, how long running probes may finish before they are handed back to the queue. Keep it above the longest probe (chat: 20m)."`
	PacingWait      time.Duration `name:"pacing-wait" env:"STAKEOUT_PACING_WAIT" default:"5s" help:"How long a probe waits in the worker for a pacing slot of its target before it goes back to the queue."`
	NoResults       bool          `name:"no-results" env:"STAKEOUT_NO_RESULTS" help:"Do not serve the results queue (probe-only workers). A worker that probes still opens --db: it records every send there before it goes out, so that nothing is sent twice (SQLite: the same machine)."`
	NoScoring       bool          `name:"no-scoring" env:"STAKEOUT_NO_SCORING" help:"Do not score results: results this worker stores queue no scoring task, and the scoring queue is not served."`
	NoScoreMetrics  bool          `name:"no-score-metrics" env:"STAKEOUT_NO_SCORE_METRICS" help:"Do not export the score gauges (stakeout_score, stakeout_tier, ...). A scoring worker reads them from the store, so every one exports the same figures: in a fleet, keep them in one worker and turn them off in the others."`
	Hunspell        string        `name:"hunspell" env:"STAKEOUT_HUNSPELL" default:"hunspell" help:"The hunspell program that spell-checks answers (Debian packages hunspell and hunspell-en-us). Without it answers are graded on everything but spelling, and the worker says so at start."`
	NoAlerts        bool          `name:"no-alerts" env:"STAKEOUT_NO_ALERTS" help:"Do not run the degradation detector after scoring (no alert is recorded by this worker)."`
	Alertmanager    []string      `name:"alertmanager-url" env:"STAKEOUT_ALERTMANAGER_URL" sep:"," help:"Post alerts to this Alertmanager (its base URL, e.g. http://127.0.0.1:9093; user:password@ for basic auth). Repeat it (or separate with commas) for every member of an HA pair. Without one, alerts are recorded and listed (stakeout alerts) but not delivered."`
	AlertReportURL  string        `name:"alert-report-url" env:"STAKEOUT_ALERT_REPORT_URL" help:"Link each alert to its report: a URL template where {run}, {target}, {channel}, {client} and {id} are replaced, e.g. https://reports.example.com/{run}/{target}.html. Without it, the alert says the stakeout report command that makes it."`
	NoEmail         bool          `name:"no-email" env:"STAKEOUT_NO_EMAIL" help:"Do not run the email channel (probe, deadlines, mail watchers)."`
	MailPoll        time.Duration `name:"mail-poll-interval" env:"STAKEOUT_MAIL_POLL_INTERVAL" default:"30s" help:"Time between two polls of a probe mailbox; IMAP IDLE brings replies sooner where the server has it. The poll interval never changes a measured latency (replies are timed by INTERNALDATE)."`
	MailNoIdle      bool          `name:"mail-no-idle" env:"STAKEOUT_MAIL_NO_IDLE" help:"Do not use IMAP IDLE: poll only."`
	NoChat          bool          `name:"no-chat" env:"STAKEOUT_NO_CHAT" help:"Do not run the chat channel (no Chromium is started)."`
	Chromium        string        `name:"chromium" env:"STAKEOUT_CHROMIUM" help:"Chromium binary for chat probes (default: the headless shell of Debian's chromium-headless-shell, else chromium)."`
	ChatMax         int           `name:"chat-max-concurrent" env:"STAKEOUT_CHAT_MAX_CONCURRENT" default:"4" help:"Chat conversations held at once by this process (one browser context each, in one Chromium). Keep --concurrency above it."`
	ChatRestart     int           `name:"chat-restart-after" env:"STAKEOUT_CHAT_RESTART_AFTER" default:"200" help:"Restart Chromium after this many conversations."`
	SecretsDir      string        `name:"secrets-dir" env:"STAKEOUT_SECRETS_DIR" default:"/run/secrets" help:"Directory that the password files campaigns name (password_file) must lie in: a relative path is taken from it; paths leading out of it, by .. or a symbolic link, are refused."`
	WidgetProfiles  string        `name:"widget-profiles" env:"STAKEOUT_WIDGET_PROFILES" type:"existingdir" help:"Directory of widget profiles (*.yaml) that campaigns may name, besides the built-in ones."`
}

// Run serves until SIGINT or SIGTERM.
func (c *WorkerCmd) Run(ctx context.Context, g *Globals) error {
	secrets.SetDir(c.SecretsDir)
	queues, err := parseQueues(c.Queues)
	if err != nil {
		return err
	}
	conn, err := c.redisConn()
	if err != nil {
		return err
	}
	rdb, err := c.redis()
	if err != nil {
		return err
	}
	defer rdb.Close()
	if err := checkNoEviction(ctx, rdb, g.logger); err != nil {
		return err
	}
	warnPersistence(ctx, rdb, g.logger)
	reg := metrics.NewRegistry()
	cfg := workers.Config{Redis: conn, Concurrency: c.Concurrency, Queues: queues, ShutdownTimeout: c.ShutdownTimeout,
		PacingMaxWait: c.PacingWait, Registry: probes.Default(), Registerer: reg, Logger: g.logger}
	if !c.NoEmail {
		cfg.Email = &workers.EmailConfig{PollInterval: c.MailPoll, NoIdle: c.MailNoIdle}
	}
	if !c.NoChat {
		cfg.Chat = &workers.ChatConfig{ProfilesDir: c.WidgetProfiles,
			Browser: browser.Options{ExecPath: c.Chromium, MaxConcurrent: c.ChatMax, RestartAfter: c.ChatRestart, Logger: g.logger}}
	}
	if !c.NoResults || !c.NoEmail || !c.NoChat {
		// Probing workers need the store too: it records what was sent.
		st, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		cfg.ProbeStore = st
		if !c.NoResults {
			cfg.Store = st
		}
	}
	if cfg.Store != nil && !c.NoScoring {
		h := &quality.Hunspell{Path: c.Hunspell}
		defer h.Close()
		if err := h.Available(); err != nil {
			g.logger.Warn("answers will be graded without their spelling", "err", err)
		}
		cfg.Scoring = &workers.ScoringConfig{Grader: &quality.Grader{Speller: h}, Metrics: !c.NoScoreMetrics}
	}
	if cfg.Store != nil {
		a := &workers.AlertsConfig{Metrics: !c.NoScoreMetrics && !c.NoScoring, NoDetect: c.NoAlerts || c.NoScoring,
			Deliverer: alerting.Deliverer{ReportURL: c.AlertReportURL}}
		if len(c.Alertmanager) > 0 {
			if a.Deliverer.Client, err = alerting.NewClient(c.Alertmanager); err != nil {
				return fmt.Errorf("--alertmanager-url: %w", err)
			}
		}
		cfg.Alerts = a
	}
	w, err := workers.New(cfg)
	if err != nil {
		return err
	}
	reg.MustRegister(metrics.NewRedisCollector(rdb))
	if c.QueueMetrics {
		reg.MustRegister(metrics.NewQueueCollector(asynq.NewInspectorFromRedisClient(rdb)))
	}
	srv, err := metrics.Listen(c.MetricsAddr, reg, g.logger, metrics.RedisHealth(rdb))
	if err != nil {
		w.Close()
		return err
	}
	defer srv.Close()
	return w.Run(ctx)
}

// parseQueues parses "name=weight,...".
func parseQueues(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(w)
		if !ok || err != nil || n < 0 || name == "" {
			return nil, fmt.Errorf("--queues: %q is not name=weight with a weight ≥ 0", part)
		}
		out[name] = n
	}
	return out, nil
}
