package detect

import (
	"fmt"
	"time"
)

// Duration is a time.Duration written as text ("24h0m0s") in JSON and YAML.
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler: a Go duration such as "36h" or "90m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("bad duration %q: %w", b, err)
	}
	*d = Duration(v)
	return nil
}

// Params say how the detector judges a history. A zero field takes its default (given on
// each field; docs/detector.md has the valid ranges). They are the campaign's `alerts:`
// block, and findings keep them as evidence.
type Params struct {
	// Window is the recent window: the last Window reached probes (default 20).
	Window int `json:"window" yaml:"window"`
	// BaselineDays is how far back the baseline reaches, in days (default 30).
	BaselineDays int `json:"baseline_days" yaml:"baseline_days"`
	// BaselineMax caps the baseline to its most recent probes (default 100).
	BaselineMax int `json:"baseline_max" yaml:"baseline_max"`
	// MinBaseline is the fewest baseline probes that judge latency (timed human answers)
	// and response rate (reached probes) (default 20).
	MinBaseline int `json:"min_baseline" yaml:"min_baseline"`
	// LatencyDrift is the CUSUM reference k in standard units: half the shift, in
	// baseline standard deviations of the log human time, the test is tuned for
	// (default 0.25).
	LatencyDrift float64 `json:"latency_drift" yaml:"latency_drift"`
	// LatencyThreshold is the CUSUM value that opens a latency alert (default 6.25).
	LatencyThreshold float64 `json:"latency_threshold" yaml:"latency_threshold"`
	// LatencyClear is the CUSUM value below which an open latency alert clears
	// (default 1.5).
	LatencyClear float64 `json:"latency_clear" yaml:"latency_clear"`
	// RateDrop is the drop in the answered share (0..1) the response-rate test is tuned
	// for (default 0.3).
	RateDrop float64 `json:"rate_drop" yaml:"rate_drop"`
	// RateMinProbes is the fewest recent probes a response-rate suffix holds (default 12,
	// or the window when that is shorter).
	RateMinProbes int `json:"rate_min_probes" yaml:"rate_min_probes"`
	// RateThreshold is the log-likelihood ratio (largest over the window's suffixes)
	// that opens a response-rate alert (default 2.3).
	RateThreshold float64 `json:"rate_threshold" yaml:"rate_threshold"`
	// RateClear is the log-likelihood ratio below which an open response-rate alert
	// clears (default 1.0).
	RateClear float64 `json:"rate_clear" yaml:"rate_clear"`
	// StoppedAfter is K: this many reached probes in a row without a human answer open a
	// stopped_answering alert (default 3).
	StoppedAfter int `json:"stopped_after" yaml:"stopped_after"`
	// SLAMin is the fewest probes that judge the SLA: reached probes for the rate, timed
	// human answers for the p90 (default 10).
	SLAMin int `json:"sla_min" yaml:"sla_min"`
	// SLADays, when set, judges the SLA over the trailing SLADays days instead of the
	// recent window (default 0: the recent window).
	SLADays int `json:"sla_days" yaml:"sla_days"`
	// Cooldown is how long after a kind resolves before it may open again (default 24h
	// for chat, 48h for email).
	Cooldown Duration `json:"cooldown" yaml:"cooldown"`
	// CriticalLatencyRatio makes a latency finding critical when the recent median human
	// time is at least this multiple of the baseline's (default 2).
	CriticalLatencyRatio float64 `json:"critical_latency_ratio" yaml:"critical_latency_ratio"`
	// CriticalRateDrop makes a response-rate finding critical when the recent rate is at
	// least this far (a share, 0..1) below the baseline's (default 0.3).
	CriticalRateDrop float64 `json:"critical_rate_drop" yaml:"critical_rate_drop"`
	// Resamples is the number of bootstrap resamples of the median and p90 intervals
	// (default 2000, as scorecards).
	Resamples int `json:"resamples" yaml:"resamples"`
	// Seed seeds the bootstrap generator (default 1, as scorecards).
	Seed uint64 `json:"seed" yaml:"seed"`
}

// DefaultParams returns the defaults for channel ("chat" or "email"; any other channel
// gets the chat defaults). Only the cooldown differs: email is probed less often and
// answered in hours, so it waits 48h before reopening, chat 24h.
func DefaultParams(channel string) Params {
	p := Params{
		Window:               20,
		BaselineDays:         30,
		BaselineMax:          100,
		MinBaseline:          20,
		LatencyDrift:         0.25,
		LatencyThreshold:     6.25,
		LatencyClear:         1.5,
		RateDrop:             0.3,
		RateMinProbes:        12,
		RateThreshold:        2.3,
		RateClear:            1.0,
		StoppedAfter:         3,
		SLAMin:               10,
		Cooldown:             Duration(24 * time.Hour),
		CriticalLatencyRatio: 2,
		CriticalRateDrop:     0.3,
		Resamples:            2000,
		Seed:                 1,
	}
	if channel == "email" {
		p.Cooldown = Duration(48 * time.Hour)
	}
	return p
}

