package campaign

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseDays parses a business-hours days field: "daily", a day ("sat"), a range
// ("mon-fri"; "sun-tue" wraps past Saturday) or a comma-separated list of days
// and ranges ("mon,wed,fri"). Day names are the first three letters, in any case.
// The result is indexed by time.Weekday.
func ParseDays(s string) ([7]bool, error) {
	var days [7]bool
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "daily" {
		return [7]bool{true, true, true, true, true, true, true}, nil
	}
	bad := fmt.Errorf("%s is not a list of days (want e.g. mon-fri, sat, mon,wed,fri or daily)", yamlcheck.Quote(s))
	for part := range strings.SplitSeq(s, ",") {
		from, to, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, ok := dayNames[strings.TrimSpace(from)]
		if !ok {
			return days, bad
		}
		b := a
		if isRange {
			if b, ok = dayNames[strings.TrimSpace(to)]; !ok {
				return days, bad
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			days[d] = true
			if d == b {
				break
			}
		}
	}
	return days, nil
}

// ParseClock parses a time of day "HH:MM" into minutes after midnight.
// When isClose is true "24:00" (the end of the day, 1440) is allowed too.
func ParseClock(s string, isClose bool) (int, error) {
	if isClose && s == "24:00" {
		return 24 * 60, nil
	}
	hh, mm, ok := strings.Cut(s, ":")
	h, errH := strconv.Atoi(hh)
	m, errM := strconv.Atoi(mm)
	if !ok || len(hh) != 2 || len(mm) != 2 || errH != nil || errM != nil ||
		h < 0 || h > 23 || m < 0 || m > 59 || strings.ContainsAny(s, "+-") {
		last := "23:59"
		if isClose {
			last = "24:00"
		}
		return 0, fmt.Errorf("want a time of day as HH:MM from 00:00 to %s, got %s", last, yamlcheck.Quote(s))
	}
	return h*60 + m, nil
}

// Contains reports whether the wall-clock time of t falls in h
// (t should already be in the target's time zone).
func (h Hours) Contains(t time.Time) bool {
	if !h.Weekdays[t.Weekday()] {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	return m >= h.OpenMin && m < h.CloseMin
}

// OpenAt reports whether the target may be probed at t: always when it has no
// business hours, else when t, in the target's time zone, falls in any rule.
func (t *Target) OpenAt(at time.Time) bool {
	if len(t.BusinessHours) == 0 {
		return true
	}
	loc := t.Location
	if loc == nil {
		loc = time.UTC
	}
	local := at.In(loc)
	for _, h := range t.BusinessHours {
		if h.Contains(local) {
			return true
		}
	}
	return false
}
