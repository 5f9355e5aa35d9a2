package detect

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/scoring"
)

// The SLA tests, in findings.
const (
	slaRateTest = "Wilson 95% upper bound of the response rate over the current window (once open: " +
		"the rate itself), compared with the SLA's rate; breached below it"
	slaP90Test = "bootstrap 95% lower bound of the p90 human response time over the current window " +
		"(once open: the p90 itself), compared with the SLA's time; breached above it"
	stoppedTest = "reached probes in a row, up to the newest, without a human answer; alerts at the " +
		"threshold, clears on the next human answer"
)

// slaWindow is the current window the SLA is judged over: the trailing SLADays when set,
// else the recent window.
func (e *evaluator) slaWindow() []Obs {
	if e.p.SLADays > 0 {
		return e.h[firstAtOrAfter(e.h, e.now.Add(-days(e.p.SLADays))):]
	}
	return e.h[max(0, len(e.h)-e.p.Window):]
}

// slaBreach judges the SLA over the current window. It fires only when the interval is
// wholly on the wrong side: the Wilson upper bound of the rate below the SLA's rate, or
// the p90 and its bootstrap lower bound above the SLA's time. Once open it holds while
// the estimate itself (the rate, the p90) is on the wrong side: the stretch between the
// bound and the estimate is the hysteresis. Each part needs SLAMin probes (reached for
// the rate, timed answers for the p90) and its SLA figure set: a rate in (0, 1], a
// finite time above 0 (anything else, NaN included, is not judged).
func (e *evaluator) slaBreach(isOpen bool) (Finding, bool) {
	win := e.slaWindow()
	times := humanTimes(win)
	slices.Sort(times)
	rateOK := e.sla.ResponseRate > 0 && e.sla.ResponseRate <= 1 && len(win) >= e.p.SLAMin
	p90OK := e.sla.HumanS > 0 && !math.IsInf(e.sla.HumanS, 1) && len(times) >= e.p.SLAMin
	if !rateOK && !p90OK {
		return Finding{}, false
	}
	base, _ := e.stretches(Open{}, false) // context for the client; the SLA test does not use it
	f := Finding{Since: win[0].At, Baseline: e.figures(base), Recent: e.figures(win)}
	rate := f.Recent.Rate
	rateFires := rateOK && rate.Hi.F() < e.sla.ResponseRate
	rateHolds := rateOK && rate.Value.F() < e.sla.ResponseRate
	p90 := scoring.Quantile(times, 0.9).F()
	p90Lo := scoring.NaN
	if p90OK && (p90 > e.sla.HumanS || !rateOK) {
		// The bound decides only when the estimate is past the SLA, or is the only part.
		p90Lo = scoring.BootstrapQuantile(times, 0.9, e.p.Resamples, e.p.Seed).Lo
	}
	p90Fires := p90OK && p90 > e.sla.HumanS && p90Lo.F() > e.sla.HumanS
	p90Holds := p90OK && p90 > e.sla.HumanS
	rateOn, p90On := rateFires, p90Fires
	if isOpen {
		rateOn, p90On = rateHolds, p90Holds
	}
	f.Firing = rateOn || p90On
	f.Severity = severity(rateOn && p90On)
	if rateOK && (rateOn || !p90On) {
		f.Test, f.Statistic, f.Threshold = slaRateTest, rate.Hi.F(), e.sla.ResponseRate
		if isOpen {
			f.Statistic = rate.Value.F()
		}
	} else {
		f.Test, f.Statistic, f.Threshold = slaP90Test, p90Lo.F(), e.sla.HumanS
		if isOpen {
			f.Statistic = p90
		}
	}
	if e.evidence {
		f.Summary = e.slaSummary(f, rateOK, p90OK, isOpen)
	}
	return f, true
}

// slaSummary words an SLA finding.
func (e *evaluator) slaSummary(f Finding, rateOK, p90OK, isOpen bool) string {
	var parts []string
	if rateOK {
		parts = append(parts, fmt.Sprintf("a human answered %s of the last %s against the SLA's %s",
			fmtInterval(f.Recent.Rate, fmtPercent), probes(f.Recent.N), fmtPercent(e.sla.ResponseRate)))
	}
	if p90OK {
		parts = append(parts, fmt.Sprintf("the p90 human reply was %s against the SLA's %s",
			fmtInterval(f.Recent.P90, fmtSeconds), fmtSeconds(e.sla.HumanS)))
	}
	var v string
	switch {
	case isOpen && f.Firing:
		v = "still breached: open until the estimate is back within the SLA"
	case isOpen:
		v = "back within the SLA"
	case f.Firing:
		v = "breached: the whole interval is past the SLA"
	default:
		v = "not breached: the interval reaches the SLA"
	}
	return strings.Join(parts, "; ") + "; " + v
}

// stopped judges the newest run of reached probes without a human answer: it fires at
// StoppedAfter of them when a human answered before the run (a target never seen
// answering has not stopped: response_rate and sla_breach judge it) and, once open,
// holds until the next human answer. It needs StoppedAfter probes, or an open alert.
func (e *evaluator) stopped(isOpen bool) (Finding, bool) {
	h, k := e.h, e.p.StoppedAfter
	if len(h) < k && !isOpen {
		return Finding{}, false
	}
	run := 0
	for run < len(h) && !h[len(h)-1-run].Answered {
		run++
	}
	answeredBefore := run < len(h) // the probe before the run, if any, was answered
	evid := h[len(h)-max(1, run):]
	f := Finding{
		Test:      stoppedTest,
		Statistic: float64(run),
		Threshold: float64(k),
		Since:     evid[0].At,
		Firing:    run >= k && answeredBefore,
	}
	if isOpen {
		f.Threshold, f.Firing = 1, run >= 1
	}
	base, _ := e.stretches(Open{}, false)
	f.Baseline, f.Recent = e.figures(base), e.figures(evid)
	f.Severity = severity(f.Firing && run >= 2*k)
	if e.evidence {
		f.Summary = e.stoppedSummary(f, run, answeredBefore, isOpen)
	}
	return f, true
}

// stoppedSummary words a stopped_answering finding.
func (e *evaluator) stoppedSummary(f Finding, run int, answeredBefore, isOpen bool) string {
	k := e.p.StoppedAfter
	var s string
	switch {
	case run == 0:
		s = fmt.Sprintf("a human answered the newest probe (%s)", fmtTime(f.Since))
	case !answeredBefore:
		s = fmt.Sprintf("no human has answered any of the %s so far (since %s)", probes(run), fmtTime(f.Since))
	default:
		s = fmt.Sprintf("no human answered the last %s, since %s", probes(run), fmtTime(f.Since))
	}
	if f.Baseline.N > 0 {
		s += fmt.Sprintf(", against %s answered of the %s before", fmtPercent(f.Baseline.Rate.Value.F()), probes(f.Baseline.N))
	} else if answeredBefore {
		s += ", with no baseline yet to compare"
	}
	switch {
	case isOpen && f.Firing:
		s += "; open until a human answers"
	case isOpen:
		s += "; cleared"
	case !answeredBefore:
		s += fmt.Sprintf("; never seen answering, so not stopped (it alerts at %d in a row after a human answer)", k)
	default:
		s += fmt.Sprintf("; alerts at %d in a row", k)
	}
	return s
}
