package cli_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/sim"
)

// chatSim starts a simulator with one company per widget style.
func chatSim(t *testing.T) *sim.Sim {
	t.Helper()
	cfg, err := sim.Parse("sim.yaml", []byte(`
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
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestChatTry(t *testing.T) {
	s := chatSim(t)
	url := func(id string) string { u, _ := s.ChatURL(id); return u }
	dir := t.TempDir()
	shot := filepath.Join(dir, "shot.jpg")
	got := stakeout(t, "chat", "try", "--url", url("framed"), "--profile", "../../examples/widgets/iframe-launcher.yaml",
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
	if !regexp.MustCompile(`human response:  \d+\.\d{3}s \(network\)`).MatchString(got.Stdout) {
		t.Errorf("no network-timed human response in:\n%s", got.Stdout)
	}
	if b, err := os.ReadFile(shot); err != nil || !bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) {
		t.Errorf("screenshot %s: %v (want a JPEG)", shot, err)
	}

	got = stakeout(t, "chat", "try", "--url", url("closed"), "--profile", "sim-inline", "--wait", "10s", "--screenshot", "")
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