// WithDefaults returns p with every zero field set to its default for channel.
func (p Params) WithDefaults(channel string) Params {
	d := DefaultParams(channel)
	fillInt(&p.Window, d.Window)
	fillInt(&p.BaselineDays, d.BaselineDays)
	fillInt(&p.BaselineMax, d.BaselineMax)
	fillInt(&p.MinBaseline, d.MinBaseline)
	fillFloat(&p.LatencyDrift, d.LatencyDrift)
	fillFloat(&p.LatencyThreshold, d.LatencyThreshold)
	fillFloat(&p.LatencyClear, d.LatencyClear)
	fillFloat(&p.RateDrop, d.RateDrop)
	fillInt(&p.RateMinProbes, d.RateMinProbes)
	fillFloat(&p.RateThreshold, d.RateThreshold)
	fillFloat(&p.RateClear, d.RateClear)
	fillInt(&p.StoppedAfter, d.StoppedAfter)
	fillInt(&p.SLAMin, d.SLAMin)
	if p.Cooldown == 0 {
		p.Cooldown = d.Cooldown
	}
	fillFloat(&p.CriticalLatencyRatio, d.CriticalLatencyRatio)
	fillFloat(&p.CriticalRateDrop, d.CriticalRateDrop)
	fillInt(&p.Resamples, d.Resamples)
	if p.Seed == 0 {
		p.Seed = d.Seed
	}
	return p
}

func fillInt(v *int, d int) {
	if *v == 0 {
		*v = d
	}
}

func fillFloat(v *float64, d float64) {
	if *v == 0 {
		*v = d
	}
}

// Problems lists each invalid field as "field: what is wrong", in field order; none for
// valid params. A zero field is valid: it takes its default.
func (p Params) Problems() []string {
	var out []string
	for _, pr := range p.problems() {
		out = append(out, pr.field+": "+pr.what)
	}
	return out
}

// problem is one invalid field.
type problem struct{ field, what string }

// problems checks every field against its range (docs/detector.md), then the fields
// that must agree once defaults are filled.
func (p Params) problems() []problem {
	var out []problem
	bad := func(field, format string, args ...any) {
		out = append(out, problem{field, fmt.Sprintf(format, args...)})
	}
	intIn := func(field string, v, lo, hi int) {
		if v != 0 && (v < lo || v > hi) {
			bad(field, "%d is outside %d..%d", v, lo, hi)
		}
	}
	floatIn := func(field string, v, lo, hi float64) {
		if v != 0 && !(v >= lo && v <= hi) { // also catches NaN
			bad(field, "%v is outside %v..%v", v, lo, hi)
		}
	}
	intIn("window", p.Window, 2, 1000)
	intIn("baseline_days", p.BaselineDays, 1, 3650)
	intIn("baseline_max", p.BaselineMax, 5, 10000)
	intIn("min_baseline", p.MinBaseline, 5, 10000)
	floatIn("latency_drift", p.LatencyDrift, 0.01, 5)
	floatIn("latency_threshold", p.LatencyThreshold, 0.5, 100)
	floatIn("latency_clear", p.LatencyClear, 0.01, 100)
	floatIn("rate_drop", p.RateDrop, 0.01, 0.99)
	intIn("rate_min_probes", p.RateMinProbes, 1, 1000)
	floatIn("rate_threshold", p.RateThreshold, 0.5, 100)
	floatIn("rate_clear", p.RateClear, 0.01, 100)
	intIn("stopped_after", p.StoppedAfter, 1, 1000)
	intIn("sla_min", p.SLAMin, 2, 10000)
	intIn("sla_days", p.SLADays, 1, 3650)
	if c := time.Duration(p.Cooldown); c != 0 && (c < time.Minute || c > 90*24*time.Hour) {
		bad("cooldown", "%v is outside 1m..2160h", c)
	}
	floatIn("critical_latency_ratio", p.CriticalLatencyRatio, 1, 1000)
	floatIn("critical_rate_drop", p.CriticalRateDrop, 0.01, 1)
	intIn("resamples", p.Resamples, 100, 100000)
	d := p.WithDefaults("")
	if d.MinBaseline > d.BaselineMax {
		bad("min_baseline", "%d is above baseline_max %d", d.MinBaseline, d.BaselineMax)
	}
	if d.LatencyClear >= d.LatencyThreshold {
		bad("latency_clear", "%v is not below latency_threshold %v", d.LatencyClear, d.LatencyThreshold)
	}
	if p.RateMinProbes != 0 && p.RateMinProbes > d.Window {
		bad("rate_min_probes", "%d is above window %d", p.RateMinProbes, d.Window)
	}
	if d.RateClear >= d.RateThreshold {
		bad("rate_clear", "%v is not below rate_threshold %v", d.RateClear, d.RateThreshold)
	}
	return out
}

// sane returns p with defaults filled and each invalid field (with the field it must
// agree with) set to its default, so that Evaluate and Decide behave on params nobody
// checked.
func (p Params) sane() Params {
	d := DefaultParams("")
	for _, pr := range p.problems() {
		switch pr.field {
		case "window", "rate_min_probes":
			p.Window, p.RateMinProbes = 0, 0
		case "baseline_days":
			p.BaselineDays = 0
		case "baseline_max", "min_baseline":
			p.BaselineMax, p.MinBaseline = 0, 0
		case "latency_drift":
			p.LatencyDrift = 0
		case "latency_threshold", "latency_clear":
			p.LatencyThreshold, p.LatencyClear = 0, 0
		case "rate_drop":
			p.RateDrop = 0
		case "rate_threshold", "rate_clear":
			p.RateThreshold, p.RateClear = 0, 0
		case "stopped_after":
			p.StoppedAfter = 0
		case "sla_min":
			p.SLAMin = 0
		case "sla_days":
			p.SLADays = 0
		case "cooldown":
			p.Cooldown = d.Cooldown
		case "critical_latency_ratio":
			p.CriticalLatencyRatio = 0
		case "critical_rate_drop":
			p.CriticalRateDrop = 0
		case "resamples":
			p.Resamples = 0
		}
	}
	return p.WithDefaults("")
}
