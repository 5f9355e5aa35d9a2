package chart

import "math"

// tick is one labelled position on an axis.
type tick struct {
	value float64
	label string
}

// linearTicks returns nice ticks (steps of 1, 2, 2.5 or 5 × 10^k) within
// [lo, hi], about target of them and never fewer than 3 when lo < hi.
func linearTicks(lo, hi float64, target int, format func(float64, int) string) []tick {
	if !(hi > lo) || !finite(lo) || !finite(hi) {
		return nil
	}
	for ; target <= 64; target *= 2 {
		step := niceStep((hi-lo)/float64(target), []float64{1, 2, 2.5, 5})
		if ts := stepTicks(lo, hi, step, format); len(ts) >= 3 {
			return ts
		}
	}
	return nil
}

// niceStep returns the smallest m × 10^k ≥ raw, m from mantissas.
func niceStep(raw float64, mantissas []float64) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range mantissas {
		if raw <= m*mag*(1+1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// stepTicks lists the multiples of step within [lo, hi].
func stepTicks(lo, hi, step float64, format func(float64, int) string) []tick {
	d := decimals(step)
	var ts []tick
	first := math.Ceil(lo/step - 1e-9)
	for i := first; i*step <= hi+step*1e-9 && len(ts) < 100; i++ {
		v := i * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ts = append(ts, tick{value: v, label: format(v, d)})
	}
	return ts
}

// decimals is the number of decimals that writes every multiple of step exactly.
func decimals(step float64) int {
	d := 0
	for p := step; d < 6 && math.Abs(p-math.Round(p)) > 1e-6*math.Max(1, p); d++ {
		p *= 10
	}
	return d
}

// plainLabel formats a linear tick as a number.
func plainLabel(v float64, d int) string { return fixed(v, d, false) }

// percentLabel formats a tick of a 0–100 axis: "40%".
func percentLabel(v float64, d int) string { return fixed(v, d, false) + "%" }

// durationLabel formats a tick in seconds as a duration: "30s", "2m".
func durationLabel(v float64, _ int) string { return durationTick(v) }

// durationSteps are the steps of a linear duration axis, in seconds.
var durationSteps = []float64{
	0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
	60, 120, 300, 600, 900, 1800,
	3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600,
	86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400,
}

// durationTicks returns ticks of a linear axis in seconds, at time-like steps
// (15s, 30s, 1m, 5m, 1h, 6h, 1d, …), at least 3 when lo < hi.
func durationTicks(lo, hi float64, target int) []tick {
	if !(hi > lo) || !finite(lo) || !finite(hi) {
		return nil
	}
	for ; target <= 64; target *= 2 {
		raw := (hi - lo) / float64(target)
		step := durationSteps[len(durationSteps)-1]
		for _, s := range durationSteps {
			if s >= raw*(1-1e-9) {
				step = s
				break
			}
		}
		if raw > step {
			step = niceStep(raw/86400, []float64{1, 2, 5}) * 86400
		}
		if ts := stepTicks(lo, hi, step, unitLabel(step)); len(ts) >= 3 {
			return ts
		}
	}
	return nil
}

// unitLabel labels every tick of a linear duration axis in the unit of its
// step, so that they read alike: "0, 30s, 60s, 90s", not "30s, 1m, 90s".
func unitLabel(step float64) func(float64, int) string {
	for _, u := range durationUnits {
		if n := step / u.sec; n >= 1 && math.Abs(n-math.Round(n)) < 1e-6 {
			return func(v float64, _ int) string {
				if v == 0 {
					return "0"
				}
				return fixed(v/u.sec, 0, false) + u.name
			}
		}
	}
	return durationLabel
}
