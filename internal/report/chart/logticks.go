package chart

import (
	"math"
	"sort"
)

// ladderStep is a candidate tick of a logarithmic duration axis and the coarsest
// level it appears at: level 0 holds 1s, 1m, 1h, 1d; each further level adds
// values between.
type ladderStep struct {
	sec   float64
	level int
}

const (
	minute = 60.0
	hour   = 3600.0
	day    = 86400.0
)

// ladder lists every tick a log duration axis may carry, ascending.
var ladder = []ladderStep{
	{0.01, 1}, {0.02, 3}, {0.05, 2}, {0.1, 1}, {0.2, 3}, {0.5, 2},
	{1, 0}, {2, 3}, {5, 2}, {10, 1}, {15, 3}, {30, 2},
	{minute, 0}, {2 * minute, 3}, {5 * minute, 2}, {10 * minute, 1}, {15 * minute, 3}, {30 * minute, 2},
	{hour, 0}, {2 * hour, 3}, {3 * hour, 2}, {6 * hour, 1}, {12 * hour, 2},
	{day, 0}, {2 * day, 3}, {3 * day, 2}, {7 * day, 1}, {14 * day, 2}, {30 * day, 1},
	{60 * day, 3}, {90 * day, 2}, {180 * day, 3}, {365 * day, 1},
}

// Bounds of a log duration axis.
const (
	logAxisMin = 0.01
	logAxisMax = 365 * day
)

// logDomain returns the axis domain for data in [lo, hi] seconds (both > 0): a
// quarter-decade of margin each side, at least one decade wide, within the axis
// bounds.
func logDomain(lo, hi float64) (float64, float64) {
	lo, hi = lo/1.5, hi*1.5
	if hi/lo < 10 {
		c := math.Sqrt(lo * hi)
		lo, hi = c/math.Sqrt(10), c*math.Sqrt(10)
	}
	if lo < logAxisMin {
		lo, hi = logAxisMin, max(hi, logAxisMin*10)
	}
	if hi > logAxisMax {
		lo, hi = min(lo, logAxisMax/10), logAxisMax
	}
	return lo, hi
}

// logTicks chooses the ticks of a log duration axis over [lo, hi]: the coarsest
// level giving 4 ticks or more, unless that is more than maxTicks. When even the
// finest level gives fewer than 3, the domain widens to the neighbouring ticks;
// the returned domain is the one to draw.
func logTicks(lo, hi float64, maxTicks int) ([]tick, float64, float64) {
	for {
		ts := chooseLevel(lo, hi, maxTicks)
		if len(ts) >= 3 || (lo <= ladder[0].sec && hi >= ladder[len(ladder)-1].sec) {
			return ts, lo, hi
		}
		lo, hi = widen(lo, hi)
	}
}

// chooseLevel returns the ticks of the level logTicks wants over [lo, hi].
func chooseLevel(lo, hi float64, maxTicks int) []tick {
	var best []tick
	for level := 0; level <= 3; level++ {
		ts := levelTicks(lo, hi, level)
		if len(ts) > maxTicks && len(best) >= 3 {
			break
		}
		best = ts
		if len(ts) >= 4 {
			break
		}
	}
	return best
}

// levelTicks lists the ladder values of level ≤ level within [lo, hi].
func levelTicks(lo, hi float64, level int) []tick {
	var ts []tick
	for _, s := range ladder {
		if s.level <= level && s.sec >= lo*(1-1e-9) && s.sec <= hi*(1+1e-9) {
			ts = append(ts, tick{value: s.sec, label: durationTick(s.sec)})
		}
	}
	return ts
}

// widen moves lo and hi out to the next ladder values beyond them.
func widen(lo, hi float64) (float64, float64) {
	i := sort.Search(len(ladder), func(i int) bool { return ladder[i].sec >= lo*(1-1e-9) })
	if i > 0 {
		lo = ladder[i-1].sec
	}
	j := sort.Search(len(ladder), func(i int) bool { return ladder[i].sec > hi*(1+1e-9) })
	if j < len(ladder) {
		hi = ladder[j].sec
	}
	return lo, hi
}
