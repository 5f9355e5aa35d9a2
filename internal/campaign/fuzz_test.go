package campaign

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// FuzzParse checks that Parse never panics, that it fails only with a
// *ValidationError holding problems, and that a campaign it accepts has targets.
func FuzzParse(f *testing.F) {
	f.Add([]byte(okID + okSchedule + okScenario + okMailbox + okTargets))
	f.Add([]byte(goodFile))
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Add([]byte("<<: {id: x}\nschedule: {recurrence: \"cron: TZ=UTC\"}\n"))
	f.Add([]byte("targets: [{business_hours: [{days: sun-sat, open: \"00:00\", close: \"24:00\"}]}]\n"))
	if _, file, _, ok := runtime.Caller(0); ok {
		if data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "examples", "campaign.yaml")); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Parse() error = %T %v, want a *ValidationError with problems", err, err)
			}
			return
		}
		if len(c.Targets) == 0 {
			t.Fatalf("Parse() accepted a campaign without targets")
		}
		_ = c.Summary()
	})
}
