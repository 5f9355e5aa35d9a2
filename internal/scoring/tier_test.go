package scoring

import (
	"math"
	"testing"
)

func TestTierOf(t *testing.T) {
	for _, tt := range []struct {
		score float64
		want  Tier
		name  string
	}{
		{100, TierElite, "Elite"}, {90, TierElite, "Elite"}, {89.9, TierExcellent, "Excellent"}, {80, TierExcellent, "Excellent"},
		{79.9, TierApproved, "Approved"}, {70, TierApproved, "Approved"}, {69.9, TierNotApproved, "Not Approved"}, {0, TierNotApproved, "Not Approved"},
		{math.NaN(), TierNone, ""},
	} {
		if got := TierOf(tt.score); got != tt.want || got.String() != tt.name {
			t.Errorf("TierOf(%v) = %v (%q), want %v (%q)", tt.score, int(got), got, int(tt.want), tt.name)
		}
	}
}

func TestStraddles(t *testing.T) {
	for _, tt := range []struct {
		lo, hi float64
		want   bool
	}{
		{81, 89.9, false}, {79.9, 85, true}, {80, 85, false}, {85, 90, true}, {60, 69.9, false}, {50, 95, true},
	} {
		if got := Straddles(Interval{Value: Num((tt.lo + tt.hi) / 2), Lo: Num(tt.lo), Hi: Num(tt.hi)}); got != tt.want {
			t.Errorf("Straddles([%v, %v]) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
	if Straddles(Interval{Value: 80, Lo: NaN, Hi: NaN}) {
		t.Error("Straddles without an interval = true")
	}
}

func TestStarsOf(t *testing.T) {
	for _, tt := range []struct{ score, want float64 }{{100, 5}, {95, 5}, {94.9, 4.5}, {72.3, 3.5}, {75, 4}, {20, 1}, {0, 1}} {
		if got := StarsOf(tt.score); got != tt.want {
			t.Errorf("StarsOf(%v) = %v, want %v", tt.score, got, tt.want)
		}
	}
}

func TestTierText(t *testing.T) {
	for _, k := range []Tier{TierNone, TierNotApproved, TierApproved, TierExcellent, TierElite} {
		b, _ := k.MarshalText()
		var back Tier
		if err := back.UnmarshalText(b); err != nil || back != k {
			t.Errorf("tier %v round trip = %v, %v", k, back, err)
		}
	}
}
