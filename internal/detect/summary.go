package detect

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/stakeoutcx/stakeout/internal/scoring"
)

// fmtSeconds writes a duration in seconds the way a client reads it: "45s", "4m30s",
// "58m", "2h10m", "3d4h".
func fmtSeconds(s float64) string {
	if math.IsNaN(s) || s < 0 {
		return "n/a"
	}
	switch {
	case s < 59.5:
		return fmt.Sprintf("%.0fs", s)
	case s < 600:
		m := math.Round(s)
		return fmt.Sprintf("%.0fm%02.0fs", math.Floor(m/60), math.Mod(m, 60))
	case s < 3570:
		return fmt.Sprintf("%.0fm", math.Round(s/60))
	case s < 48*3600:
		m := math.Round(s / 60)
		return fmt.Sprintf("%.0fh%02.0fm", math.Floor(m/60), math.Mod(m, 60))
	case s < 1e9:
		h := math.Round(s / 3600)
		return fmt.Sprintf("%.0fd%.0fh", math.Floor(h/24), math.Mod(h, 24))
	}
	return fmt.Sprintf("%.3gs", s)
}

// fmtPercent writes a share as a whole percentage.
func fmtPercent(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", 100*x)
}

// fmtInterval writes an estimate and, when it has one, its interval: "2h10m [1h40m, 2h50m]".
func fmtInterval(iv scoring.Interval, f func(float64) string) string {
	if !iv.Lo.Valid() || !iv.Hi.Valid() {
		return f(iv.Value.F())
	}
	return fmt.Sprintf("%s [%s, %s]", f(iv.Value.F()), f(iv.Lo.F()), f(iv.Hi.F()))
}

// fmtTime writes a probe's time in UTC, to the minute.
func fmtTime(t time.Time) string { return t.UTC().Format("2 Jan 15:04 UTC") }

// probes writes a count of probes.
func probes(n int) string {
	if n == 1 {
		return "1 probe"
	}
	return fmt.Sprintf("%d probes", n)
}

// verdict writes a test's outcome: "CUSUM 7.1 > 6.25", or for an open alert "CUSUM 3.2,
// open until below 1.5". A statistic past the threshold that does not fire (the newest
// probe adds no evidence) ends with wait, the probe it waits for. Thresholds are
// written exactly, statistics to one decimal.
func verdict(name string, f Finding, isOpen bool, wait string) string {
	s, t := fmtStat(f.Statistic, f.Threshold), f.Threshold
	switch {
	case wait != "" && !isOpen && !f.Firing && f.Statistic > t:
		return fmt.Sprintf("%s %s > %g, but the newest probe adds no evidence: alerts on the next %s", name, s, t, wait)
	case isOpen && f.Firing:
		return fmt.Sprintf("%s %s, open until below %g", name, s, t)
	case isOpen:
		return fmt.Sprintf("%s %s < %g: cleared", name, s, t)
	case f.Firing:
		return fmt.Sprintf("%s %s > %g", name, s, t)
	}
	return fmt.Sprintf("%s %s, alerts above %g", name, s, t)
}

// fmtStat writes a statistic to one decimal, or to as many more (up to four) as it takes
// to show on which side of the threshold t it lies: 2.31 against 2.3 is "2.31", not "2.3".
func fmtStat(s, t float64) string {
	for d := 1; d < 4; d++ {
		out := strconv.FormatFloat(s, 'f', d, 64)
		v, _ := strconv.ParseFloat(out, 64)
		if (v > t) == (s > t) && (v < t) == (s < t) {
			return out
		}
	}
	return strconv.FormatFloat(s, 'f', 4, 64)
}
