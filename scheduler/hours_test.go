package scheduler

import (
	"fmt"
	"testing"
	"time"
	_ "time/tzdata" // the DST tests must not depend on the host's zoneinfo

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/campaign"
)

func mustLocation(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time.LoadLocation(%q): %v", name, err)
	}
	return loc
}

// hours returns a business-hours rule for days, open and close given as "HH:MM".
func hours(t testing.TB, open, close string, days ...time.Weekday) campaign.Hours {
	t.Helper()
	h := campaign.Hours{OpenMin: minutes(t, open), CloseMin: minutes(t, close)}
	for _, d := range days {
		h.Weekdays[d] = true
	}
	return h
}

func minutes(t testing.TB, hhmm string) int {
	t.Helper()
	var h, m int
	if _, err := fmt.Sscanf(hhmm, "%d:%d", &h, &m); err != nil {
		t.Fatalf("bad HH:MM %q: %v", hhmm, err)
	}
	return h*60 + m
}

var (
	weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	everyDay = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestOpenIntervals(t *testing.T) {
	paris := mustLocation(t, "Europe/Paris")
	newYork := mustLocation(t, "America/New_York")
	santiago := mustLocation(t, "America/Santiago")
	tests := []struct {
		name     string
		loc      *time.Location
		hours    []campaign.Hours
		from, to string
		want     []interval
	}{{
		name: "always open",
		loc:  paris, from: "2026-03-01T10:00:00Z", to: "2026-03-02T10:00:00Z",
		want: []interval{{utc("2026-03-01T10:00:00Z"), utc("2026-03-02T10:00:00Z")}},
	}, {
		name:  "clipped to the window",
		loc:   time.UTC,
		hours: []campaign.Hours{hours(t, "09:00", "17:00", weekdays...)},
		from:  "2026-03-02T12:00:00Z", to: "2026-03-03T10:00:00Z", // Monday noon to Tuesday 10:00
		want: []interval{
			{utc("2026-03-02T12:00:00Z"), utc("2026-03-02T17:00:00Z")},
			{utc("2026-03-03T09:00:00Z"), utc("2026-03-03T10:00:00Z")},
		},
	}, {
		name:  "weekend closed",
		loc:   time.UTC,
		hours: []campaign.Hours{hours(t, "09:00", "17:00", weekdays...)},
		from:  "2026-03-07T00:00:00Z", to: "2026-03-09T00:00:00Z",
		want: nil,
	}, {
		name: "overlapping rules and split days merge",
		loc:  time.UTC,
		hours: []campaign.Hours{
			hours(t, "09:00", "12:00", time.Monday), hours(t, "14:00", "18:00", time.Monday),
			hours(t, "11:00", "15:00", time.Monday), hours(t, "20:00", "24:00", time.Monday),
			hours(t, "00:00", "01:00", time.Tuesday),
		},
		from: "2026-03-02T00:00:00Z", to: "2026-03-04T00:00:00Z",
		want: []interval{
			{utc("2026-03-02T09:00:00Z"), utc("2026-03-02T18:00:00Z")},
			{utc("2026-03-02T20:00:00Z"), utc("2026-03-03T01:00:00Z")},
		},
	}, {
		name:  "Paris spring forward keeps 8 hours",
		loc:   paris,
		hours: []campaign.Hours{hours(t, "09:00", "17:00", everyDay...)},
		from:  "2026-03-28T00:00:00Z", to: "2026-03-30T00:00:00Z",
		want: []interval{
			{utc("2026-03-28T08:00:00Z"), utc("2026-03-28T16:00:00Z")},
			{utc("2026-03-29T07:00:00Z"), utc("2026-03-29T15:00:00Z")},
		},
	}, {
		name:  "Paris hours around the gap",
		loc:   paris,
		hours: []campaign.Hours{hours(t, "01:00", "04:00", time.Sunday)},
		from:  "2026-03-29T00:00:00Z", to: "2026-03-30T00:00:00Z",
		want: []interval{{utc("2026-03-29T00:00:00Z"), utc("2026-03-29T02:00:00Z")}},
	}, {
		name:  "Paris hours inside the gap are empty",
		loc:   paris,
		hours: []campaign.Hours{hours(t, "02:00", "02:30", time.Sunday)},
		from:  "2026-03-29T00:00:00Z", to: "2026-03-30T00:00:00Z",
		want: nil,
	}, {
		name:  "Paris opening inside the gap opens when it ends",
		loc:   paris,
		hours: []campaign.Hours{hours(t, "02:30", "09:00", time.Sunday)},
		from:  "2026-03-29T00:00:00Z", to: "2026-03-30T00:00:00Z",
		want: []interval{{utc("2026-03-29T01:00:00Z"), utc("2026-03-29T07:00:00Z")}},
	}, {
		name:  "New York fall back keeps 8 hours",
		loc:   newYork,
		hours: []campaign.Hours{hours(t, "09:00", "17:00", everyDay...)},
		from:  "2026-10-31T00:00:00Z", to: "2026-11-02T00:00:00Z",
		want: []interval{
			{utc("2026-10-31T13:00:00Z"), utc("2026-10-31T21:00:00Z")},
			{utc("2026-11-01T14:00:00Z"), utc("2026-11-01T22:00:00Z")},
		},
	}, {
		name:  "New York doubled hour counts twice",
		loc:   newYork,
		hours: []campaign.Hours{hours(t, "00:00", "24:00", time.Sunday)},
		from:  "2026-10-31T00:00:00Z", to: "2026-11-03T00:00:00Z",
		want: []interval{{utc("2026-11-01T04:00:00Z"), utc("2026-11-02T05:00:00Z")}},
	}, {
		name:  "Santiago day without a midnight",
		loc:   santiago,
		hours: []campaign.Hours{hours(t, "00:00", "02:00", time.Sunday)},
		from:  "2026-09-05T00:00:00Z", to: "2026-09-07T00:00:00Z",
		want: []interval{{utc("2026-09-06T04:00:00Z"), utc("2026-09-06T05:00:00Z")}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := &campaign.Target{ID: "x", Location: tt.loc, BusinessHours: tt.hours}
			got := openIntervals(tg, utc(tt.from), utc(tt.to))
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(interval{})); diff != "" {
				t.Errorf("openIntervals(%s, %s) mismatch (-want +got):\n%s", tt.from, tt.to, diff)
			}
		})
	}
}

func TestWallTimes(t *testing.T) {
	ivs := []interval{
		{utc("2026-03-02T09:00:00Z"), utc("2026-03-02T10:00:00Z")},
		{utc("2026-03-02T12:00:00Z"), utc("2026-03-02T12:30:00Z")},
		{utc("2026-03-03T09:00:00Z"), utc("2026-03-03T11:00:00Z")},
	}
	offsets := []time.Duration{0, 59 * time.Minute, time.Hour, 89 * time.Minute, 90 * time.Minute, 3*time.Hour + 29*time.Minute}
	want := []time.Time{
		utc("2026-03-02T09:00:00Z"), utc("2026-03-02T09:59:00Z"), utc("2026-03-02T12:00:00Z"),
		utc("2026-03-02T12:29:00Z"), utc("2026-03-03T09:00:00Z"), utc("2026-03-03T10:59:00Z"),
	}
	if got := wallTimes(ivs, offsets); !cmp.Equal(want, got) {
		t.Errorf("wallTimes(%v) = %v, want %v", offsets, got, want)
	}
	if got, want := openLength(ivs), 3*time.Hour+30*time.Minute; got != want {
		t.Errorf("openLength() = %v, want %v", got, want)
	}
}
