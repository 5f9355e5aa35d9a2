package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stakeoutcx/stakeout/internal/sim"
	"github.com/stakeoutcx/stakeout/internal/simtest"
	"github.com/stakeoutcx/stakeout/probes/chat/browser/browsertest"
)

// chatSim starts a simulator with one company per widget style.
func chatSim(t *testing.T) *sim.Sim {
	t.Helper()
	s := simtest.Start(t, simtest.Parse(t, `
companies:
  - id: framed
    name: Framed Shop
    chat: {style: iframe, ack: {enabled: true, delay: 300ms}, reply: {median: 1s, p90: 2s}, follow_up: {median: 500ms, p90: 1s}}
  - id: inline
    name: Inline Shop
    chat: {style: inline, reply: {median: 1s, p90: 2s}}
  - id: closed
    chat: {style: inline, offline: true}
`))
	return s
}

// chatTry runs stakeout chat try in the headless shell.
func chatTry(t *testing.T, args ...string) outcome {
	t.Helper()
	return stakeout(t, append([]string{"chat", "try", "--chromium", browsertest.HeadlessShell(t)}, args...)...)
}

func TestChatTry(t *testing.T) {
	s := chatSim(t)
	url := func(id string) string { u, _ := s.ChatURL(id); return u }
	dir := t.TempDir()
	shot := filepath.Join(dir, "shot.jpg")
	got := chatTry(t, "--url", url("framed"), "--profile", "../../examples/widgets/iframe-launcher.yaml",
		"--follow-up", "And to Sweden?", "--wait", "30s", "--screenshot", shot)
	if got.Code != 0 {
		t.Fatalf("chat try = exit %d\nstdout:\n%s\nstderr:\n%s", got.Code, got.Stdout, got.Stderr)
	}
	for _, want := range []string{
		"step page", "step consent", "step launcher", "step frame[0]", "step prechat", "step input", "step send", "step follow_up[0]",
		"outcome: answered", "t0:", "(network)", "follow-up:       \"And to Sweden?\" -> ",
		"typing indicator shown\n", "typing indicator gone after ", "\ntyping indicator (time from t0):\n",
	} {
		if !strings.Contains(got.Stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, got.Stdout)
		}
	}
	checkTryLines(t, got, "page", "consent", "launcher", "frame[0]", "prechat", "input", "send", "follow_up[0]")
	if !regexp.MustCompile(`human response:  \d+\.\d{3}s \(network\)`).MatchString(got.Stdout) {
		t.Errorf("no network-timed human response in:\n%s", got.Stdout)
	}
	if b, err := os.ReadFile(shot); err != nil || !bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) {
		t.Errorf("screenshot %s: %v (want a JPEG)", shot, err)
	}

	got = chatTry(t, "--url", url("closed"), "--profile", "sim-inline", "--wait", "10s", "--screenshot", "")
	if got.Code != 0 || !strings.Contains(got.Stdout, "outcome: no_response/offline") {
		t.Errorf("offline widget: exit %d, stdout:\n%s", got.Code, got.Stdout)
	}
}

func TestChatTryBadProfile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\nlancher: {selector: \"button\"}\ninput: \"textarea[\"\nsend: {key: Enter}\nmessages: {container: \".log\", item: \".msg\", agent: {selector: \".a\"}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := stakeout(t, "chat", "try", "--url", "http://127.0.0.1:1/", "--profile", bad)
	if got.Code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", got.Code, got.Stderr)
	}
	for _, want := range []string{bad + `:2: lancher: unknown field "lancher" (did you mean "launcher"?)`, bad + `:3: input: bad CSS selector "textarea["`} {
		if !strings.Contains(got.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, got.Stderr)
		}
	}
	got = stakeout(t, "chat", "try", "--url", "http://127.0.0.1:1/", "--profile", "no-such-profile")
	if got.Code != 1 || !strings.Contains(got.Stderr, `no widget profile named "no-such-profile" (known: `) {
		t.Errorf("unknown name: exit %d, stderr:\n%s", got.Code, got.Stderr)
	}
}

// progressLine is a step or message line of chat try: its time from the
// start and what it is.
var progressLine = regexp.MustCompile(`^ *(\d+\.\d{3})s  (step|message) +(\S+)`)

