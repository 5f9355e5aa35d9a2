package detect

import (
	"math"
	"sort"
)

// probit is the standard normal quantile function Φ⁻¹(u), 0 < u < 1.
func probit(u float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*u) }

// normalScores turns human times into normal scores against a baseline: a time's
// placement P (the baseline times below it, ties counting one half) becomes
// Φ⁻¹((P+½)/(n+1)) divided by τ, the scores' standard deviation under no change. Under
// no change (the recent and baseline times exchangeable) a score has mean 0 and
// variance 1 whatever the times' distribution, and two scores against the same
// baseline have correlation 1/(n+2): the rank test's false-alarm rate does not depend
// on the spread or shape of the times, only on the baseline's size n.
type normalScores struct {
	base []float64 // sorted
	tau  float64
}

// newNormalScores makes the scorer of sorted baseline times (at least one).
func newNormalScores(sorted []float64) normalScores {
	n := len(sorted)
	s2 := 0.0
	for j := 0; j <= n; j++ {
		g := probit((float64(j) + 0.5) / float64(n+1))
		s2 += g * g
	}
	return normalScores{base: sorted, tau: math.Sqrt(s2 / float64(n+1))}
}

// score is the standardized normal score of t.
func (s normalScores) score(t float64) float64 {
	below := sort.SearchFloat64s(s.base, t)
	upTo := below + sort.Search(len(s.base)-below, func(i int) bool { return s.base[below+i] > t })
	place := float64(below) + float64(upTo-below)/2
	return probit((place+0.5)/float64(len(s.base)+1)) / s.tau
}

// rho is the correlation of two scores against the same baseline of n.
func rho(n int) float64 { return 1 / float64(n+2) }

// cusum is the one-sided CUSUM of scores (oldest first) with reference k, restarted at
// the first score: the largest over the suffixes of
//
//	C(m) = (sum of the last m scores) / sqrt(1 + (m−1)·r) − k·m
//
// (0 for the empty suffix). Dividing by sqrt(1+(m−1)·r) gives every suffix sum unit
// variance per score under no change although the scores share the baseline's
// estimation error (correlation r), so a small baseline does not inflate false alarms.
// start is the index of the first score of the best suffix (len(scores) when it is
// the empty one).
func cusum(scores []float64, k, r float64) (stat float64, start int) {
	start = len(scores)
	sum := 0.0
	for m := 1; m <= len(scores); m++ {
		i := len(scores) - m
		sum += scores[i]
		if v := sum/math.Sqrt(1+float64(m-1)*r) - k*float64(m); v > stat {
			stat, start = v, i
		}
	}
	return stat, start
}
