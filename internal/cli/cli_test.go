package cli_test

import (
	"bytes"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/cli"
)

// update rewrites the golden files under testdata instead of comparing with them.
var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// envExec makes the test binary run the stakeout command line on its arguments instead
// of the tests, so that a test can run stakeout as a real process (send it SIGTERM,
// see everything the process writes, not only what goes through Run's writers).
const envExec = "STAKEOUT_CLI_TEST_EXEC"

func TestMain(m *testing.M) {
	if os.Getenv(envExec) != "" {
		os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	// A command that opens the store without --db writes to a temporary file, never
	// to stakeout.db in the package directory.
	dir, err := os.MkdirTemp("", "stakeout-cli-test-")
	if err != nil {
		panic(err)
	}
	os.Setenv("STAKEOUT_DB", filepath.Join(dir, "stakeout.db"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// outcome is what one stakeout invocation did.
type outcome struct {
	Code   int
	Stdout string
	Stderr string
}

// stakeout runs the command line in-process with args.
func stakeout(t *testing.T, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(args, &stdout, &stderr)
	return outcome{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
}

// command returns a command that runs stakeout with args as a child process
// (the test binary itself; see TestMain).
func command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envExec+"=1")
	return cmd
}

// relPaths turns the absolute paths of files under the test's working directory back
// into the relative paths the test passed: kong makes path arguments absolute, which
// would tie expected outputs to the machine.
func relPaths(t *testing.T, s string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(s, wd+string(filepath.Separator), "")
}

// golden compares got with the file want, or rewrites the file with -update.
func golden(t *testing.T, want, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(want)
	if err != nil {
		t.Fatalf("read golden file: %v (run go test -update to create it)", err)
	}
	if diff := diffLines(string(b), got); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", want, diff)
	}
}

// diffLines is cmp.Diff of want and got split into lines, which reads better than a
// diff of two long strings.
func diffLines(want, got string) string {
	return cmp.Diff(strings.SplitAfter(want, "\n"), strings.SplitAfter(got, "\n"))
}

// globalFlags are on every command, each with its environment variable.
var globalFlags = map[string]string{
	"--help":       "",
	"--log-level":  "STAKEOUT_LOG_LEVEL",
	"--log-format": "STAKEOUT_LOG_FORMAT",
	"--version":    "",
}

// redisFlag and dbFlag are on the commands that use Redis or the store, and only there.
var (
	redisFlag = map[string]string{"--redis-url": "STAKEOUT_REDIS_URL", "--redis-tls-ca": "STAKEOUT_REDIS_TLS_CA",
		"--redis-tls-cert": "STAKEOUT_REDIS_TLS_CERT", "--redis-tls-key": "STAKEOUT_REDIS_TLS_KEY", "--redis-tls-server-name": "STAKEOUT_REDIS_TLS_SERVER_NAME"}
	dbFlag = map[string]string{"--db": "STAKEOUT_DB"}
)

// with returns the union of flag sets.
func with(sets ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, s := range sets {
		maps.Copy(out, s)
	}
	return out
}

// commands are every runnable command with its own flags (name: environment
// variable, "" for none) and arguments.
var commands = []struct {
	cmd   string
	flags map[string]string
	args  []string
}{
	{cmd: "campaign validate", args: []string{"<file>"}, flags: map[string]string{"--profile-dir": "STAKEOUT_PROFILE_DIR"}},
	{cmd: "campaign plan", args: []string{"<file>"}, flags: with(dbFlag, map[string]string{"--run": "", "--start": "", "--format": "", "--profile-dir": "STAKEOUT_PROFILE_DIR"})},
	{cmd: "campaign launch", args: []string{"<file>"}, flags: with(redisFlag, dbFlag, map[string]string{"--run": "", "--start": "", "--concurrency": "", "--horizon": "STAKEOUT_HORIZON", "--no-progress": "", "--profile-dir": "STAKEOUT_PROFILE_DIR"})},
	{cmd: "campaign status", args: []string{"<run>"}, flags: with(redisFlag, dbFlag, map[string]string{"--format": "", "--watch": ""})},
	{cmd: "campaign cancel", args: []string{"<run>"}, flags: with(redisFlag, dbFlag)},
	{cmd: "scheduler", flags: with(redisFlag, dbFlag, map[string]string{
		"--metrics-addr":     "STAKEOUT_METRICS_ADDR",
		"--no-queue-metrics": "STAKEOUT_NO_QUEUE_METRICS",
		"--campaigns":        "STAKEOUT_CAMPAIGNS",
		"--interval":         "STAKEOUT_SCAN_INTERVAL",
		"--horizon":          "STAKEOUT_HORIZON",
		"--profile-dir":      "STAKEOUT_PROFILE_DIR",
	})},
	{cmd: "worker", flags: with(redisFlag, dbFlag, map[string]string{
		"--metrics-addr":        "STAKEOUT_METRICS_ADDR",
		"--queue-metrics":       "STAKEOUT_QUEUE_METRICS",
		"--concurrency":         "STAKEOUT_CONCURRENCY",
		"--queues":              "STAKEOUT_QUEUES",
		"--shutdown-timeout":    "STAKEOUT_SHUTDOWN_TIMEOUT",
		"--pacing-wait":         "STAKEOUT_PACING_WAIT",
		"--no-results":          "STAKEOUT_NO_RESULTS",
		"--no-scoring":          "STAKEOUT_NO_SCORING",
		"--no-score-metrics":    "STAKEOUT_NO_SCORE_METRICS",
		"--hunspell":            "STAKEOUT_HUNSPELL",
		"--no-alerts":           "STAKEOUT_NO_ALERTS",
		"--alertmanager-url":    "STAKEOUT_ALERTMANAGER_URL",
		"--alert-report-url":    "STAKEOUT_ALERT_REPORT_URL",
		"--no-email":            "STAKEOUT_NO_EMAIL",
		"--mail-poll-interval":  "STAKEOUT_MAIL_POLL_INTERVAL",
		"--mail-no-idle":        "STAKEOUT_MAIL_NO_IDLE",
		"--no-chat":             "STAKEOUT_NO_CHAT",
		"--chromium":            "STAKEOUT_CHROMIUM",
		"--chat-max-concurrent": "STAKEOUT_CHAT_MAX_CONCURRENT",
		"--chat-restart-after":  "STAKEOUT_CHAT_RESTART_AFTER",
		"--widget-profiles":     "STAKEOUT_WIDGET_PROFILES",
		"--secrets-dir":         "STAKEOUT_SECRETS_DIR",
	})},
	{cmd: "results runs", flags: dbFlag},
	{cmd: "results show", args: []string{"<probe>"}, flags: with(dbFlag, map[string]string{"--screenshot": ""})},
	{cmd: "results export", flags: with(dbFlag, map[string]string{"--run": "", "--format": "", "--output": ""})},
	{cmd: "runs", flags: dbFlag},
	{cmd: "demo", flags: with(map[string]string{"--redis-url": "STAKEOUT_REDIS_URL", "--campaign": "", "--watch": "", "--sim": "", "--results": ""})},
	{cmd: "version", flags: map[string]string{"--chromium": "STAKEOUT_CHROMIUM"}},
	{cmd: "sim", flags: map[string]string{}},
	{cmd: "chat try", flags: map[string]string{"--url": "", "--profile": "", "--message": "", "--follow-up": "", "--name": "",
		"--email": "", "--phone": "", "--wait": "", "--screenshot": "", "--chromium": "STAKEOUT_CHROMIUM", "--verbose": ""}},
}

// helpFlag is the first line of a flag in kong's help: "  -o, --output=..." or "      --db=...".
var helpFlag = regexp.MustCompile(`^ {2}(?:-[a-z], | {4})(--[a-z-]+)`)

// envVar is the environment variable kong shows at the end of a flag's help.
var envVar = regexp.MustCompile(`\(\$(STAKEOUT_[A-Z_]+)\)`)

// helpFlags parses the flags of a --help output into flag name: environment variable
// ("" when the flag has none). A flag's help runs until the next flag or a blank line.
func helpFlags(t *testing.T, help string) map[string]string {
	t.Helper()
	flags := map[string]string{}
	var cur string
	for _, line := range strings.Split(help, "\n") {
		if m := helpFlag.FindStringSubmatch(line); m != nil {
			cur = m[1]
			if _, dup := flags[cur]; dup {
				t.Errorf("flag %s listed twice", cur)
			}
			flags[cur] = ""
		} else if strings.TrimSpace(line) == "" || !strings.HasPrefix(line, "      ") {
			cur = ""
		}
		if m := envVar.FindStringSubmatch(line); m != nil {
			if cur == "" {
				t.Errorf("environment variable %s outside a flag's help", m[1])
				continue
			}
			flags[cur] = m[1]
		}
	}
	return flags
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, tc := range commands {
		t.Run(tc.cmd, func(t *testing.T) {
			t.Parallel()
			args := append(strings.Fields(tc.cmd), "--help")
			got := stakeout(t, args...)
			if got.Code != 0 || got.Stderr != "" {
				t.Fatalf("stakeout %s = exit %d, stderr %q; want exit 0, no stderr", strings.Join(args, " "), got.Code, got.Stderr)
			}
			if want := "Usage: stakeout " + tc.cmd; !strings.HasPrefix(got.Stdout, want) {
				t.Errorf("stakeout %s --help starts %q, want %q", tc.cmd, strings.SplitN(got.Stdout, "\n", 2)[0], want)
			}
			want := maps.Clone(globalFlags)
			maps.Copy(want, tc.flags)
			if diff := cmp.Diff(want, helpFlags(t, got.Stdout)); diff != "" {
				t.Errorf("stakeout %s --help: flags and their environment variables (-want +got):\n%s", tc.cmd, diff)
			}
			for _, arg := range tc.args {
				if !strings.Contains(got.Stdout, "\n  "+arg+" ") {
					t.Errorf("stakeout %s --help does not describe argument %s:\n%s", tc.cmd, arg, got.Stdout)
				}
			}
			if strings.Contains(got.Stdout, "”") || strings.Contains(got.Stdout, "“") {
				t.Errorf("stakeout %s --help has typographic quotes (kong turns '' and `` into them):\n%s", tc.cmd, got.Stdout)
			}
		})
	}
}

func TestHelpTopLevel(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"campaign", "--help"}, {"results", "--help"}} {
		got := stakeout(t, args...)
		if got.Code != 0 || got.Stderr != "" {
			t.Fatalf("stakeout %s = exit %d, stderr %q; want exit 0, no stderr", strings.Join(args, " "), got.Code, got.Stderr)
		}
		if diff := cmp.Diff(globalFlags, helpFlags(t, got.Stdout)); diff != "" {
			t.Errorf("stakeout %s: global flags and their environment variables (-want +got):\n%s", strings.Join(args, " "), diff)
		}
		for _, c := range commands {
			if strings.HasPrefix(c.cmd, args[0]) || args[0] == "--help" {
				if !strings.Contains(got.Stdout, "\n  "+c.cmd+" ") {
					t.Errorf("stakeout %s does not list command %q", strings.Join(args, " "), c.cmd)
				}
			}
		}
	}
	// Without arguments: the usage, every command listed, as --help.
	if diff := cmp.Diff(stakeout(t, "--help"), stakeout(t)); diff != "" {
		t.Errorf("stakeout with no arguments differs from stakeout --help (-want +got):\n%s", diff)
	}
}

// TestDocsListEveryFlag keeps docs/cli.md in step with the flags.
func TestDocsListEveryFlag(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, c := range append(commands, struct {
		cmd   string
		flags map[string]string
		args  []string
	}{cmd: "", flags: globalFlags}) {
		if c.cmd != "" && !strings.Contains(doc, "stakeout "+c.cmd) {
			t.Errorf("docs/cli.md does not describe stakeout %s", c.cmd)
		}
		for flag, env := range c.flags {
			if !strings.Contains(doc, flag) || (env != "" && !strings.Contains(doc, env)) {
				t.Errorf("docs/cli.md does not describe %s %s (%s)", c.cmd, flag, env)
			}
		}
	}
}
