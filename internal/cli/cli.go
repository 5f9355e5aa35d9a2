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
	"github.com/mattn/go-isatty"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/workers"
)

// Globals are the flags every subcommand shares: only how it logs. The flags of the
// servers a command uses (Redis, the store) are on the commands that use them
// (RedisFlags, StoreFlags).
type Globals struct {
	LogLevel    string      `name:"log-level" env:"STAKEOUT_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Least level of log records written to stderr (debug, info, warn, error)."`
	LogFormat   string      `name:"log-format" env:"STAKEOUT_LOG_FORMAT" default:"auto" enum:"auto,text,json" help:"Log records on stderr as text lines or JSON objects (auto: text on a terminal, JSON otherwise)."`
	ShowVersion versionFlag `name:"version" help:"Print the version of stakeout, Go, its modules and the Chromium it would use, and exit."`

	stdout, stderr io.Writer
	logger         *slog.Logger
}

// CLI is the root command.
type CLI struct {
	Globals
	Campaign  CampaignCmd  `cmd:"" help:"Validate, plan, launch, inspect and cancel campaign runs."`
	Scheduler SchedulerCmd `cmd:"" help:"Launch recurring campaigns from a directory when their recurrence says so."`
	Worker    WorkerCmd    `cmd:"" help:"Run probes and record results (an asynq worker server)."`
	Results   ResultsCmd   `cmd:"" help:"Read recorded results: runs, one probe's evidence, exports."`
	Runs      RunsCmd      `cmd:"" help:"List the runs that have results (same as: results runs)."`
	Scores    ScoresCmd    `cmd:"" help:"Scorecards per target and channel: score, tier (Elite, Excellent, Approved, Not Approved), rank in industry; explain one; rebuild them all."`
	Alerts    AlertsCmd    `cmd:"" help:"Degradation alerts: list them (firing and past), show one with its evidence."`
	DB        DBCmd        `cmd:"" name:"db" help:"The result store: migrate its schema, copy it into another store (SQLite into PostgreSQL)."`
	Report    ReportCmd    `cmd:"" help:"Write a run's report for clients: .html (one self-contained page), .pdf (printed by Chromium) or .csv."`
	Sim       SimCmd       `cmd:"" help:"Run the simulator: companies whose support desks answer probe emails and chat on their web sites, with a truth log."`
	Chat      ChatCmd      `cmd:"" help:"Try a chat widget with a widget profile."`
	Demo      DemoCmd      `cmd:"" help:"Run a whole campaign against the simulator: private Redis, simulator, worker and store, then a scorecard per company."`
	Version   VersionCmd   `cmd:"" help:"Print the version of stakeout, Go, its modules and the Chromium it would use."`
}

// exitError carries an exit code chosen by a command.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// Run runs the stakeout command line with args (without the program name) and returns
// the process exit code. Without arguments it prints the usage, every command listed.
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
	if len(args) == 0 {
		args = []string{"--help"}
	}
	kctx, err := parser.Parse(args)
	if exit >= 0 {
		return exit
	}
	if err != nil {
		fmt.Fprintf(stderr, "stakeout: %v\n", err)
		return 2
	}
	c.logger = newLogger(stderr, c.LogLevel, c.LogFormat)
	redis.SetLogger(redisLogger{c.logger})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	err = kctx.Run(&c.Globals)
	if exit >= 0 {
		return exit
	}
	return exitCode(err, stderr)
}

// exitCode prints err and returns the exit code it stands for.
func exitCode(err error, stderr io.Writer) int {
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

// newLogger writes records of at least level to w, as JSON or text lines (format
// auto: text when w is a terminal). Durations are written in seconds.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(strings.ToUpper(level)))
	opts := &slog.HandlerOptions{Level: l, ReplaceAttr: workers.LogReplaceAttr}
	if format == "text" || (format == "auto" && isTerminal(w)) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
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

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// redisLogger routes go-redis's own messages (dial retries) into the log at debug level.
type redisLogger struct{ l *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.l.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}
