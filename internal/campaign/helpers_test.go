package campaign

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Pieces of a small valid campaign, one line each (two for mailboxes and targets),
// so that cases can swap one out and still know every line number.
const (
	okID       = "id: demo\n"
	okSchedule = "schedule: {start: 2026-12-01T00:00:00Z, window: 10m, probes_per_target: {chat: 1}}\n"
	okScenario = "scenarios: [{id: s, message: hi, persona: {name: Jo}}]\n"
	okMailbox  = "mailboxes:\n  - {id: mb, address: mb@probes.example, smtp: {host: 127.0.0.1, port: 2525, tls: none, password_env: PW}, imap: {host: 127.0.0.1, port: 1143, tls: none, password_env: PW}}\n"
	okTarget   = "  - {id: t, name: T, industry: retail, timezone: UTC, channels: {chat: {url: \"https://t.example\", profile: p}}}\n"
	okTargets  = "targets:\n" + okTarget
)

// badCase is a campaign file and the exact problems Parse must report.
type badCase struct {
	name string
	src  string
	want []string
}

// problemsOf parses src as "f.yaml" and returns its problems as strings
// (nil when it is valid).
func problemsOf(t *testing.T, src string) []string {
	t.Helper()
	_, err := Parse("f.yaml", []byte(src))
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse() error = %T %v, want a *ValidationError", err, err)
	}
	if len(ve.Problems) == 0 {
		t.Fatalf("Parse() returned a *ValidationError without problems")
	}
	out := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		out[i] = p.String()
	}
	return out
}

func runBadCases(t *testing.T, cases []badCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := problemsOf(t, tc.src)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse(%s) problems mismatch (-want +got):\n%s", tc.name, diff)
			}
		})
	}
}

func TestPiecesAreValid(t *testing.T) {
	src := okID + okSchedule + okScenario + okMailbox + okTargets
	if got := problemsOf(t, src); got != nil {
		t.Fatalf("Parse(base) problems = %q, want none", got)
	}
}
