package scoring

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// near reports whether got is within tol of want.
func near(got Num, want, tol float64) bool { return math.Abs(got.F()-want) <= tol }

func TestWilson(t *testing.T) {
	// Reference values: Wilson (1927) score interval, z = 1.96, as given by R's
	// prop.test(correct = FALSE) and statsmodels' proportion_confint(method="wilson").
	tests := []struct {
		k, n      int
		p, lo, hi float64
	}{
		{8, 10, 0.8, 0.4902, 0.9433},
		{0, 10, 0, 0, 0.2775},
		{10, 10, 1, 0.7225, 1},
		{8, 11, 0.7273, 0.4344, 0.9025},
		{45, 50, 0.9, 0.7864, 0.9565},
		{1, 1, 1, 0.2065, 1},
	}
	for _, tt := range tests {
		got := Wilson(tt.k, tt.n)
		if !near(got.Value, tt.p, 5e-5) || !near(got.Lo, tt.lo, 5e-5) || !near(got.Hi, tt.hi, 5e-5) {
			t.Errorf("Wilson(%d, %d) = %.4f [%.4f, %.4f], want %.4f [%.4f, %.4f]", tt.k, tt.n, got.Value, got.Lo, got.Hi, tt.p, tt.lo, tt.hi)
		}
	}
	if got := Wilson(0, 0); got.Value.Valid() || got.Lo.Valid() || got.Hi.Valid() {
		t.Errorf("Wilson(0, 0) = %v, want absent", got)
	}
}

func TestQuantile(t *testing.T) {
	// numpy.percentile's default (linear) gives the same numbers.
	tests := []struct {
		xs   []float64
		q    float64
		want float64
	}{
		{[]float64{1, 2, 3, 4, 10}, 0.5, 3},
		{[]float64{1, 2, 3, 4, 10}, 0.9, 7.6},
		{[]float64{30, 60, 90, 120, 150, 240, 400, 700}, 0.5, 135},
		{[]float64{30, 60, 90, 120, 150, 240, 400, 700}, 0.9, 490},
		{[]float64{5}, 0.9, 5},
		{[]float64{1, 2}, 0, 1},
		{[]float64{1, 2}, 1, 2},
	}
	for _, tt := range tests {
		if got := Quantile(tt.xs, tt.q); !near(got, tt.want, 1e-9) {
			t.Errorf("Quantile(%v, %v) = %v, want %v", tt.xs, tt.q, got, tt.want)
		}
	}
	if got := Quantile(nil, 0.5); got.Valid() {
		t.Errorf("Quantile(nil) = %v, want absent", got)
	}
}

// TestBootstrapMedianExact compares the seeded bootstrap interval of a median with the
// exact bootstrap distribution: for n = 11 values 1..11, P(median* <= j) =
// P(Binomial(11, j/11) >= 6), which is 0.0072 at 2 and 0.0513 at 3 (so the 2.5% point
// is 3) and 0.9488 at 8 and 0.9928 at 9 (so the 97.5% point is 9).
func TestBootstrapMedianExact(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	got := BootstrapQuantile(xs, 0.5, DefaultResamples, DefaultSeed)
	if got.Value != 6 || got.Lo != 3 || got.Hi != 9 {
		t.Errorf("BootstrapQuantile(1..11, 0.5) = %v [%v, %v], want 6 [3, 9]", got.Value, got.Lo, got.Hi)
	}
	if again := BootstrapQuantile(xs, 0.5, DefaultResamples, DefaultSeed); again != got {
		t.Errorf("BootstrapQuantile is not repeatable: %v then %v", got, again)
	}
}

// TestCountedQuantileMatchesSorting checks the multiplicity walk against sorting each
// resample, with the same draws.
func TestCountedQuantileMatchesSorting(t *testing.T) {
	src := rand.New(rand.NewPCG(7, 7))
	for trial := range 200 {
		n := 1 + src.IntN(40)
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = math.Round(src.ExpFloat64()*1000) / 10 // ties happen
		}
		slices.Sort(xs)
		r := newResampler(uint64(trial), n)
		counts := r.draw()
		var resample []float64
		for i, c := range counts {
			for range c {
				resample = append(resample, xs[i])
			}
		}
		for _, q := range []float64{0, 0.1, 0.5, 0.9, 1} {
			want := Quantile(resample, q).F()
			if got := countedQuantile(xs, counts, n, q); math.Abs(got-want) > 1e-9 {
				t.Fatalf("countedQuantile(%v, %v, q=%v) = %v, want %v (sorted resample %v)", xs, counts, q, got, want, resample)
			}
		}
	}
}

func TestBootstrapSmallSamples(t *testing.T) {
	if got := BootstrapQuantile([]float64{42}, 0.5, 100, 1); got.Value != 42 || got.Lo.Valid() || got.Hi.Valid() {
		t.Errorf("BootstrapQuantile of one value = %v, want 42 without an interval", got)
	}
	if got := BootstrapQuantile(nil, 0.5, 100, 1); got.Value.Valid() {
		t.Errorf("BootstrapQuantile of nothing = %v, want absent", got)
	}
}
