package campaign

import (
	"strings"
	"testing"
)

// sized is a campaign of two chat targets with probes per target, a window and a
// min gap; the targets are on lines 4 and 5.
func sized(probes, window, gap string) string {
	return okID +
		"schedule: {start: 2026-12-01T00:00:00Z, window: " + window + ", probes_per_target: {chat: " + probes + "}}\n" +
		"pacing: {min_gap: " + gap + "}\n" +
		"targets:\n" +
		"  - {id: a, name: A, industry: retail, timezone: UTC, channels: {chat: {url: \"https://a.example\", profile: p}}}\n" +
		"  - {id: b, name: B, industry: retail, timezone: UTC, channels: {chat: {url: \"https://b.example\", profile: p}}}\n" +
		okScenario
}

// Validation bounds what can be planned: a file it accepts never asks the planner for
// more probes than fit (10^8 per target ran out of memory, 10^12 panicked in makeslice).
func TestRunSizeBounds(t *testing.T) {
	runBadCases(t, []badCase{
		{
			name: "1e8 probes per target without a gap",
			src:  sized("100000000", "720h", "0s"),
			want: []string{"f.yaml:2: schedule.probes_per_target.chat: too many: 100000000, at most 1000000 probes per run"},
		},
		{
			name: "1e12 probes per target",
			src:  sized("1000000000000", "720h", "1s"),
			want: []string{"f.yaml:2: schedule.probes_per_target.chat: too many: 1000000000000, at most 1000000 probes per run"},
		},
		{
			name: "total over the limit",
			src:  sized("600000", "720h", "0s"),
			want: []string{"f.yaml:2: schedule.probes_per_target: 1200000 probes per run (2 targets), at most 1000000: lower probes_per_target, or split the campaign"},
		},
		{
			name: "probes do not fit at the min gap",
			src:  sized("61", "1h", "1m"),
			want: []string{
				"f.yaml:5: targets[0].channels: 61 probes per run do not fit in the window (1h0m0s) at pacing.min_gap 1m0s: at most 60; lower probes_per_target or min_gap, or widen the window",
				"f.yaml:6: targets[1].channels: 61 probes per run do not fit in the window (1h0m0s) at pacing.min_gap 1m0s: at most 60; lower probes_per_target or min_gap, or widen the window",
			},
		},
		{
			name: "a month counts its longest",
			src:  sized("745", "1mo", "1h"),
			want: []string{
				"f.yaml:5: targets[0].channels: 745 probes per run do not fit in the window (1mo) at pacing.min_gap 1h0m0s: at most 744; lower probes_per_target or min_gap, or widen the window",
				"f.yaml:6: targets[1].channels: 745 probes per run do not fit in the window (1mo) at pacing.min_gap 1h0m0s: at most 744; lower probes_per_target or min_gap, or widen the window",
			},
		},
	})
	for _, src := range []string{sized("60", "1h", "1m"), sized("500000", "720h", "0s"), sized("744", "1mo", "1h")} {
		if got := problemsOf(t, src); got != nil {
			t.Errorf("Parse(%q) = %q, want no problem", src, got)
		}
	}
}

// A text field longer than MaxTextLen is refused with its line (a 100 MB message
// went into the run spec in Redis), and so is a file larger than MaxFileBytes,
// before it is parsed.
func TestTextAndFileLimits(t *testing.T) {
	long := strings.Repeat("x", MaxTextLen+1)
	runBadCases(t, []badCase{
		{
			name: "long message",
			src:  okID + okSchedule + "scenarios: [{id: s, message: " + long + ", persona: {name: Jo}}]\n" + okTargets,
			want: []string{"f.yaml:3: scenarios[0].message: too long: 16385 bytes, at most 16384"},
		},
		{
			name: "long follow-up",
			src:  okID + okSchedule + "scenarios: [{id: s, message: hi, follow_ups: [ok, " + long + "], persona: {name: Jo}}]\n" + okTargets,
			want: []string{"f.yaml:3: scenarios[0].follow_ups[1]: too long: 16385 bytes, at most 16384"},
		},
		{
			name: "file too large",
			src:  okID + okSchedule + okScenario + okTargets + "# " + strings.Repeat("x", MaxFileBytes) + "\n",
			want: []string{"f.yaml:1: file too large: 4194575 bytes, at most 4194304"},
		},
	})
}
