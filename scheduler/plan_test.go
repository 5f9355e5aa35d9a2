package scheduler

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/campaign"
)

const (
	chat  = campaign.ChannelChat
	email = campaign.ChannelEmail
)

// newCampaign returns a campaign with three scenarios (one for both channels, one per
// channel) and the given schedule, pacing and targets.
func newCampaign(perTarget map[campaign.Channel]int, jitter, gap time.Duration, targets ...campaign.Target) *campaign.Campaign {
	return &campaign.Campaign{
		ID: "acme",
		Schedule: campaign.Schedule{
			Start:           utc("2026-03-02T00:00:00Z"),
			Window:          campaign.Window{Months: 1},
			ProbesPerTarget: perTarget,
			Jitter:          campaign.Duration(jitter),
		},
		Pacing: campaign.Pacing{MaxInFlight: 1, MinGap: campaign.Duration(gap)},
		Scenarios: []campaign.Scenario{
			{ID: "refund"},
			{ID: "widget", Channels: []campaign.Channel{chat}},
			{ID: "invoice", Channels: []campaign.Channel{email}},
		},
		Targets: targets,
	}
}

// newTarget returns a target in zone loc with the given hours and channels.
func newTarget(id string, loc *time.Location, hours []campaign.Hours, chans ...campaign.Channel) campaign.Target {
	t := campaign.Target{ID: id, Timezone: loc.String(), Location: loc, BusinessHours: hours}
	for _, ch := range chans {
		switch ch {
		case chat:
			t.Channels.Chat = &campaign.ChatChannel{URL: "https://" + id + ".example/"}
		case email:
			t.Channels.Email = &campaign.EmailChannel{Address: "support@" + id + ".example", Mailbox: "m1"}
		}
	}
	return t
}

func TestPlanProperties(t *testing.T) {
	paris := mustLocation(t, "Europe/Paris")
	newYork := mustLocation(t, "America/New_York")
	tokyo := mustLocation(t, "Asia/Tokyo")
	office := func(open, close string, days ...time.Weekday) []campaign.Hours {
		return []campaign.Hours{hours(t, open, close, days...)}
	}
	tests := []struct {
		name string
		c    *campaign.Campaign
		run  Run
	}{{
		name: "month of office hours in three zones",
		c: newCampaign(map[campaign.Channel]int{chat: 40, email: 20}, 2*time.Hour, 30*time.Minute,
			newTarget("paris", paris, office("09:00", "17:00", weekdays...), chat, email),
			newTarget("ny", newYork, append(office("09:00", "12:30", weekdays...), hours(t, "13:30", "18:00", weekdays...)), chat, email),
			newTarget("tokyo", tokyo, office("10:00", "24:00", time.Saturday, time.Sunday), email),
			newTarget("none", tokyo, nil)),
		run: Run{ID: "acme-20260302T0000Z", Start: utc("2026-03-02T00:00:00Z"), End: utc("2026-04-02T00:00:00Z")},
	}, {
		name: "Paris over spring forward",
		c: newCampaign(map[campaign.Channel]int{chat: 30, email: 12}, 3*time.Hour, 20*time.Minute,
			newTarget("paris", paris, office("09:00", "17:00", everyDay...), chat, email)),
		run: Run{ID: "acme-dst-spring", Start: time.Date(2026, 3, 23, 0, 0, 0, 0, paris), End: time.Date(2026, 3, 30, 0, 0, 0, 0, paris)},
	}, {
		name: "New York over fall back",
		c: newCampaign(map[campaign.Channel]int{chat: 30, email: 12}, 3*time.Hour, 20*time.Minute,
			newTarget("ny", newYork, office("09:00", "17:00", everyDay...), chat, email)),
		run: Run{ID: "acme-dst-fall", Start: time.Date(2026, 10, 29, 0, 0, 0, 0, newYork), End: time.Date(2026, 11, 5, 0, 0, 0, 0, newYork)},
	}, {
		name: "ten minute window always open",
		c: newCampaign(map[campaign.Channel]int{chat: 20}, time.Minute, 20*time.Second,
			newTarget("fast", time.UTC, nil, chat, email)),
		run: Run{ID: "acme-short", Start: utc("2026-03-02T10:00:00Z"), End: utc("2026-03-02T10:10:00Z")},
	}, {
		name: "min gap equal to the slot",
		c: newCampaign(map[campaign.Channel]int{chat: 8, email: 8}, time.Hour, 30*time.Minute,
			newTarget("tight", time.UTC, office("09:00", "17:00", everyDay...), chat, email)),
		run: Run{ID: "acme-tight", Start: utc("2026-03-02T00:00:00Z"), End: utc("2026-03-03T00:00:00Z")},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Plan(tt.c, tt.run)
			if err != nil {
				t.Fatalf("Plan(%q) error: %v", tt.run.ID, err)
			}
			checkPlan(t, tt.c, tt.run, got)
		})
	}
}

