package scoring

import (
	"fmt"
	"math"
)

// Tier is a StellaService rating.
type Tier int

// The tiers, lowest first. Their numbers are the stakeout_tier gauge's values.
const (
	// TierNone: no score was published (insufficient sample).
	TierNone        Tier = -1
	TierNotApproved Tier = 0 // score below 70
	TierApproved    Tier = 1 // 70 to 79.9
	TierExcellent   Tier = 2 // 80 to 89.9
	TierElite       Tier = 3 // 90 and above
)

// Boundaries are the lowest scores of Approved, Excellent and Elite.
var Boundaries = []float64{70, 80, 90}

// TierOf returns the tier of a score rounded to one decimal.
func TierOf(score float64) Tier {
	switch {
	case math.IsNaN(score):
		return TierNone
	case score >= 90:
		return TierElite
	case score >= 80:
		return TierExcellent
	case score >= 70:
		return TierApproved
	}
	return TierNotApproved
}

// String returns the tier's name.
func (t Tier) String() string {
	switch t {
	case TierElite:
		return "Elite"
	case TierExcellent:
		return "Excellent"
	case TierApproved:
		return "Approved"
	case TierNotApproved:
		return "Not Approved"
	case TierNone:
		return ""
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// MarshalText writes the tier's name ("" for none).
func (t Tier) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a tier's name.
func (t *Tier) UnmarshalText(b []byte) error {
	for _, k := range []Tier{TierNone, TierNotApproved, TierApproved, TierExcellent, TierElite} {
		if string(b) == k.String() {
			*t = k
			return nil
		}
	}
	return fmt.Errorf("unknown tier %q", b)
}

// Straddles reports whether a score's interval crosses a tier boundary: some of it lies
// below the boundary and some at or above it, so the tier is provisional.
func Straddles(score Interval) bool {
	if !score.Lo.Valid() || !score.Hi.Valid() {
		return false
	}
	for _, b := range Boundaries {
		if score.Lo.F() < b && b <= score.Hi.F() {
			return true
		}
	}
	return false
}

// StarsOf converts a score to 1–5 stars in half stars: score/20 rounded to the nearest
// half, at least 1.
func StarsOf(score float64) float64 {
	if math.IsNaN(score) {
		return math.NaN()
	}
	return min(5, max(1, math.Round(score/10)/2))
}
