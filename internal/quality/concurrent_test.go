package quality

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestGradeConcurrent grades every case 8 times over from as many goroutines at
// once, on one Hunspell, and wants the same grades as one at a time.
func TestGradeConcurrent(t *testing.T) {
	g := &Grader{Speller: newHunspell(t)}
	cases := append(append([]gradeCase{}, emailCases...), chatCases...)
	ctx := context.Background()
	want := make([]Grade, len(cases))
	for i, c := range cases {
		gr, err := g.Grade(ctx, c.rules, c.answers)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = gr
	}
	const rounds = 8
	got := make([][]Grade, rounds)
	errs := make([][]error, rounds)
	var wg sync.WaitGroup
	for r := range rounds {
		got[r], errs[r] = make([]Grade, len(cases)), make([]error, len(cases))
		for i, c := range cases {
			wg.Go(func() { got[r][i], errs[r][i] = g.Grade(ctx, c.rules, c.answers) })
		}
	}
	wg.Wait()
	for r := range rounds {
		for i, c := range cases {
			if errs[r][i] != nil {
				t.Errorf("round %d: Grade(%s) error = %v", r, c.name, errs[r][i])
				continue
			}
			if diff := cmp.Diff(want[i], got[r][i], cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("round %d: concurrent Grade(%s) differs (-alone +concurrent):\n%s", r, c.name, diff)
			}
		}
	}
}
