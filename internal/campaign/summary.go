package campaign

import (
	"fmt"
	"strings"
	"time"
)

// ProbesPerRun returns the number of probes one run makes on each channel:
// probes_per_target times the number of targets that have the channel.
// Channels with no probes are left out.
func (c *Campaign) ProbesPerRun() map[Channel]int {
	out := map[Channel]int{}
	for _, t := range c.Targets {
		for _, ch := range t.Channels.Enabled() {
			if n := c.Schedule.ProbesPerTarget[ch]; n > 0 {
				out[ch] += n
			}
		}
	}
	return out
}

// Summary describes the campaign in one line, e.g.
//
//	campaign "demo" (Demo): 12 targets, 3 scenarios, 240 probes per run (chat 120, email 120), window 10m0s from 2026-12-01T00:00:00Z, recurrence none
func (c *Campaign) Summary() string {
	per := c.ProbesPerRun()
	total := 0
	var parts []string
	for _, ch := range Channels {
		if n := per[ch]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%s %d", ch, n))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "campaign %q", c.ID)
	if c.Name != "" {
		fmt.Fprintf(&b, " (%s)", c.Name)
	}
	fmt.Fprintf(&b, ": %s, %s, %s per run", plural(len(c.Targets), "target"),
		plural(len(c.Scenarios), "scenario"), plural(total, "probe"))
	if len(parts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	rec := c.Schedule.Recurrence
	if rec == "" {
		rec = RecurNone
	}
	fmt.Fprintf(&b, ", window %s from %s, recurrence %s",
		c.Schedule.Window, c.Schedule.Start.Format(time.RFC3339), rec)
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