// checkPlan checks every property a plan must have.
func checkPlan(t *testing.T, c *campaign.Campaign, run Run, probes []Probe) {
	t.Helper()
	scen := scenariosByChannel(c)
	gap := c.Pacing.MinGap.D()
	wantCount := map[string]int{}
	for _, tg := range c.Targets {
		for _, ch := range tg.Channels.Enabled() {
			wantCount[tg.ID+"/"+string(ch)] = c.Schedule.ProbesPerTarget[ch]
		}
	}
	gotCount := map[string]int{}
	byTarget := map[string][]Probe{}
	for i, p := range probes {
		key := p.Target + "/" + string(p.Channel)
		gotCount[key]++
		byTarget[p.Target] = append(byTarget[p.Target], p)
		if want := probeID(run.ID, p.Target, p.Channel, p.Seq); p.ID != want || p.Run != run.ID {
			t.Errorf("probe %d: ID, Run = %q, %q, want %q, %q", i, p.ID, p.Run, want, run.ID)
		}
		if p.At.Location() != time.UTC {
			t.Errorf("probe %s: At %v is not in UTC", p.ID, p.At)
		}
		if p.At.Before(run.Start) || !p.At.Before(run.End) {
			t.Errorf("probe %s: At %v outside the window [%v, %v)", p.ID, p.At, run.Start, run.End)
		}
		if i > 0 && (p.At.Before(probes[i-1].At) || p.At.Equal(probes[i-1].At) && p.ID < probes[i-1].ID) {
			t.Errorf("probe %d (%s) is not sorted after %s", i, p.ID, probes[i-1].ID)
		}
		if !slices.Contains(scen[p.Channel], p.Scenario) {
			t.Errorf("probe %s: scenario %q does not use channel %s", p.ID, p.Scenario, p.Channel)
		}
	}
	for k, n := range wantCount {
		if n == 0 {
			delete(wantCount, k)
		}
	}
	if diff := cmp.Diff(wantCount, gotCount); diff != "" {
		t.Errorf("Plan(%q) probes per target/channel mismatch (-want +got):\n%s", run.ID, diff)
	}
	for _, tg := range c.Targets {
		checkTarget(t, &tg, byTarget[tg.ID], scen, gap)
	}
}

// checkTarget checks the probes of one target: business hours, min gap, sequence
// numbers in time order, and scenarios dealt round robin.
func checkTarget(t *testing.T, tg *campaign.Target, probes []Probe, scen map[campaign.Channel][]string, gap time.Duration) {
	t.Helper()
	last := map[campaign.Channel]Probe{}
	for i, p := range probes {
		local := p.At.In(tg.Location)
		if !inHours(tg.BusinessHours, local) {
			t.Errorf("probe %s at %v (%s) is outside the business hours of %s", p.ID, p.At, local.Format("Mon 15:04:05 MST"), tg.ID)
		}
		if i > 0 && p.At.Sub(probes[i-1].At) < gap {
			t.Errorf("probes %s and %s of %s are %v apart, want at least %v", probes[i-1].ID, p.ID, tg.ID, p.At.Sub(probes[i-1].At), gap)
		}
		prev, ok := last[p.Channel]
		wantSeq := 1
		if ok {
			wantSeq = prev.Seq + 1
			list := scen[p.Channel]
			if want := list[(slices.Index(list, prev.Scenario)+1)%len(list)]; p.Scenario != want {
				t.Errorf("probe %s: scenario %q, want %q (round robin after %q)", p.ID, p.Scenario, want, prev.Scenario)
			}
		}
		if p.Seq != wantSeq {
			t.Errorf("probe %s: Seq = %d, want %d", p.ID, p.Seq, wantSeq)
		}
		last[p.Channel] = p
	}
}

