// Package cli implements the stakeout command line: every subcommand, its flags and their
// STAKEOUT_* environment variables. cmd/stakeout only calls Run.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/secrets"
)

// Globals are the flags every subcommand shares.
type Globals struct {
	RedisURL string `name:"redis-url" env:"STAKEOUT_REDIS_URL" default:"redis://127.0.0.1:6379/0" help:"Redis that carries the asynq queues and run state (redis:// or rediss:// URL; a password in it is never logged)."`
	DB       string `name:"db" env:"STAKEOUT_DB" default:"stakeout.db" help:"Result store: a SQLite file path (embedded default) or sqlite:PATH."`
	LogLevel string `name:"log-level" env:"STAKEOUT_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Least level of log records written to stderr as JSON (debug, info, warn, error)."`

	stdout, stderr io.Writer
	logger         *slog.Logger
}

// CLI is the root command.
type CLI struct {
	Globals
	Campaign  CampaignCmd  `cmd:"" help:"Validate, plan, launch, inspect and cancel campaign runs."`
	Scheduler SchedulerCmd `cmd:"" help:"Launch recurring campaigns from a directory when their recurrence says so."`
	Worker    WorkerCmd    `cmd:"" help:"Run probes and record results (an asynq worker server)."`
	Results   ResultsCmd   `cmd:"" help:"Read recorded results."`
	Sim       SimCmd       `cmd:"" help:"Run the simulator: companies whose support desks answer probe emails and chat on their web sites, with a truth log."`
	Chat      ChatCmd      `cmd:"" help:"Try a chat widget with a widget profile."`
	Demo      DemoCmd      `cmd:"" help:"Run a whole campaign against the simulator: private Redis, simulator, worker and store, then a scorecard per company."`
}

// exitError carries an exit code chosen by a command.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// Run runs the stakeout command line with args (without the program name) and returns
// the process exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	var c CLI
	c.stdout, c.stderr = stdout, stderr
	exit := -1
	parser, err := kong.New(&c,
		kong.Name("stakeout"),
		kong.Description("stakeout: automated mystery shoppers for customer service. Every flag can also be set with the STAKEOUT_* environment variable shown beside it."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exit = code }),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		fmt.Fprintf(stderr, "stakeout: %v\n", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exit >= 0 {
		return exit
	}
	if err != nil {
		fmt.Fprintf(stderr, "stakeout: %v\n", err)
		return 2
	}
	c.logger = newLogger(stderr, c.LogLevel)
	redis.SetLogger(redisLogger{c.logger})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	err = kctx.Run(&c.Globals)
	if exit >= 0 {
		return exit
	}
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(stderr, ee.msg)
		}
		return ee.code
	case err != nil:
		fmt.Fprintf(stderr, "stakeout: %v\n", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(strings.ToUpper(level)))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// redisOptions parses the Redis URL; errors never echo the URL (it may hold a password).
func (g *Globals) redisOptions() (*redis.Options, error) {
	o, err := redis.ParseURL(g.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("--redis-url / STAKEOUT_REDIS_URL is not a valid redis:// URL: %s", secrets.Redact(err, g.RedisURL, urlPassword(g.RedisURL)))
	}
	return o, nil
}

// urlPassword returns the password of a URL, or "" when it has none or does not parse.
func urlPassword(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

// redisLogger routes go-redis's own messages (dial retries) into the JSON log at debug level.
type redisLogger struct{ l *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.l.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}
