package detect

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/stakeoutcx/stakeout/internal/scoring"
)

// Obs is one probe that reached the target (callers leave out failed probes), oldest first.
type Obs struct {
	// Probe is the probe id, kept as evidence.
	Probe string `json:"probe_id"`
	// At is when the probe contacted the target.
	At time.Time `json:"at"`
	// Answered: a human answered (auto-only and no-response probes are false).
	Answered bool `json:"answered"`
	// Human is the seconds to the first human answer, when Answered. A non-finite or
	// negative time leaves the probe answered but untimed: it counts for the response
	// rate and ends a stopped_answering run, and is left out of every human-time figure.
	Human float64 `json:"human_response_s"`
}

// timed reports whether o is a human answer with a usable time.
func (o Obs) timed() bool {
	return o.Answered && o.Human >= 0 && !math.IsInf(o.Human, 1) // NaN fails >= 0
}

// Kind is a kind of alert.
type Kind string

// The kinds of alert, in the order Evaluate reports them.
const (
	// KindLatency: human response times degraded against the baseline.
	KindLatency Kind = "latency"
	// KindResponseRate: the share answered dropped against the baseline.
	KindResponseRate Kind = "response_rate"
	// KindSLA: the current window breaks the SLA (rate or p90 human time), judged with
	// intervals.
	KindSLA Kind = "sla_breach"
	// KindStopped: the last K probes all got no human answer, after a human answered
	// before them.
	KindStopped Kind = "stopped_answering"
)

// Kinds lists every kind in report order.
var Kinds = []Kind{KindLatency, KindResponseRate, KindSLA, KindStopped}

// SLA is the campaign's service level for the channel. A zero (or out of range) field
// is not judged.
type SLA struct {
	// HumanS is the longest acceptable p90 human response time, seconds.
	HumanS float64 `json:"human_response_s"`
	// ResponseRate is the least acceptable share of reached probes a human answered.
	ResponseRate float64 `json:"response_rate"`
}

// Open is an alert of a kind that is open: its baseline is frozen at the probes before
// Since, so the degraded probes never become the baseline they are judged against.
type Open struct {
	// OpenedAt is when the alert opened.
	OpenedAt time.Time `json:"opened_at"`
	// Since is the finding's Since when it opened: the estimated start of the change.
	Since time.Time `json:"since"`
}

// Input is what Evaluate judges: one target×channel's history and its alerts.
type Input struct {
	// History holds the reached probes, oldest first (Evaluate sorts a copy by At if not).
	History []Obs
	// SLA is the campaign's service level for the channel.
	SLA SLA
	// Open holds the kinds whose alert is open.
	Open map[Kind]Open
	// Resolved holds when each kind last resolved (optional: pass Decide's
	// lastResolved). A latency or response_rate alert that is not open is judged only on
	// the recent probes after it, like a CUSUM restarting after its alarm: the evidence
	// an alert already cleared cannot reopen it.
	Resolved map[Kind]time.Time
	// Now anchors the trailing baseline_days and sla_days (default: the newest probe's At).
	Now time.Time
}

// Figures describe one stretch of probes.
type Figures struct {
	// From and To are the times of the stretch's first and last probes.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Probes are the stretch's probe ids, oldest first.
	Probes []string `json:"probes"`
	// N counts the stretch's reached probes, Answered those a human answered.
	N        int `json:"n"`
	Answered int `json:"answered"`
	// Rate is Answered/N with its 95% Wilson interval.
	Rate scoring.Interval `json:"rate"`
	// Median and P90 are the human response times (seconds) with 95% bootstrap intervals.
	Median scoring.Interval `json:"median_s"`
	P90    scoring.Interval `json:"p90_s"`
}

// Finding is the detector's judgement of one kind.
type Finding struct {
	Kind Kind `json:"kind"`
	// Firing: the condition holds (for an open kind: it has not cleared yet).
	Firing bool `json:"firing"`
	// Severity is "warning" or "critical" (docs/detector.md gives the rule per kind).
	Severity string `json:"severity"`
	// Test names the test, in words, with the direction of the comparison.
	Test string `json:"test"`
	// Statistic is the test's statistic; Threshold is what it is compared with (the
	// clear threshold when the kind is open).
	Statistic float64 `json:"statistic"`
	Threshold float64 `json:"threshold"`
	// Since is when the condition began: the first probe of the evidence (the
	// estimated change point). An alert opened from this finding keeps it as Open.Since.
	Since time.Time `json:"since,omitzero"`
	// Baseline and Recent are the two stretches compared (Recent is the evidence).
	Baseline Figures `json:"baseline"`
	Recent   Figures `json:"recent"`
	// Summary is the evidence in one or two sentences a client understands.
	Summary string `json:"summary"`
	// Params are the parameters the finding was judged with, defaults filled.
	Params Params `json:"params"`
}

// Opened returns the Open record of an alert opened at now from f.
func (f Finding) Opened(now time.Time) Open { return Open{OpenedAt: now, Since: f.Since} }

// Evaluate judges a history: one Finding per kind that can be judged, in Kinds order. A
// kind without enough data is left out. The same input and params always give the same
// findings.
func Evaluate(in Input, p Params) []Finding { return evaluate(in, p, true) }