// inHours reports whether local time lt is inside business hours (always, when none).
func inHours(hs []campaign.Hours, lt time.Time) bool {
	if len(hs) == 0 {
		return true
	}
	m := lt.Hour()*60 + lt.Minute()
	for _, h := range hs {
		if h.Weekdays[lt.Weekday()] && m >= h.OpenMin && m < h.CloseMin {
			return true
		}
	}
	return false
}

func TestPlanDSTNoNonexistentTimes(t *testing.T) {
	for _, tc := range []struct {
		zone string
		y    int // the run is the week from local midnight of y-m-d
		m    time.Month
		d    int
	}{
		{zone: "Europe/Paris", y: 2026, m: time.March, d: 23},
		{zone: "America/New_York", y: 2026, m: time.October, d: 29},
	} {
		loc := mustLocation(t, tc.zone)
		c := newCampaign(map[campaign.Channel]int{chat: 56}, 4*time.Hour, time.Minute,
			newTarget("t", loc, []campaign.Hours{hours(t, "09:00", "17:00", everyDay...)}, chat))
		run := Run{ID: "dst", Start: time.Date(tc.y, tc.m, tc.d, 0, 0, 0, 0, loc), End: time.Date(tc.y, tc.m, tc.d+7, 0, 0, 0, 0, loc)}
		probes, err := Plan(c, run)
		if err != nil {
			t.Fatalf("Plan(%s) error: %v", tc.zone, err)
		}
		perDay := map[int]int{}
		for _, p := range probes {
			l := p.At.In(loc)
			// A 09:00–17:00 local time exists exactly once: it must read back to itself.
			back := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc)
			if !back.Equal(p.At) {
				t.Errorf("%s: probe %s at %v reads as local %v, which is %v", tc.zone, p.ID, p.At, l, back)
			}
			perDay[l.Day()]++
		}
		// 8 open hours every day, DST change day included, so 56 probes are 8 a day.
		for day, n := range perDay {
			if n != 8 {
				t.Errorf("%s: day %d has %d probes, want 8 (every day has 8 open hours)", tc.zone, day, n)
			}
		}
	}
}

func TestPlanDeterministic(t *testing.T) {
	paris := mustLocation(t, "Europe/Paris")
	build := func() *campaign.Campaign {
		return newCampaign(map[campaign.Channel]int{chat: 25, email: 25}, 90*time.Minute, 10*time.Minute,
			newTarget("a", paris, []campaign.Hours{hours(t, "09:00", "18:00", weekdays...)}, chat, email),
			newTarget("b", time.UTC, nil, chat, email))
	}
	run := FirstRun(build())
	first, err := Plan(build(), run)
	if err != nil {
		t.Fatalf("Plan(%q) error: %v", run.ID, err)
	}
	for range 5 {
		again, err := Plan(build(), run)
		if err != nil {
			t.Fatalf("Plan(%q) error: %v", run.ID, err)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("Plan(%q) twice differs (-first +again):\n%s", run.ID, diff)
		}
	}
	other := run
	other.ID = "acme-other"
	second, err := Plan(build(), other)
	if err != nil {
		t.Fatalf("Plan(%q) error: %v", other.ID, err)
	}
	if slices.EqualFunc(first, second, func(a, b Probe) bool { return a.At.Equal(b.At) }) {
		t.Errorf("Plan(%q) and Plan(%q) have the same times, want different plans for different runs", run.ID, other.ID)
	}
}

