package cli_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs the demo on the example campaign: it starts its own redis-server,
// launches the run twice and shows every probe scheduled once.
func TestDemo(t *testing.T) {
	t.Parallel()
	got := stakeout(t, "--redis-url", "redis://127.0.0.1:1/0", "demo", "--campaign", exampleCampaign, "--rows", "3")
	if got.Code != 0 || got.Stderr != "" {
		t.Fatalf("stakeout demo = exit %d, stderr %q; want exit 0, no stderr", got.Code, got.Stderr)
	}
	out := got.Stdout
	for _, want := range []string{
		`(?m)^== stakeout campaign validate \S*/examples/campaign\.yaml\ncampaign "retail-telecom-2026" .*, 90 probes per run `,
		`(?m)^== stakeout campaign plan \S*/examples/campaign\.yaml \(first 3 of 90 probes\)\nAT \(UTC\) .*\n(.*/0001\n){3}\n`,
		`(?m)^== private redis-server started on 127\.0\.0\.1:[0-9]+ \(your own Redis is not touched\)$`,
		`(?m)^== launch #1 of run retail-telecom-2026-[0-9]{8}T0000Z: 90 enqueued, 0 already queued \(.*\)\n== launch #2 of run retail-telecom-2026-[0-9]{8}T0000Z: 0 enqueued, 90 already queued \(.*\)$`,
		`(?m)^  scheduled +90\n  running +0\n`,
		`(?m)^  cancelled +0\n\nProbes are queued at their planned times\. This build has no channel probe yet\n\(email and chat come next\)`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("stakeout demo output does not match %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, ":1/0") || strings.Contains(out, ":6379") {
		t.Errorf("stakeout demo mentions a Redis other than its own:\n%s", out)
	}
}
