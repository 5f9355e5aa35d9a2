package detect

import (
	"fmt"
	"slices"
)

// latencyTest names the latency test in findings.
const latencyTest = "one-sided CUSUM (k = %.2g) of the normal scores of the recent human times " +
	"ranked against the baseline's, largest over the recent window's suffixes, corrected for the " +
	"baseline's size; alerts above the threshold"

// latency judges human response times: the recent window's timed answers, oldest first,
// are scored against the baseline's (normalScores) and run through the CUSUM. It needs
// MinBaseline timed baseline answers and one timed recent answer.
func (e *evaluator) latency(open Open, isOpen bool) (Finding, bool) {
	base, recent := e.stretches(open, isOpen)
	bt := humanTimes(base)
	if len(bt) < e.p.MinBaseline {
		return Finding{}, false
	}
	var idx []int // recent index of each timed answer
	var scores []float64
	slices.Sort(bt)
	ns := newNormalScores(bt)
	for i, o := range recent {
		if o.timed() {
			idx = append(idx, i)
			scores = append(scores, ns.score(o.Human))
		}
	}
	if len(scores) == 0 {
		return Finding{}, false
	}
	stat, start := cusum(scores, e.p.LatencyDrift, rho(len(bt)))

	evid := recent
	if start < len(scores) {
		evid = recent[idx[start]:]
	}
	f := Finding{
		Test:      fmt.Sprintf(latencyTest, e.p.LatencyDrift),
		Statistic: stat,
		Threshold: e.p.LatencyThreshold,
		Since:     evid[0].At,
		Firing:    stat > e.p.LatencyThreshold,
	}
	if isOpen {
		f.Threshold, f.Firing = e.p.LatencyClear, stat >= e.p.LatencyClear
	}
	f.Baseline, f.Recent = e.figures(base), e.figures(evid)
	bm, rm := f.Baseline.Median.Value.F(), f.Recent.Median.Value.F()
	f.Severity = severity(f.Firing && rm >= e.p.CriticalLatencyRatio*bm)
	if e.evidence {
		f.Summary = fmt.Sprintf("median human reply %s over the last %s, against %s over the %s before; %s",
			fmtInterval(f.Recent.Median, fmtSeconds), probes(f.Recent.N), fmtInterval(f.Baseline.Median, fmtSeconds),
			probes(f.Baseline.N), verdict("CUSUM", f, isOpen, ""))
	}
	return f, true
}
