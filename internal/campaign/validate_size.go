package campaign

import (
	"time"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// runSize checks that one run of the campaign can be planned: every target's probes
// fit in the window at pacing.min_gap, and the run has at most MaxProbesPerRun
// probes. (Business hours are checked when planning, which needs the run's dates.)
func (k *checker) runSize() {
	s := k.c.Schedule
	if k.p.BadUnder("schedule.probes_per_target") || k.p.BadUnder("schedule.window") {
		return
	}
	longest := longestWindow(s.Window)
	gap := k.c.Pacing.MinGap.D()
	total := 0
	for i := range k.c.Targets {
		t := &k.c.Targets[i]
		m := 0
		for _, ch := range t.Channels.Enabled() {
			m += max(s.ProbesPerTarget[ch], 0)
		}
		total += m
		if gap > 0 && longest > 0 && int64(m) > int64(longest/gap) {
			k.p.Add(yamlcheck.Join(yamlcheck.Index("targets", i), "channels"),
				"%d probes per run do not fit in the window (%s) at pacing.min_gap %s: at most %d; lower probes_per_target or min_gap, or widen the window",
				m, s.Window, gap, longest/gap)
		}
	}
	if total > MaxProbesPerRun {
		k.p.Add("schedule.probes_per_target", "%d probes per run (%d targets), at most %d: lower probes_per_target, or split the campaign",
			total, len(k.c.Targets), MaxProbesPerRun)
	}
}

// longestWindow is the longest a window of w can be, whatever its start.
func longestWindow(w Window) time.Duration {
	if w.Months > 0 {
		return time.Duration(w.Months) * 31 * 24 * time.Hour
	}
	return w.Duration
}
