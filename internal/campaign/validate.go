package campaign

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// MaxIDLen is the longest id of a campaign, target, scenario or mailbox.
const MaxIDLen = 64

var slug = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// checker applies the semantic rules to a decoded campaign, filling defaults and
// derived fields as it goes.
type checker struct {
	ctx context.Context
	c   *Campaign
	p   *problems
	o   Options
}

func validate(ctx context.Context, c *Campaign, p *problems, o Options) {
	k := &checker{ctx: ctx, c: c, p: p, o: o}
	k.id("id", c.ID)
	k.schedule()
	k.pacing()
	k.deadlines()
	k.sla()
	k.scoring()
	k.alerts()
	k.mailboxes()
	k.targets()
	k.scenarios()
	k.runSize()
}

// id checks that a required id is a safe slug.
func (k *checker) id(path, id string) {
	switch {
	case id == "":
		k.p.Add(path, "required")
	case len(id) > MaxIDLen:
		k.p.Add(path, "too long: %d characters, at most %d", len(id), MaxIDLen)
	case !slug.MatchString(id):
		k.p.Add(path, `%s is not a valid id: use a-z, 0-9, "-" and "_", starting with a letter or digit`, yamlcheck.Quote(id))
	}
}

// unique reports ids used twice in the list at path.
func (k *checker) unique(path string, ids []string) {
	first := map[string]int{}
	for i, id := range ids {
		if id == "" {
			continue
		}
		if j, dup := first[id]; dup {
			k.p.Add(yamlcheck.Join(yamlcheck.Index(path, i), "id"), "duplicate id %s, also used by %s", yamlcheck.Quote(id), yamlcheck.Index(path, j))
			continue
		}
		first[id] = i
	}
}

// required reports an empty string field.
func (k *checker) required(path, s string) {
	if strings.TrimSpace(s) == "" {
		k.p.Add(path, "required")
	}
}

func (k *checker) schedule() {
	s := &k.c.Schedule
	if s.Start.IsZero() {
		k.p.Add("schedule.start", "required: an RFC 3339 timestamp such as 2026-12-01T00:00:00Z")
	}
	w := s.Window
	switch {
	case w == Window{} && !k.p.Present("schedule.window"):
		k.p.Add("schedule.window", "required: a duration such as 720h or 3d, or calendar months such as 1mo")
	case w.Months == 0 && w.Duration <= 0:
		k.p.Add("schedule.window", "must be positive, got %s", w)
	}
	k.probesPerTarget()
	if msg := checkRecurrence(s.Recurrence); msg != "" {
		k.p.Add("schedule.recurrence", "%s", msg)
	} else if period := recurrencePeriod(s.Recurrence); period > 0 && windowLonger(w, period) {
		k.p.Add("schedule.window", "window %s is longer than the time between two %s runs: runs would overlap", w, s.Recurrence)
	}
}

func (k *checker) probesPerTarget() {
	const path = "schedule.probes_per_target"
	total := 0
	for _, ch := range Channels {
		n, ok := k.c.Schedule.ProbesPerTarget[ch]
		if !ok {
			continue
		}
		if n < 0 {
			k.p.Add(yamlcheck.Join(path, string(ch)), "must not be negative, got %d", n)
			continue
		}
		if n > MaxProbesPerRun {
			at := yamlcheck.Join(path, string(ch))
			k.p.At(k.p.LineOf(at), at, "too many: %d, at most %d probes per run", n, MaxProbesPerRun)
			continue
		}
		total += n
	}
	if total == 0 && !k.p.BadUnder(path) {
		k.p.Add(path, "required: at least one channel with 1 or more probes, e.g. chat: 10")
	}
}

// windowLonger reports whether w is longer than period, a month counting as its
// shortest possible length (28 days).
func windowLonger(w Window, period time.Duration) bool {
	if w.Months > 0 {
		return time.Duration(w.Months)*28*24*time.Hour > period
	}
	return w.Duration > period
}

func (k *checker) pacing() {
	pc := &k.c.Pacing
	switch {
	case !k.p.Present("pacing.max_in_flight"):
		pc.MaxInFlight = DefaultMaxInFlight
	case pc.MaxInFlight < 1:
		k.p.Add("pacing.max_in_flight", "must be at least 1, got %d", pc.MaxInFlight)
	}
}

func (k *checker) deadlines() {
	dl := &k.c.Deadlines
	k.deadline("deadlines.chat", &dl.Chat, DefaultChatDeadline)
	k.deadline("deadlines.email", &dl.Email, DefaultEmailDeadline)
}

func (k *checker) deadline(path string, d *Duration, def time.Duration) {
	switch {
	case !k.p.Present(path):
		*d = Duration(def)
	case *d <= 0:
		k.p.Add(path, "must be positive, got %s", d.D())
	}
}

func (k *checker) sla() {
	if k.c.SLA == nil {
		k.c.SLA = map[Channel]SLA{}
	}
	for _, ch := range Channels {
		s, ok := k.c.SLA[ch]
		if !ok {
			k.c.SLA[ch] = DefaultSLA[ch]
			continue
		}
		def, base := DefaultSLA[ch], fmt.Sprintf("sla.%s.", ch)
		if !k.p.Present(base + "first_response") {
			s.FirstResponse = def.FirstResponse
		}
		if !k.p.Present(base + "human_response") {
			s.HumanResponse = def.HumanResponse
		}
		if !k.p.Present(base + "response_rate") {
			s.ResponseRate = def.ResponseRate
		}
		k.c.SLA[ch] = s
		if r := s.ResponseRate; math.IsNaN(r) || r < 0 || r > 1 {
			k.p.Add(fmt.Sprintf("sla.%s.response_rate", ch), "must be between 0 and 1, got %v", r)
		}
	}
}
