package detect

import (
	"fmt"
	"math"
)

// rateTest names the response-rate test in findings.
const rateTest = "log-likelihood ratio of a drop of %.2g in the answered share against no change " +
	"(Beta-binomial predictive given the baseline), largest over the recent window's suffixes; " +
	"alerts above the threshold"

// rate judges the share answered. For each suffix of the recent window with x of m
// probes unanswered it takes the log-likelihood ratio
//
//	LLR(m) = x·ln q₁ + (m−x)·ln(1−q₁) − ln[B(a+x, b+m−x) / B(a, b)]
//
// where a, b = the baseline's unanswered and answered counts + ½ (the Jeffreys
// posterior of the unanswered share q), q₁ = a/(a+b) + RateDrop (at most 0.99) is the
// share the test is tuned for, and the subtracted term is the probability of the
// suffix under no change, averaged over what the baseline leaves uncertain about q. The
// statistic is the largest LLR (0 for the empty suffix): a one-sided Bernoulli CUSUM
// whose no-change side accounts for the baseline's own sampling error, so that
// P(LLR(m) > h) ≤ e^−h under no change whatever the baseline's size. It needs
// MinBaseline reached baseline probes and one recent probe.
func (e *evaluator) rate(open Open, isOpen bool) (Finding, bool) {
	base, recent := e.stretches(open, isOpen)
	if len(base) < e.p.MinBaseline || len(recent) == 0 {
		return Finding{}, false
	}
	missB := 0
	for _, o := range base {
		if !o.Answered {
			missB++
		}
	}
	minM := min(e.p.RateMinProbes, e.p.Window)
	if isOpen {
		minM = min(minM, len(recent)) // an open alert is judged on its whole window at least
	}
	stat, start := rateLLR(recent, len(base), missB, minM, e.p.RateDrop)
	evid := recent // no suffix gives evidence: the whole window is shown
	if start < len(recent) {
		evid = recent[start:]
	}
	f := Finding{
		Test:      fmt.Sprintf(rateTest, e.p.RateDrop),
		Statistic: stat,
		Threshold: e.p.RateThreshold,
		Since:     evid[0].At,
		Firing:    stat > e.p.RateThreshold,
	}
	if isOpen {
		f.Threshold, f.Firing = e.p.RateClear, stat >= e.p.RateClear
	} else if e.h[len(e.h)-1].Answered {
		// Opens only on an unanswered probe, the only kind of probe that raises the
		// statistic: a CUSUM followed probe by probe crosses the threshold there. A
		// statistic already past it when first judged (a history's first evaluation, the
		// end of a cooldown) waits for the next unanswered probe instead of alerting on
		// evidence it would have seen before. This spares the first evaluations of a
		// history most of the false alarms a full window judged at once would raise.
		f.Firing = false
	}
	f.Baseline, f.Recent = e.figures(base), e.figures(evid)
	drop := f.Baseline.Rate.Value.F() - f.Recent.Rate.Value.F()
	f.Severity = severity(f.Firing && drop >= e.p.CriticalRateDrop)
	if e.evidence {
		f.Summary = fmt.Sprintf("a human answered %d of the last %s (%s), against %d of the %s before (%s); %s",
			f.Recent.Answered, probes(f.Recent.N), fmtInterval(f.Recent.Rate, fmtPercent),
			f.Baseline.Answered, probes(f.Baseline.N), fmtInterval(f.Baseline.Rate, fmtPercent),
			verdict("log-likelihood ratio", f, isOpen, "unanswered probe"))
	}
	return f, true
}

// lbeta is ln B(a, b).
func lbeta(a, b float64) float64 {
	x, _ := math.Lgamma(a)
	y, _ := math.Lgamma(b)
	z, _ := math.Lgamma(a + b)
	return x + y - z
}

// rateLLR returns the largest LLR over the suffixes of recent of at least minM probes
// (see rate) and the index where the best suffix starts (len(recent) for the empty
// one), against a baseline of n reached probes of which miss went unanswered.
func rateLLR(recent []Obs, n, miss, minM int, drop float64) (stat float64, start int) {
	a, b := float64(miss)+0.5, float64(n-miss)+0.5
	q1 := min(0.99, a/(a+b)+drop)
	l1, l0 := math.Log(q1), math.Log(1-q1)
	ab := lbeta(a, b)
	start = len(recent)
	x := 0
	for m := 1; m <= len(recent); m++ {
		i := len(recent) - m
		if !recent[i].Answered {
			x++
		}
		if m < minM {
			continue
		}
		fx, fm := float64(x), float64(m)
		if llr := fx*l1 + (fm-fx)*l0 - (lbeta(a+fx, b+fm-fx) - ab); llr > stat {
			stat, start = llr, i
		}
	}
	return stat, start
}
