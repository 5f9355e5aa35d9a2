package campaign

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// The recurrences a schedule may have besides "cron: SPEC".
const (
	RecurNone    = "none"
	RecurDaily   = "daily"
	RecurWeekly  = "weekly"
	RecurMonthly = "monthly"
)

// checkRecurrence says what is wrong with a recurrence, or "" when it is valid.
func checkRecurrence(r string) string {
	switch r {
	case "", RecurNone, RecurDaily, RecurWeekly, RecurMonthly:
		return ""
	}
	spec, ok := strings.CutPrefix(r, "cron:")
	if !ok {
		return fmt.Sprintf(`unknown recurrence %s (want none, daily, weekly, monthly or "cron: SPEC")`, yamlcheck.Quote(r))
	}
	if _, err := ParseCron(spec); err != nil {
		return fmt.Sprintf("bad cron spec %s: %v", yamlcheck.Quote(strings.TrimSpace(spec)), err)
	}
	return ""
}

// ParseCron parses the SPEC of a "cron: SPEC" recurrence: a standard 5-field cron spec
// or a descriptor such as "@weekly", as robfig/cron's standard parser does, without ever
// panicking. A spec without a CRON_TZ= or TZ= prefix is read in UTC. "@every" must be at
// least a minute: run ids have minute resolution.
func ParseCron(spec string) (cron.Schedule, error) {
	s, err := parseCronSpec(spec)
	if every, ok := s.(cron.ConstantDelaySchedule); ok && every.Delay < time.Minute {
		return nil, fmt.Errorf("runs must be at least a minute apart (run ids have minute resolution)")
	}
	return s, err
}

func parseCronSpec(spec string) (s cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("empty spec")
	}
	if !strings.HasPrefix(spec, "TZ=") && !strings.HasPrefix(spec, "CRON_TZ=") {
		spec = "CRON_TZ=UTC " + spec
	} else if !strings.Contains(spec, " ") {
		// The parser slices up to the first space after a time zone and would panic.
		return nil, fmt.Errorf("a time zone prefix wants a spec after it")
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return cron.ParseStandard(spec)
}

// recurrencePeriod is the fixed time between two runs, or 0 for none and cron.
func recurrencePeriod(r string) time.Duration {
	switch r {
	case RecurDaily:
		return 24 * time.Hour
	case RecurWeekly:
		return 7 * 24 * time.Hour
	case RecurMonthly:
		return 28 * 24 * time.Hour // the shortest month
	}
	return 0
}
