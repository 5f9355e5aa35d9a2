package detect

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecide(t *testing.T) {
	p := DefaultParams("email") // cooldown 48h
	now := epoch.Add(10 * 24 * time.Hour)
	fire := func(k Kind) Finding { return Finding{Kind: k, Firing: true, Since: now.Add(-time.Hour)} }
	calm := func(k Kind) Finding { return Finding{Kind: k} }
	type tr struct {
		Kind Kind
		Open bool
	}
	tests := []struct {
		name     string
		open     map[Kind]Open
		resolved map[Kind]time.Time
		findings []Finding
		want     []tr
	}{
		{"opens a firing kind", nil, nil, []Finding{fire(KindLatency), calm(KindSLA)}, []tr{{KindLatency, true}}},
		{"one open per kind", map[Kind]Open{KindLatency: {}}, nil, []Finding{fire(KindLatency)}, nil},
		{"duplicate findings open once", nil, nil, []Finding{fire(KindSLA), fire(KindSLA)}, []tr{{KindSLA, true}}},
		{"resolves a cleared kind", map[Kind]Open{KindLatency: {}}, nil, []Finding{calm(KindLatency)}, []tr{{KindLatency, false}}},
		{"keeps open without a finding", map[Kind]Open{KindLatency: {}}, nil, nil, nil},
		{"in cooldown", nil, map[Kind]time.Time{KindLatency: now.Add(-47 * time.Hour)}, []Finding{fire(KindLatency)}, nil},
		{"cooldown over", nil, map[Kind]time.Time{KindLatency: now.Add(-48 * time.Hour)}, []Finding{fire(KindLatency)}, []tr{{KindLatency, true}}},
		{"cooldown of another kind", nil, map[Kind]time.Time{KindSLA: now}, []Finding{fire(KindLatency)}, []tr{{KindLatency, true}}},
		{"stopped opening covers the rate", nil, nil, []Finding{fire(KindResponseRate), fire(KindStopped)}, []tr{{KindStopped, true}}},
		{"open stopped covers the rate", map[Kind]Open{KindStopped: {}}, nil, []Finding{fire(KindResponseRate), fire(KindStopped)}, nil},
		{"cooling stopped does not cover", nil, map[Kind]time.Time{KindStopped: now}, []Finding{fire(KindResponseRate), fire(KindStopped)},
			[]tr{{KindResponseRate, true}}},
	}
	for _, tt := range tests {
		var got []tr
		for _, x := range Decide(tt.open, tt.resolved, tt.findings, now, p) {
			got = append(got, tr{x.Kind, x.Open})
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: Decide (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestOpened(t *testing.T) {
	now := epoch.Add(time.Hour)
	f := Finding{Kind: KindLatency, Since: epoch}
	if got, want := f.Opened(now), (Open{OpenedAt: now, Since: epoch}); got != want {
		t.Errorf("Opened = %+v, want %+v", got, want)
	}
}
