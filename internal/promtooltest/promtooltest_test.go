package promtooltest

import (
	"fmt"
	"testing"
)

// recorder is a test that notes Errorf instead of failing.
type recorder struct {
	*testing.T
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// CheckMetrics passes a clean exposition and reports a lint problem.
func TestCheckMetrics(t *testing.T) {
	good := "# HELP stakeout_things_total Things.\n# TYPE stakeout_things_total counter\nstakeout_things_total 1\n"
	r := &recorder{T: t}
	CheckMetrics(r, []byte(good))
	if len(r.errors) != 0 {
		t.Errorf("a clean exposition: %v", r.errors)
	}
	bad := "# HELP stakeout_things Things.\n# TYPE stakeout_things counter\nstakeout_things 1\n"
	r = &recorder{T: t}
	CheckMetrics(r, []byte(bad))
	if len(r.errors) != 1 {
		t.Errorf("a counter without _total passed promtool check metrics")
	}
}
