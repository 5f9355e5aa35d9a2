package scoring

import (
	"math"
	"math/rand/v2"
	"slices"
)

// z95 is the standard normal quantile of 0.975: a two-sided 95% interval.
const z95 = 1.959963984540054

// Wilson returns the 95% Wilson score interval of k successes in n trials, with the
// observed share k/n as its value. It is absent when n is 0.
func Wilson(k, n int) Interval {
	if n <= 0 || k < 0 || k > n {
		return none
	}
	p, nf := float64(k)/float64(n), float64(n)
	z2 := z95 * z95
	denom := 1 + z2/nf
	center := (p + z2/(2*nf)) / denom
	half := z95 / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return Interval{Value: Num(p), Lo: Num(max(0, center-half)), Hi: Num(min(1, center+half))}
}

// Quantile returns the q-quantile of sorted (ascending) by linear interpolation between
// order statistics: Hyndman and Fan's definition 7, the default of R, NumPy and
// spreadsheets. It is absent for an empty sample.
func Quantile(sorted []float64, q float64) Num {
	n := len(sorted)
	if n == 0 {
		return NaN
	}
	h := float64(n-1) * q
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return Num(sorted[n-1])
	}
	return Num(sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo]))
}

// resampler draws bootstrap resamples of n items as multiplicities: counts[i] is how
// many times item i was drawn. Walking the counts in item order visits the resample
// sorted whenever the items are sorted, so a quantile of a resample costs O(n), not a
// sort.
type resampler struct {
	rng    *rand.Rand
	counts []int
}

// newResampler starts the documented generator: PCG seeded with (seed, n), so the same
// items and seed always give the same resamples.
func newResampler(seed uint64, n int) *resampler {
	return &resampler{rng: rand.New(rand.NewPCG(seed, uint64(n))), counts: make([]int, n)}
}

// draw fills counts with a new resample of n items drawn uniformly with replacement.
func (r *resampler) draw() []int {
	clear(r.counts)
	n := len(r.counts)
	for range n {
		r.counts[r.rng.IntN(n)]++
	}
	return r.counts
}

// countedQuantile is Quantile over a resample given as multiplicities: counts[i] copies
// of sorted[i] for the first len(sorted) counts (later counts belong to items without a
// value), m of them in all.
func countedQuantile(sorted []float64, counts []int, m int, q float64) float64 {
	if m == 0 {
		return math.NaN()
	}
	h := float64(m-1) * q
	lo := int(math.Floor(h))
	a := countedAt(sorted, counts, lo)
	if lo >= m-1 {
		return a
	}
	return a + (h-float64(lo))*(countedAt(sorted, counts, lo+1)-a)
}

// countedAt returns the k-th (0-based) smallest drawn value.
func countedAt(sorted []float64, counts []int, k int) float64 {
	seen := 0
	for i, c := range counts[:len(sorted)] {
		seen += c
		if seen > k {
			return sorted[i]
		}
	}
	return sorted[len(sorted)-1]
}

// percentileInterval returns the 2.5% and 97.5% quantiles (definition 7) of the
// bootstrap statistics, NaN ones left out: the 95% bootstrap percentile interval.
func percentileInterval(stats []float64) (lo, hi Num) {
	stats = slices.DeleteFunc(stats, math.IsNaN)
	if len(stats) == 0 {
		return NaN, NaN
	}
	slices.Sort(stats)
	return Quantile(stats, 0.025), Quantile(stats, 0.975)
}

// BootstrapQuantile returns the q-quantile of sorted with its 95% bootstrap percentile
// interval over resamples resamples of the sample, drawn by the generator seeded with
// seed. The interval is absent for fewer than two values.
func BootstrapQuantile(sorted []float64, q float64, resamples int, seed uint64) Interval {
	est := Interval{Value: Quantile(sorted, q), Lo: NaN, Hi: NaN}
	n := len(sorted)
	if n < 2 || resamples <= 0 {
		return est
	}
	r := newResampler(seed, n)
	stats := make([]float64, resamples)
	for b := range stats {
		stats[b] = countedQuantile(sorted, r.draw(), n, q)
	}
	est.Lo, est.Hi = percentileInterval(stats)
	return est
}