// checkTryLines checks what chat try wrote: lines for a person only (no JSON
// log line on stdout or stderr), the step and message lines in the order of
// their times, and the steps in the order given.
func checkTryLines(t *testing.T, got outcome, steps ...string) {
	t.Helper()
	for name, text := range map[string]string{"stdout": got.Stdout, "stderr": got.Stderr} {
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "{") {
				t.Errorf("%s has a JSON line: %s", name, line)
			}
		}
	}
	last, seen := -1.0, []string{}
	for _, line := range strings.Split(got.Stdout, "\n") {
		m := progressLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		at, _ := strconv.ParseFloat(m[1], 64)
		if at < last {
			t.Errorf("line out of order (%.3fs after a line at %.3fs): %s", at, last, line)
		}
		last = at
		if m[2] == "step" {
			seen = append(seen, m[3])
		}
	}
	if diff := cmp.Diff(steps, seen); diff != "" {
		t.Errorf("steps printed (-want +got):\n%s\nstdout:\n%s", diff, got.Stdout)
	}
}

// TestChatTryOffline tries widgets closed by their hours: the result says
// why, with the notice the widget showed (the simulator's gives its hours,
// time zone and the time there) and the local time now.
func TestChatTryOffline(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	// Open one whole day, two days from now in Tokyo: closed now.
	day := strings.ToLower(time.Now().In(tokyo).AddDate(0, 0, 2).Format("Mon"))
	s := simtest.Start(t, simtest.Parse(t, `
companies:
  - id: nightin
    timezone: Asia/Tokyo
    chat: {style: inline, hours: [{days: "`+day+`", open: "00:00", close: "24:00"}], reply: {median: 1s, p90: 2s}}
  - id: nightframe
    timezone: Asia/Tokyo
    chat: {style: iframe, hours: [{days: "`+day+`", open: "00:00", close: "24:00"}], reply: {median: 1s, p90: 2s}}
`))
	reason := func(at time.Time) string {
		return "Our hours are " + day + " 00:00-24:00 (Asia/Tokyo); it is " + at.In(tokyo).Format("Mon 15:04") + " there now."
	}
	tests := []struct {
		company, profile string
		notice           string
		args             []string
		steps            []string
	}{
		{"nightin", "sim-inline", `offline notice:  "We're currently offline. %s Leave a message and we'll reply by email."`,
			[]string{"--verbose"}, []string{"page", "input", "send"}},
		{"nightframe", "../../examples/widgets/iframe-launcher.yaml", `offline notice:  "We're offline right now. %s Leave a message and we'll get back to you by email."`,
			nil, []string{"page", "consent", "launcher", "frame[0]", "prechat", "input", "send"}},
	}
	for _, tt := range tests {
		t.Run(tt.company, func(t *testing.T) {
			url, _ := s.ChatURL(tt.company)
			before := time.Now()
			got := chatTry(t, append([]string{"--url", url, "--profile", tt.profile, "--wait", "10s", "--screenshot", ""}, tt.args...)...)
			after := time.Now()
			if got.Code != 0 || !strings.Contains(got.Stdout, "outcome: no_response/offline\n") {
				t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", got.Code, got.Stdout, got.Stderr)
			}
			if a, b := fmt.Sprintf(tt.notice, reason(before)), fmt.Sprintf(tt.notice, reason(after)); !strings.Contains(got.Stdout, a) && !strings.Contains(got.Stdout, b) {
				t.Errorf("output lacks %s:\n%s", a, got.Stdout)
			}
			if !regexp.MustCompile(`\nlocal time now:  \w{3} \d{4}-\d\d-\d\d \d\d:\d\d \S+\n`).MatchString(got.Stdout) {
				t.Errorf("output lacks the local time now:\n%s", got.Stdout)
			}
			checkTryLines(t, got, tt.steps...)
			// The browser's own logs show, as text, only with --verbose.
			if verbose := len(tt.args) > 0; verbose != strings.Contains(got.Stderr, `level=INFO msg="chromium started"`) {
				t.Errorf("--verbose %v, stderr:\n%s", verbose, got.Stderr)
			}
		})
	}
}