// evaluate is Evaluate; without evidence it skips what no decision reads (bootstrap
// intervals of the figures, summaries), which is how the benchmark runs it. Kind,
// Firing, Severity, Statistic, Threshold and Since are the same either way.
func evaluate(in Input, p Params, evidence bool) []Finding {
	p = p.sane()
	h := cleaned(in.History)
	if len(h) == 0 {
		return nil
	}
	now := in.Now
	if now.IsZero() {
		now = h[len(h)-1].At
	}
	e := &evaluator{h: h, p: p, now: now, sla: in.SLA, evidence: evidence}
	var out []Finding
	for _, k := range Kinds {
		open, isOpen := in.Open[k]
		var f Finding
		var ok bool
		if !isOpen {
			open.Since = in.Resolved[k] // a restart: see Input.Resolved
		}
		switch k {
		case KindLatency:
			f, ok = e.latency(open, isOpen)
		case KindResponseRate:
			f, ok = e.rate(open, isOpen)
		case KindSLA:
			f, ok = e.slaBreach(isOpen)
		case KindStopped:
			f, ok = e.stopped(isOpen)
		}
		if ok {
			f.Kind, f.Params = k, p
			out = append(out, f)
		}
	}
	return out
}

// cleaned returns the history sorted by At (stable: equal times keep their order).
func cleaned(h []Obs) []Obs {
	if slices.IsSortedFunc(h, byAt) {
		return h
	}
	h = slices.Clone(h)
	slices.SortStableFunc(h, byAt)
	return h
}

func byAt(a, b Obs) int { return a.At.Compare(b.At) }

// evaluator holds one evaluation's history and settings.
type evaluator struct {
	h        []Obs
	p        Params
	now      time.Time
	sla      SLA
	evidence bool
}

// days is n days as a duration.
func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// stretches returns the baseline and the recent window a comparison kind judges. Not
// open: the recent window is the last Window probes (after open.Since, the kind's last
// resolution, when set) and the baseline the probes before the last Window within the
// trailing BaselineDays of now. Open: the baseline is frozen at the probes before Since
// within BaselineDays of Since, and the recent window is the last Window probes from
// Since on. Either baseline keeps its most recent BaselineMax probes.
func (e *evaluator) stretches(open Open, isOpen bool) (base, recent []Obs) {
	h := e.h
	since := open.Since
	if isOpen && since.IsZero() {
		since = open.OpenedAt // a record without Since freezes at its opening
	}
	if !isOpen || since.IsZero() {
		cut := max(0, len(h)-e.p.Window)
		base, recent = h[:cut], h[cut:]
		base = base[firstAtOrAfter(base, e.now.Add(-days(e.p.BaselineDays))):]
		if !isOpen && !since.IsZero() {
			recent = recent[firstAfter(recent, since):]
		}
	} else {
		cut := firstAtOrAfter(h, since)
		base, recent = h[:cut], h[cut:]
		base = base[firstAtOrAfter(base, since.Add(-days(e.p.BaselineDays))):]
		recent = recent[max(0, len(recent)-e.p.Window):]
	}
	base = base[max(0, len(base)-e.p.BaselineMax):]
	return base, recent
}

// firstAtOrAfter returns the index of the first probe at or after t in sorted h.
func firstAtOrAfter(h []Obs, t time.Time) int {
	i, _ := slices.BinarySearchFunc(h, t, func(o Obs, t time.Time) int {
		return cmp.Or(o.At.Compare(t), 1) // equal times sort after t: they are included
	})
	return i
}

// firstAfter returns the index of the first probe after t in sorted h.
func firstAfter(h []Obs, t time.Time) int {
	i, _ := slices.BinarySearchFunc(h, t, func(o Obs, t time.Time) int {
		return cmp.Or(o.At.Compare(t), -1) // equal times sort before t: they are left out
	})
	return i
}

// figures describes a stretch: counts always, intervals only with evidence (point
// estimates otherwise).
func (e *evaluator) figures(s []Obs) Figures {
	f := Figures{Probes: make([]string, 0, len(s)), N: len(s)}
	var times []float64
	for _, o := range s {
		f.Probes = append(f.Probes, o.Probe)
		if o.Answered {
			f.Answered++
		}
		if o.timed() {
			times = append(times, o.Human)
		}
	}
	if len(s) > 0 {
		f.From, f.To = s[0].At, s[len(s)-1].At
	}
	f.Rate = scoring.Wilson(f.Answered, f.N)
	slices.Sort(times)
	if e.evidence {
		f.Median = scoring.BootstrapQuantile(times, 0.5, e.p.Resamples, e.p.Seed)
		f.P90 = scoring.BootstrapQuantile(times, 0.9, e.p.Resamples, e.p.Seed)
	} else {
		f.Median = point(scoring.Quantile(times, 0.5))
		f.P90 = point(scoring.Quantile(times, 0.9))
	}
	return f
}

// point is an estimate without an interval.
func point(v scoring.Num) scoring.Interval {
	return scoring.Interval{Value: v, Lo: scoring.NaN, Hi: scoring.NaN}
}

// humanTimes returns the usable human times of s, in order.
func humanTimes(s []Obs) []float64 {
	var out []float64
	for _, o := range s {
		if o.timed() {
			out = append(out, o.Human)
		}
	}
	return out
}

// severity names a severity.
func severity(critical bool) string {
	if critical {
		return "critical"
	}
	return "warning"
}