func TestPlanZeroJitterIsEven(t *testing.T) {
	c := newCampaign(map[campaign.Channel]int{chat: 6, email: 4}, 0, time.Hour,
		newTarget("even", time.UTC, []campaign.Hours{hours(t, "09:00", "14:00", weekdays...)}, chat, email))
	run := Run{ID: "even", Start: utc("2026-03-02T00:00:00Z"), End: utc("2026-03-04T00:00:00Z")} // Mon, Tue: 10 open hours
	probes, err := Plan(c, run)
	if err != nil {
		t.Fatalf("Plan(%q) error: %v", run.ID, err)
	}
	var got, want []time.Time
	for _, p := range probes {
		got = append(got, p.At)
	}
	for _, day := range []string{"2026-03-02", "2026-03-03"} {
		for _, hm := range []string{"09:30", "10:30", "11:30", "12:30", "13:30"} {
			want = append(want, utc(day+"T"+hm+":00Z"))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Plan(%q) times mismatch (-want +got):\n%s", run.ID, diff)
	}
}

func TestPlanMixesChannels(t *testing.T) {
	c := newCampaign(map[campaign.Channel]int{chat: 50, email: 50}, 0, 0, newTarget("mix", time.UTC, nil, chat, email))
	for i := range 20 {
		run := Run{ID: fmt.Sprintf("mix-%d", i), Start: utc("2026-03-01T00:00:00Z"), End: utc("2026-03-02T00:00:00Z")}
		probes, err := Plan(c, run)
		if err != nil {
			t.Fatalf("Plan(%q) error: %v", run.ID, err)
		}
		emails := 0
		for _, p := range probes[:50] {
			if p.Channel == email {
				emails++
			}
		}
		if emails != 25 {
			t.Errorf("Plan(%q): %d email probes in the first half, want 25 (each channel spread over the window)", run.ID, emails)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	paris := mustLocation(t, "Europe/Paris")
	run := Run{ID: "acme-20260302T0000Z", Start: utc("2026-03-02T00:00:00Z"), End: utc("2026-03-04T00:00:00Z")}
	weekend := []campaign.Hours{hours(t, "10:00", "16:00", time.Saturday)}
	office := []campaign.Hours{hours(t, "09:00", "13:00", weekdays...)} // 8 h in the run
	tests := []struct {
		name string
		c    *campaign.Campaign
		want string
	}{{
		name: "no business hours in the window",
		c:    newCampaign(map[campaign.Channel]int{chat: 3}, 0, 0, newTarget("shut", paris, weekend, chat)),
		want: `target "shut": no business hours inside the window [2026-03-02T00:00:00Z, 2026-03-04T00:00:00Z) (Europe/Paris), but 3 probes are planned; check its business_hours and timezone, or widen the window`,
	}, {
		name: "min gap too long",
		c:    newCampaign(map[campaign.Channel]int{chat: 6, email: 4}, 0, time.Hour, newTarget("busy", paris, office, chat, email)),
		want: `target "busy": 10 probes need at least 10h of open time at min_gap 1h, the window [2026-03-02T00:00:00Z, 2026-03-04T00:00:00Z) has only 8h of business hours (Europe/Paris); lower probes_per_target or min_gap, or widen the window or business hours`,
	}, {
		name: "every failing target is reported",
		c: newCampaign(map[campaign.Channel]int{chat: 5}, 0, 105*time.Minute,
			newTarget("busy", paris, office, chat), newTarget("ok", time.UTC, nil, chat), newTarget("shut", paris, weekend, chat, email)),
		want: `target "busy": 5 probes need at least 8h45m of open time at min_gap 1h45m, the window [2026-03-02T00:00:00Z, 2026-03-04T00:00:00Z) has only 8h of business hours (Europe/Paris); lower probes_per_target or min_gap, or widen the window or business hours` + "\n" +
			`target "shut": no business hours inside the window [2026-03-02T00:00:00Z, 2026-03-04T00:00:00Z) (Europe/Paris), but 5 probes are planned; check its business_hours and timezone, or widen the window`,
	}, {
		name: "channel without a scenario",
		c: func() *campaign.Campaign {
			c := newCampaign(map[campaign.Channel]int{chat: 2, email: 2}, 0, 0,
				newTarget("a", time.UTC, nil, chat, email), newTarget("b", time.UTC, nil, email))
			c.Scenarios = []campaign.Scenario{{ID: "widget", Channels: []campaign.Channel{chat}}}
			return c
		}(),
		want: `channel "email": 4 probes on 2 targets need a scenario, but no scenario uses this channel (add one, or list "email" in a scenario's channels)`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Plan(tt.c, run)
			if err == nil {
				t.Fatalf("Plan(%q) = %d probes, want error %q", run.ID, len(got), tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Plan(%q) error:\n got %s\nwant %s", run.ID, err, tt.want)
			}
		})
	}
}

func TestRunID(t *testing.T) {
	c := &campaign.Campaign{ID: "acme", Schedule: campaign.Schedule{
		Start: time.Date(2026, 11, 1, 0, 0, 0, 0, mustLocation(t, "Europe/Paris")), Window: campaign.Window{Months: 1},
	}}
	got := FirstRun(c)
	want := Run{ID: "acme-20261031T2300Z", Start: c.Schedule.Start, End: c.Schedule.Start.AddDate(0, 1, 0)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FirstRun() mismatch (-want +got):\n%s", diff)
	}
}

// benchCampaign is 500 targets in five zones, 100 chat and 100 email probes each over a
// month of weekday office hours: 100,000 probes.
func benchCampaign(b *testing.B) *campaign.Campaign {
	zones := []string{"Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney"}
	var targets []campaign.Target
	for i := range 500 {
		loc := mustLocation(b, zones[i%len(zones)])
		targets = append(targets, newTarget(fmt.Sprintf("t%03d", i), loc, []campaign.Hours{hours(b, "09:00", "18:00", weekdays...)}, chat, email))
	}
	return newCampaign(map[campaign.Channel]int{chat: 100, email: 100}, time.Hour, 15*time.Minute, targets...)
}

func BenchmarkPlan(b *testing.B) {
	c := benchCampaign(b)
	run := FirstRun(c)
	b.ReportAllocs()
	for b.Loop() {
		probes, err := Plan(c, run)
		if err != nil || len(probes) != 100_000 {
			b.Fatalf("Plan(%q) = %d probes, %v; want 100000 probes", run.ID, len(probes), err)
		}
	}
}

func ExamplePlan() {
	c := &campaign.Campaign{
		ID: "acme",
		Schedule: campaign.Schedule{
			Start:           time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
			Window:          campaign.Window{Duration: 4 * time.Hour},
			ProbesPerTarget: map[campaign.Channel]int{campaign.ChannelChat: 2, campaign.ChannelEmail: 2},
		},
		Pacing:    campaign.Pacing{MaxInFlight: 1, MinGap: campaign.Duration(30 * time.Minute)},
		Scenarios: []campaign.Scenario{{ID: "refund"}},
		Targets: []campaign.Target{{
			ID: "shop", Timezone: "UTC", Location: time.UTC,
			Channels: campaign.TargetChannels{Chat: &campaign.ChatChannel{}, Email: &campaign.EmailChannel{}},
		}},
	}
	probes, err := Plan(c, FirstRun(c))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range probes {
		fmt.Println(p.At.Format(time.Kitchen), p.ID)
	}
	if err := WritePlan(os.Stdout, c, probes[:1], "csv"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 9:30AM acme-20260302T0900Z/shop/email/0001
	// 10:30AM acme-20260302T0900Z/shop/chat/0001
	// 11:30AM acme-20260302T0900Z/shop/email/0002
	// 12:30PM acme-20260302T0900Z/shop/chat/0002
	// id,run,target,channel,scenario,seq,at,local
	// acme-20260302T0900Z/shop/email/0001,acme-20260302T0900Z,shop,email,refund,1,2026-03-02T09:30:00Z,2026-03-02T09:30:00Z
}

func TestSortProbes(t *testing.T) {
	at := func(s string) time.Time { return utc("2026-03-02T" + s + "Z") }
	in := []Probe{
		{ID: "r/b/chat/0001", At: at("10:00:00")},
		{ID: "r/a/chat/0002", At: at("11:00:00")},
		{ID: "r/a/chat/0001", At: at("10:00:00")},
		{ID: "r/c/chat/0001", At: at("09:00:00.5")},
		{ID: "r/c/chat/0002", At: at("09:00:00.25")},
	}
	want := []Probe{in[4], in[3], in[2], in[0], in[1]}
	if diff := cmp.Diff(want, sortProbes(slices.Clone(in))); diff != "" {
		t.Errorf("sortProbes() mismatch (-want +got):\n%s", diff)
	}
}
