package profile

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Pieces of a small valid profile, one line each, so that cases can swap one
// out or add lines after them and still know every line number.
const (
	okName  = "name: acme\n"                                                         // line 1
	okInput = "input: textarea\n"                                                    // line 2
	okSend  = "send: {key: Enter}\n"                                                 // line 3
	okMsgs  = "messages: {container: .log, item: .msg, agent: {selector: .agent}}\n" // line 4
	minimal = okName + okInput + okSend + okMsgs
)

// badCase is a profile and the exact problems Parse must report.
type badCase struct {
	name string
	src  string
	want []string
}

// problemsOf parses src as "p.yaml" and returns its problems as strings
// (nil when it is valid).
func problemsOf(t *testing.T, src string) []string {
	t.Helper()
	_, err := Parse("p.yaml", []byte(src))
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse() error = %T %v, want a *ValidationError", err, err)
	}
	if len(ve.Problems) == 0 {
		t.Fatalf("Parse() gave a *ValidationError without problems")
	}
	out := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		out[i] = p.String()
	}
	return out
}

// runBad checks that every case gives exactly its problems.
func runBad(t *testing.T, cases []badCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := problemsOf(t, tc.src)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse(%q) problems mismatch (-want +got):\n%s", tc.src, diff)
			}
		})
	}
}

// patternEqual compares Patterns by their expressions, for cmp.
var patternEqual = cmp.Comparer(func(a, b Pattern) bool { return a.String() == b.String() })
