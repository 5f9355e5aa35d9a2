package detect

import (
	"math"
	"testing"
)

// TestNormalScoresExact checks, by enumerating every order of a baseline of n and two
// new times (all equally likely under no change), that a score has mean 0 and variance
// 1 and two scores against the same baseline have covariance 1/(n+2), as rho says.
func TestNormalScoresExact(t *testing.T) {
	for _, n := range []int{1, 5, 20, 37} {
		base := make([]float64, n)
		for i := range base {
			base[i] = float64(2 * (i + 1)) // new times fall between, at odd values
		}
		ns := newNormalScores(base)
		at := func(p int) float64 { return ns.score(float64(2*p + 1)) } // p baseline times below
		var mean, sq, cross float64
		pairs := 0
		for r1 := 0; r1 < n+2; r1++ {
			for r2 := 0; r2 < n+2; r2++ {
				if r1 == r2 {
					continue
				}
				p1, p2 := r1, r2 // baseline times below each: its rank minus the other new one
				if r2 < r1 {
					p1--
				} else {
					p2--
				}
				s1, s2 := at(p1), at(p2)
				mean += s1
				sq += s1 * s1
				cross += s1 * s2
				pairs++
			}
		}
		mean, sq, cross = mean/float64(pairs), sq/float64(pairs), cross/float64(pairs)
		if math.Abs(mean) > 1e-12 || math.Abs(sq-1) > 1e-12 || math.Abs(cross-rho(n)) > 1e-12 {
			t.Errorf("n=%d: mean %g, variance %g, covariance %g; want 0, 1, %g", n, mean, sq, cross, rho(n))
		}
	}
}

func TestNormalScoresTies(t *testing.T) {
	ns := newNormalScores([]float64{10, 20, 20, 30})
	// 20 ties two baseline times: placement 1 + 2/2 = 2 of 4, the middle: score 0.
	if got := ns.score(20); math.Abs(got) > 1e-12 {
		t.Errorf("score(20) = %g, want 0", got)
	}
	if lo, hi := ns.score(-1e300), ns.score(math.MaxFloat64); lo >= 0 || hi <= 0 || math.Abs(lo+hi) > 1e-12 {
		t.Errorf("extreme scores = %g, %g; want symmetric and finite", lo, hi)
	}
}

func TestCusum(t *testing.T) {
	r := 0.1
	// Suffixes of [1, -1, 2, 2] with k = 0.5: m=1: 2-0.5 = 1.5; m=2: 4/sqrt(1.1)-1 = 2.814;
	// m=3: 3/sqrt(1.2)-1.5 = 1.239; m=4: 4/sqrt(1.3)-2 = 1.508.
	stat, start := cusum([]float64{1, -1, 2, 2}, 0.5, r)
	if want := 4/math.Sqrt(1.1) - 1; math.Abs(stat-want) > 1e-12 || start != 2 {
		t.Errorf("cusum = %g from %d, want %g from 2", stat, start, want)
	}
	if stat, start := cusum([]float64{-1, -2}, 0.5, r); stat != 0 || start != 2 {
		t.Errorf("cusum of falling scores = %g from %d, want 0 from 2 (the empty suffix)", stat, start)
	}
}

func TestRateLLR(t *testing.T) {
	miss := Obs{}
	hit := Obs{Answered: true}
	// Baseline 4 of 40 unanswered: a = 4.5, b = 36.5, q1 = 4.5/41 + 0.3.
	q1 := 4.5/41 + 0.3
	// Three misses in a row: no-change predictive 4.5/41 · 5.5/42 · 6.5/43.
	want := 3*math.Log(q1) - math.Log(4.5/41*5.5/42*6.5/43)
	stat, start := rateLLR([]Obs{hit, hit, miss, miss, miss}, 40, 4, 1, 0.3)
	if math.Abs(stat-want) > 1e-9 || start != 2 {
		t.Errorf("rateLLR = %g from %d, want %g from 2", stat, start, want)
	}
	if stat, start := rateLLR([]Obs{hit, hit}, 40, 4, 1, 0.3); stat != 0 || start != 2 {
		t.Errorf("rateLLR of answers = %g from %d, want 0 from 2", stat, start)
	}
	// With suffixes of at least 4 probes the best is 3 misses of 4 (3 of 5 is weaker).
	want = 3*math.Log(q1) + math.Log(1-q1) - (lbeta(7.5, 37.5) - lbeta(4.5, 36.5))
	if stat, start := rateLLR([]Obs{hit, hit, miss, miss, miss}, 40, 4, 4, 0.3); math.Abs(stat-want) > 1e-9 || start != 1 {
		t.Errorf("rateLLR, 4 probes at least = %g from %d, want %g from 1", stat, start, want)
	}
}

func TestFmtStat(t *testing.T) {
	for _, tt := range []struct {
		s, t float64
		want string
	}{{16.5, 6.25, "16.5"}, {2.31, 2.3, "2.31"}, {2.29, 2.3, "2.29"}, {6.26, 6.25, "6.3"}, {6.2501, 6.25, "6.3"}, {2.301, 2.3, "2.301"}, {2.3, 2.3, "2.3"}} {
		if got := fmtStat(tt.s, tt.t); got != tt.want {
			t.Errorf("fmtStat(%v, %v) = %q, want %q", tt.s, tt.t, got, tt.want)
		}
	}
}
