package scheduler

import (
	"slices"
	"time"

	"github.com/stakeoutcx/stakeout/internal/campaign"
)

// interval is a half-open span [start, end) of absolute time.
type interval struct {
	start, end time.Time
}

// openIntervals returns the times inside [from, to) when target t is open, as sorted,
// disjoint intervals. A target without business hours is always open.
//
// Hours are local wall-clock times in the target's location: each local calendar day is
// turned into absolute instants with time.Date, so a 09:00–17:00 day is 8 hours long on
// the days clocks change too. A local time that does not exist (inside a spring-forward
// gap) stands for the first instant after the gap; a local time that occurs twice (a
// fall-back overlap) stands for its first occurrence.
func openIntervals(t *campaign.Target, from, to time.Time) []interval {
	if !to.After(from) {
		return nil
	}
	if len(t.BusinessHours) == 0 {
		return []interval{{from, to}}
	}
	loc := targetLocation(t)
	y, m, d := from.In(loc).Date()
	var out []interval
	for day := d; ; day++ {
		midnight := time.Date(y, m, day, 0, 0, 0, 0, loc)
		if !midnight.Before(to) {
			break
		}
		wd := time.Date(y, m, day, 12, 0, 0, 0, time.UTC).Weekday()
		for _, h := range t.BusinessHours {
			if !h.Weekdays[wd] || h.CloseMin <= h.OpenMin {
				continue
			}
			open := localInstant(y, m, day, h.OpenMin, loc)
			closing := localInstant(y, m, day, h.CloseMin, loc)
			if open.Before(from) {
				open = from
			}
			if closing.After(to) {
				closing = to
			}
			if closing.After(open) {
				out = append(out, interval{open, closing})
			}
		}
	}
	return mergeIntervals(out)
}

// localInstant returns the first instant whose wall clock in loc reads at least minute
// min (0..1440) of the local day (y, m, d).
func localInstant(y int, m time.Month, d, min int, loc *time.Location) time.Time {
	d, min = d+min/1440, min%1440
	t := time.Date(y, m, d, 0, min, 0, 0, loc)
	want := time.Date(y, m, d, 0, min, 0, 0, time.UTC)
	ty, tm, td := t.Date()
	got := time.Date(ty, tm, td, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	switch {
	case got.After(want):
		// time.Date moved a nonexistent time past the gap: the gap ends where the
		// zone period of t starts.
		start, _ := t.ZoneBounds()
		return start
	case got.Before(want):
		// Normalised to before the gap: the gap ends where t's zone period ends.
		_, end := t.ZoneBounds()
		return end
	}
	return t
}

// mergeIntervals sorts ivs and merges those that overlap or touch.
func mergeIntervals(ivs []interval) []interval {
	slices.SortFunc(ivs, func(a, b interval) int { return a.start.Compare(b.start) })
	out := ivs[:0]
	for _, iv := range ivs {
		if n := len(out); n > 0 && !iv.start.After(out[n-1].end) {
			if iv.end.After(out[n-1].end) {
				out[n-1].end = iv.end
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}

// openLength returns the total length of ivs.
func openLength(ivs []interval) time.Duration {
	var d time.Duration
	for _, iv := range ivs {
		d += iv.end.Sub(iv.start)
	}
	return d
}

// wallTimes maps offsets along the concatenated open time of ivs to absolute times.
// offsets must be sorted and each less than openLength(ivs).
func wallTimes(ivs []interval, offsets []time.Duration) []time.Time {
	out := make([]time.Time, len(offsets))
	i, base := 0, time.Duration(0)
	for k, off := range offsets {
		for i < len(ivs)-1 && off-base >= ivs[i].end.Sub(ivs[i].start) {
			base += ivs[i].end.Sub(ivs[i].start)
			i++
		}
		out[k] = ivs[i].start.Add(off - base)
	}
	return out
}

// targetLocation returns the target's location, UTC when it has none.
func targetLocation(t *campaign.Target) *time.Location {
	if t.Location == nil {
		return time.UTC
	}
	return t.Location
}

// NextOpening returns the first instant at or after now, and before until, when target t
// is open: now itself when it is open now. ok is false when it does not open before until.
// Workers call it when a probe is due, so a probe runs only inside its target's hours.
func NextOpening(t *campaign.Target, now, until time.Time) (at time.Time, ok bool) {
	ivs := openIntervals(t, now, until)
	if len(ivs) == 0 {
		return time.Time{}, false
	}
	return ivs[0].start, true
}
