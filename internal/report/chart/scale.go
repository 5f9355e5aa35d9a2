package chart

import "math"

// area is a rectangle in pixels: the plot area of a chart.
type area struct {
	x, y, w, h float64
}

func (a area) right() float64  { return a.x + a.w }
func (a area) bottom() float64 { return a.y + a.h }

// scale maps data values to pixels, linearly or on a log10 axis. Values outside
// the domain are drawn at its edge.
type scale struct {
	d0, d1 float64 // domain; log10 of it on a log scale
	r0, r1 float64 // range in pixels
	log    bool
}

// linearScale maps [d0, d1] onto [r0, r1].
func linearScale(d0, d1, r0, r1 float64) scale {
	return scale{d0: d0, d1: d1, r0: r0, r1: r1}
}

// logScale maps [d0, d1] (both > 0) onto [r0, r1] on a log axis; values ≤ 0 are
// drawn at r0.
func logScale(d0, d1, r0, r1 float64) scale {
	return scale{d0: math.Log10(d0), d1: math.Log10(d1), r0: r0, r1: r1, log: true}
}

// at returns the pixel of v, clamped to the range.
func (s scale) at(v float64) float64 {
	if s.log {
		if v <= 0 {
			return s.r0
		}
		v = math.Log10(v)
	}
	t := 0.5
	if s.d1 != s.d0 {
		t = (v - s.d0) / (s.d1 - s.d0)
	}
	if math.IsNaN(t) {
		t = 0
	}
	t = max(0, min(1, t))
	return s.r0 + t*(s.r1-s.r0)
}

// inside reports whether v lies in the domain.
func (s scale) inside(v float64) bool {
	if s.log {
		if v <= 0 {
			return false
		}
		v = math.Log10(v)
	}
	lo, hi := min(s.d0, s.d1), max(s.d0, s.d1)
	return v >= lo-1e-9 && v <= hi+1e-9
}

// finite reports whether v is a number (not NaN, not ±Inf).
func finite(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0)
}

// interval returns the Lo–Hi interval of a point and whether it has one: both
// finite and lo < hi, so a zero Lo, Hi means none.
func interval(lo, hi float64) (float64, float64, bool) {
	return lo, hi, finite(lo) && finite(hi) && lo < hi
}

// domainLo is the smallest value of the domain.
func (s scale) domainLo() float64 {
	if s.log {
		return math.Pow(10, min(s.d0, s.d1))
	}
	return min(s.d0, s.d1)
}

// domainHi is the largest value of the domain.
func (s scale) domainHi() float64 {
	if s.log {
		return math.Pow(10, max(s.d0, s.d1))
	}
	return max(s.d0, s.d1)
}
