package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// num formats a coordinate: one decimal at most, no "-0", never NaN.
func num(v float64) string {
	return fixed(v, 1, true)
}

// fixed formats v with d decimals; trim drops a zero fraction ("2.0" → "2").
// NaN and Inf, which callers never pass, give "0" rather than broken markup.
func fixed(v float64, d int, trim bool) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	if p := math.Pow(10, float64(d)); finite(v * p) {
		v = math.Round(v*p) / p // halves away from zero, as people round
	}
	s := strconv.FormatFloat(v, 'f', d, 64)
	if trim && strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return s
}

// short formats a value for a description: d decimals at most.
func short(v float64, d int) string {
	return fixed(v, d, true)
}

// percent formats a share (0..1) as a whole percentage, "81%".
func percent(share float64) string {
	return fixed(100*share, 0, false) + "%"
}

// durationUnits are the units of duration labels, largest first.
var durationUnits = []struct {
	name string
	sec  float64
}{{"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}, {"ms", 0.001}}

// durationTick labels a tick at sec seconds: "500ms", "30s", "2m", "1h", "3d".
// It uses the largest unit the value is a whole number of ("90s", "36h"), else
// one with a single decimal ("75.5s"), else writes it as humanDuration does.
func durationTick(sec float64) string {
	if sec == 0 || math.IsNaN(sec) || math.IsInf(sec, 0) {
		return "0"
	}
	sign := ""
	if sec < 0 {
		sign, sec = "-", -sec
	}
	for _, tenths := range []float64{1, 10} {
		for _, u := range durationUnits {
			n := sec / u.sec * tenths
			if n >= tenths && math.Abs(n-math.Round(n)) < 1e-6 && (u.name != "ms" || sec < 1) {
				return sign + fixed(math.Round(n)/tenths, 1, true) + u.name
			}
		}
	}
	return sign + humanDuration(sec)
}

// humanDuration writes a measured duration for people: "450ms", "4.2s", "38s",
// "1m 12s", "14m", "2h 05m", "3d 4h".
func humanDuration(sec float64) string {
	switch {
	case math.IsNaN(sec) || math.IsInf(sec, 0) || sec < 0:
		return "n/a"
	case sec < 1:
		return fixed(sec*1000, 0, false) + "ms"
	case sec < 10:
		return fixed(sec, 1, true) + "s"
	case sec < 59.5:
		return fixed(sec, 0, false) + "s"
	}
	t := int64(math.Round(sec))
	switch {
	case t < 600:
		return fmt.Sprintf("%dm %02ds", t/60, t%60)
	case t < 3600-30:
		return fmt.Sprintf("%dm", (t+30)/60)
	case t < 86400-30:
		m := (t + 30) / 60
		return fmt.Sprintf("%dh %02dm", m/60, m%60)
	}
	h := (t + 1800) / 3600
	return fmt.Sprintf("%dd %dh", h/24, h%24)
}

// lineDuration writes the value of a reference line: "2m" when it is a whole
// number of its largest unit, else as humanDuration does ("2m 30s").
func lineDuration(sec float64) string {
	if sec > 0 {
		for _, u := range durationUnits {
			if n := sec / u.sec; n >= 1 {
				if math.Abs(n-math.Round(n)) < 1e-6 {
					return durationTick(sec)
				}
				break
			}
		}
	}
	return humanDuration(sec)
}

// HumanDuration writes a measured duration in seconds for people, as the charts do:
// "450ms", "4.2s", "38s", "1m 12s", "14m", "2h 05m", "3d 4h"; "n/a" for NaN.
func HumanDuration(sec float64) string { return humanDuration(sec) }

// ThresholdDuration writes a threshold in seconds as reference lines label it: "2m"
// when it is a whole number of its largest unit, else as HumanDuration does.
func ThresholdDuration(sec float64) string { return lineDuration(sec) }
