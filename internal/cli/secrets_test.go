package cli_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

const secret = "s3cretpw"

// unreachable is a Redis URL with the password secret where nothing listens.
const unreachable = "redis://:" + secret + "@127.0.0.1:1/0"

// secretURLs are other Redis URLs carrying the password that cannot be used: nothing
// listens, or the URL is malformed in a way that makes its parser complain.
var secretURLs = []string{
	"redis://user:" + secret + "@127.0.0.1:1/0",
	"redis://:" + secret + "@127.0.0.1:notaport/0",
	"redis://:" + secret + "@127.0.0.1:1/notadb",
	"redis://:" + secret + "%zz@127.0.0.1:1/0",
	"http://:" + secret + "@127.0.0.1:1/0",
	"redis://:" + secret + "@127.0.0.1:1/0?dial_timeout=soon",
}

// redisCommands are commands that need Redis; each must fail without showing the password.
var redisCommands = [][]string{
	{"campaign", "status", "x"},
	{"campaign", "cancel", "x"},
	{"campaign", "launch", smallCampaign, "--start", "now", "--no-progress"},
	{"worker", "--metrics-addr="},
	{"scheduler", "--metrics-addr=", "--campaigns", "testdata"},
}

// secretCases are the invocations checked: every command with the unreachable URL,
// and campaign status with each other URL. Each unreachable case takes about a second
// (the Redis client retries), hence not every pair.
func secretCases() (urls []string, args [][]string) {
	for _, c := range redisCommands {
		urls, args = append(urls, unreachable), append(args, c)
	}
	for _, u := range secretURLs {
		urls, args = append(urls, u), append(args, redisCommands[0])
	}
	return urls, args
}

// checkNoSecret fails the test if out shows the password or the command succeeded.
func checkNoSecret(t *testing.T, what string, got outcome) {
	t.Helper()
	if got.Code == 0 {
		t.Errorf("%s = exit 0, want failure", what)
	}
	if strings.Contains(got.Stdout, secret) || strings.Contains(got.Stderr, secret) {
		t.Errorf("%s shows the password:\nstdout: %s\nstderr: %s", what, got.Stdout, got.Stderr)
	}
	if got.Stderr == "" {
		t.Errorf("%s failed without saying why", what)
	}
}

func TestSecretsFlag(t *testing.T) {
	t.Parallel()
	urls, cmds := secretCases()
	for i, u := range urls {
		args := append(slices.Clone(cmds[i]), "--redis-url", u)
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			checkNoSecret(t, "stakeout "+strings.Join(args, " "), stakeout(t, args...))
		})
	}
}

// TestSecretsEnv sets STAKEOUT_REDIS_URL, so it cannot run in parallel with other tests:
// it checks fewer cases than TestSecretsFlag, which shares the code that reads the URL.
func TestSecretsEnv(t *testing.T) {
	urls := []string{unreachable, unreachable, unreachable, secretURLs[1], secretURLs[3]}
	cmds := [][]string{redisCommands[0], redisCommands[2], redisCommands[3], redisCommands[0], redisCommands[0]}
	for i, u := range urls {
		t.Setenv("STAKEOUT_REDIS_URL", u)
		checkNoSecret(t, "STAKEOUT_REDIS_URL="+u+" stakeout "+strings.Join(cmds[i], " "), stakeout(t, cmds[i]...))
		// Help shows the default, never the value from the environment.
		got := stakeout(t, "campaign", "status", "--help")
		if got.Code != 0 || strings.Contains(got.Stdout+got.Stderr, secret) {
			t.Errorf("STAKEOUT_REDIS_URL=%s stakeout campaign status --help = exit %d, shows the password: %v",
				u, got.Code, strings.Contains(got.Stdout+got.Stderr, secret))
		}
	}
}

// TestSecretsProcess runs stakeout as a process, so that everything it writes is seen,
// including what libraries write to the process's stderr behind Run's back.
func TestSecretsProcess(t *testing.T) {
	t.Parallel()
	u := unreachable
	for _, viaEnv := range []bool{false, true} {
		args := []string{"campaign", "status", "x"}
		cmd := command(t, append(slices.Clone(args), "--redis-url", u)...)
		what := "stakeout " + strings.Join(args, " ") + " --redis-url " + u
		if viaEnv {
			cmd = command(t, args...)
			cmd.Env = append(cmd.Env, "STAKEOUT_REDIS_URL="+u)
			what = "STAKEOUT_REDIS_URL=" + u + " stakeout " + strings.Join(args, " ")
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run()
		checkNoSecret(t, what, outcome{Code: cmd.ProcessState.ExitCode(), Stdout: stdout.String(), Stderr: stderr.String()})
	}
}

func TestSecretsInCampaignFile(t *testing.T) {
	t.Parallel()
	// A password written in a campaign file is refused without being repeated.
	got := stakeout(t, "campaign", "validate", "testdata/bad/password-literal.yaml")
	if got.Code != 1 || strings.Contains(got.Stdout+got.Stderr, "hunter2") {
		t.Errorf("stakeout campaign validate testdata/bad/password-literal.yaml = exit %d, stderr:\n%s\nwant exit 1, the password not shown",
			got.Code, got.Stderr)
	}
}
