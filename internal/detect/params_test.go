package detect

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultParams(t *testing.T) {
	chat, email := DefaultParams("chat"), DefaultParams("email")
	if chat.Cooldown != Duration(24*time.Hour) || email.Cooldown != Duration(48*time.Hour) {
		t.Errorf("cooldowns = %v, %v; want 24h, 48h", chat.Cooldown, email.Cooldown)
	}
	for _, p := range []Params{chat, email, DefaultParams("sms")} {
		if probs := p.Problems(); len(probs) > 0 {
			t.Errorf("defaults have problems: %v", probs)
		}
	}
	if got := (Params{}).WithDefaults("email"); got != email {
		t.Errorf("zero.WithDefaults(email) = %+v, want %+v", got, email)
	}
	if got := (Params{Window: 12}).WithDefaults("chat"); got.Window != 12 || got.BaselineDays != chat.BaselineDays {
		t.Errorf("WithDefaults kept window %d and filled baseline_days %d; want 12, %d", got.Window, got.BaselineDays, chat.BaselineDays)
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		p    Params
		want []string
	}{
		{Params{}, nil},
		{Params{Window: 1}, []string{"window: 1 is outside 2..1000"}},
		{Params{BaselineDays: -1}, []string{"baseline_days: -1 is outside 1..3650"}},
		{Params{BaselineMax: 4}, []string{"baseline_max: 4 is outside 5..10000", "min_baseline: 20 is above baseline_max 4"}},
		{Params{MinBaseline: 200}, []string{"min_baseline: 200 is above baseline_max 100"}},
		{Params{MinBaseline: 3}, []string{"min_baseline: 3 is outside 5..10000"}},
		{Params{LatencyDrift: 6}, []string{"latency_drift: 6 is outside 0.01..5"}},
		{Params{LatencyThreshold: math.NaN()}, []string{"latency_threshold: NaN is outside 0.5..100"}},
		{Params{LatencyClear: 7}, []string{"latency_clear: 7 is not below latency_threshold 6.25"}},
		{Params{RateDrop: 1}, []string{"rate_drop: 1 is outside 0.01..0.99"}},
		{Params{RateThreshold: 0.2}, []string{"rate_threshold: 0.2 is outside 0.5..100", "rate_clear: 1 is not below rate_threshold 0.2"}},
		{Params{RateClear: -1}, []string{"rate_clear: -1 is outside 0.01..100"}},
		{Params{RateMinProbes: 2000}, []string{"rate_min_probes: 2000 is outside 1..1000", "rate_min_probes: 2000 is above window 20"}},
		{Params{RateMinProbes: 15, Window: 12}, []string{"rate_min_probes: 15 is above window 12"}},
		{Params{Window: 8}, nil}, // the default rate_min_probes follows a shorter window
		{Params{StoppedAfter: -3}, []string{"stopped_after: -3 is outside 1..1000"}},
		{Params{SLAMin: 1}, []string{"sla_min: 1 is outside 2..10000"}},
		{Params{SLADays: 4000}, []string{"sla_days: 4000 is outside 1..3650"}},
		{Params{Cooldown: Duration(time.Second)}, []string{"cooldown: 1s is outside 1m..2160h"}},
		{Params{CriticalLatencyRatio: 0.5}, []string{"critical_latency_ratio: 0.5 is outside 1..1000"}},
		{Params{CriticalRateDrop: 2}, []string{"critical_rate_drop: 2 is outside 0.01..1"}},
		{Params{Resamples: 10}, []string{"resamples: 10 is outside 100..100000"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.p.Problems()); diff != "" {
			t.Errorf("%+v.Problems() (-want +got):\n%s", tt.p, diff)
		}
	}
}

// TestSane checks that Evaluate and Decide run invalid params as their defaults.
func TestSane(t *testing.T) {
	bad := Params{Window: -5, BaselineMax: 3, LatencyClear: 50, RateDrop: math.Inf(1), Cooldown: -1, Resamples: -2}
	if probs := bad.sane().Problems(); len(probs) > 0 {
		t.Errorf("sane() still has problems: %v", probs)
	}
	if got, want := bad.sane(), (Params{}).WithDefaults(""); got != want {
		t.Errorf("sane() = %+v, want the defaults %+v", got, want)
	}
}

func TestParamsJSON(t *testing.T) {
	p := DefaultParams("email")
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Params
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != p {
		t.Errorf("JSON round trip = %+v, want %+v (%s)", back, p, b)
	}
	var d Duration
	if err := d.UnmarshalText([]byte("36h")); err != nil || d != Duration(36*time.Hour) {
		t.Errorf("UnmarshalText(36h) = %v, %v", d, err)
	}
	if err := d.UnmarshalText([]byte("soon")); err == nil {
		t.Error("UnmarshalText(soon) = nil error, want one")
	}
}
