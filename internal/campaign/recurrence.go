package campaign

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
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
		return fmt.Sprintf(`unknown recurrence %s (want none, daily, weekly, monthly or "cron: SPEC")`, quote(r))
	}
	if _, err := parseCron(spec); err != nil {
		return fmt.Sprintf("bad cron spec %s: %v", quote(strings.TrimSpace(spec)), err)
	}
	return ""
}

// parseCron parses a standard 5-field cron spec (or a descriptor such as "@weekly").
// Without a CRON_TZ= or TZ= prefix the spec is read in UTC.
func parseCron(spec string) (s cron.Schedule, err error) {
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

// NextStart returns the start of the first run that begins strictly after t, and
// false when there is none. The first run starts at Start; with "daily", "weekly"
// and "monthly" later runs start 1 day, 7 days or 1 calendar month apart (counted
// from Start, in Start's UTC offset); with "cron: SPEC" they start each time the
// spec fires after Start.
func (s Schedule) NextStart(t time.Time) (time.Time, bool) {
	if t.Before(s.Start) {
		return s.Start, true
	}
	switch s.Recurrence {
	case "", RecurNone:
		return time.Time{}, false
	case RecurDaily, RecurWeekly, RecurMonthly:
		return s.nextCalendar(t), true
	}
	spec, _ := strings.CutPrefix(s.Recurrence, "cron:")
	sched, err := parseCron(spec)
	if err != nil {
		return time.Time{}, false
	}
	next := sched.Next(t)
	return next, !next.IsZero()
}

// nextCalendar steps from Start by whole days or months past t.
func (s Schedule) nextCalendar(t time.Time) time.Time {
	step := func(n int) time.Time {
		switch s.Recurrence {
		case RecurDaily:
			return s.Start.AddDate(0, 0, n)
		case RecurWeekly:
			return s.Start.AddDate(0, 0, 7*n)
		}
		return s.Start.AddDate(0, n, 0)
	}
	// Estimate n from the elapsed time, then correct it.
	per := recurrencePeriod(s.Recurrence)
	if s.Recurrence == RecurMonthly {
		per = 31 * 24 * time.Hour
	}
	n := max(int(t.Sub(s.Start)/per), 0)
	for n > 0 && step(n).After(t) {
		n--
	}
	for !step(n).After(t) {
		n++
	}
	return step(n)
}

// RunID returns the id of the run whose window starts at start:
// "<campaign id>-<start in UTC as 20060102T1504Z>".
func (c *Campaign) RunID(start time.Time) string {
	return c.ID + "-" + start.UTC().Format("20060102T1504Z")
}
