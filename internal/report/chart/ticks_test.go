package chart

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func labels(ts []tick) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.label
	}
	return out
}

func TestDurationTick(t *testing.T) {
	for _, tc := range []struct {
		sec  float64
		want string
	}{
		{0.5, "500ms"}, {1, "1s"}, {30, "30s"}, {90, "90s"}, {120, "2m"}, {3600, "1h"},
		{6 * 3600, "6h"}, {36 * 3600, "36h"}, {86400, "1d"}, {3 * 86400, "3d"},
		{0, "0"}, {-60, "-1m"}, {75.5, "75.5s"}, {math.NaN(), "0"},
	} {
		if got := durationTick(tc.sec); got != tc.want {
			t.Errorf("durationTick(%v) = %q, want %q", tc.sec, got, tc.want)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for _, tc := range []struct {
		sec  float64
		want string
	}{
		{0.45, "450ms"}, {4.24, "4.2s"}, {38.4, "38s"}, {59.6, "1m 00s"}, {72, "1m 12s"}, {599.6, "10m"},
		{840, "14m"}, {3569, "59m"}, {3570, "1h 00m"}, {7500, "2h 05m"}, {3*86400 + 4*3600, "3d 4h"},
		{-1, "n/a"}, {math.Inf(1), "n/a"},
	} {
		if got := humanDuration(tc.sec); got != tc.want {
			t.Errorf("humanDuration(%v) = %q, want %q", tc.sec, got, tc.want)
		}
	}
}

func TestLogTicks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lo, hi float64 // data range, seconds
		want   []string
	}{
		{"chat: 5s to 2h", 5, 7200, []string{"10s", "1m", "10m", "1h"}},
		{"fast chat: 1s to 10m", 1, 600, []string{"1s", "10s", "1m", "10m"}},
		{"email: 30s to 3d", 30, 3 * day, []string{"1m", "10m", "1h", "6h", "1d"}},
		{"tight: 40s to 50s", 40, 50, []string{"15s", "30s", "1m", "2m"}},
		{"one value", 120, 120, []string{"1m", "2m", "5m"}},
		{"sub-second", 0.2, 0.9, []string{"200ms", "500ms", "1s"}},
		{"weeks", day, 60 * day, []string{"1d", "3d", "7d", "14d", "30d", "90d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := logDomain(tc.lo, tc.hi)
			ts, lo, hi := logTicks(lo, hi, 9)
			if diff := cmp.Diff(tc.want, labels(ts)); diff != "" {
				t.Errorf("ticks for %v..%v s (-want +got):\n%s", tc.lo, tc.hi, diff)
			}
			if lo > tc.lo || hi < tc.hi {
				t.Errorf("domain %v..%v does not hold the data %v..%v", lo, hi, tc.lo, tc.hi)
			}
		})
	}
}

func TestLinearTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		target int
		want   []string
	}{
		{0, 100, 5, []string{"0", "20", "40", "60", "80", "100"}},
		{0, 100, 4, []string{"0", "25", "50", "75", "100"}},
		{0, 100, 2, []string{"0", "50", "100"}},
		{15, 75, 5, []string{"20", "40", "60"}},
		{15, 75, 6, []string{"20", "30", "40", "50", "60", "70"}},
		{0, 1, 4, []string{"0.00", "0.25", "0.50", "0.75", "1.00"}},
		{-1.5, 1.5, 3, []string{"-1", "0", "1"}},
		{3, 3, 5, []string{}},
	} {
		got := labels(linearTicks(tc.lo, tc.hi, tc.target, plainLabel))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("linearTicks(%v, %v, %d) (-want +got):\n%s", tc.lo, tc.hi, tc.target, diff)
		}
	}
}

func TestDurationTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{0, 264, []string{"0", "1m", "2m", "3m", "4m"}},
		{0, 100, []string{"0", "30s", "60s", "90s"}},
		{0, 2 * hour, []string{"0", "30m", "60m", "90m", "120m"}},
		{0, 4 * hour, []string{"0", "1h", "2h", "3h", "4h"}},
		{0, 10 * day, []string{"0", "2d", "4d", "6d", "8d", "10d"}},
	} {
		got := labels(durationTicks(tc.lo, tc.hi, 5))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("durationTicks(%v, %v) (-want +got):\n%s", tc.lo, tc.hi, diff)
		}
	}
}

func TestFixed(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		d    int
		trim bool
		want string
	}{
		{2, 1, true, "2"}, {2.25, 1, true, "2.3"}, {62.5, 0, false, "63"}, {-62.5, 0, false, "-63"}, {-0.01, 1, true, "0"}, {-0.04, 1, false, "0.0"},
		{math.NaN(), 1, true, "0"}, {math.Inf(-1), 0, false, "0"}, {82, 0, false, "82"},
	} {
		if got := fixed(tc.v, tc.d, tc.trim); got != tc.want {
			t.Errorf("fixed(%v, %d, %v) = %q, want %q", tc.v, tc.d, tc.trim, got, tc.want)
		}
	}
}
