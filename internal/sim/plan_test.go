package sim

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

func TestDecideLogNormal(t *testing.T) {
	co := Company{ID: "acme", Reply: Reply{Median: Duration(time.Hour), P90: Duration(4 * time.Hour)}}
	const n = 20000
	delays := make([]time.Duration, n)
	for i := range delays {
		p := decide(1, &co, fmt.Sprintf("<m%d@probe.test>", i), 1)
		if !p.human || p.ack || p.oof || p.noReply {
			t.Fatalf("decide = %+v, want only a human reply", p)
		}
		delays[i] = p.humanAfter
	}
	slices.Sort(delays)
	for _, q := range []struct {
		name string
		at   float64
		want time.Duration
	}{{"median", 0.5, time.Hour}, {"p90", 0.9, 4 * time.Hour}} {
		got := delays[int(q.at*n)]
		if r := float64(got) / float64(q.want); math.Abs(r-1) > 0.06 {
			t.Errorf("%s of %d draws = %v, want %v ±6%%", q.name, n, got, q.want)
		}
	}
}

func TestDecideNoReplyRate(t *testing.T) {
	co := Company{ID: "acme", NoReplyRate: 0.25, Ack: Ack{Enabled: true, Delay: Duration(time.Minute)},
		Reply: Reply{Median: Duration(time.Hour), P90: Duration(time.Hour)}}
	const n = 10000
	none := 0
	for i := range n {
		p := decide(3, &co, fmt.Sprintf("<m%d@x>", i), 0.5)
		if !p.ack || p.ackAfter != 30*time.Second {
			t.Fatalf("decide = %+v, want an ack after 30s (1m scaled by 0.5)", p)
		}
		if p.noReply == p.human {
			t.Fatalf("decide = %+v, want exactly one of noReply and human", p)
		}
		if p.noReply {
			none++
		} else if p.humanAfter != 30*time.Minute {
			t.Fatalf("humanAfter = %v, want 30m (median = p90 = 1h, scaled by 0.5)", p.humanAfter)
		}
	}
	if r := float64(none) / n; math.Abs(r-0.25) > 0.02 {
		t.Errorf("no-reply share = %.3f, want 0.25 ±0.02", r)
	}
}

func TestDecideDeterministic(t *testing.T) {
	co := Company{ID: "acme", NoReplyRate: 0.5, Ack: Ack{Enabled: true, TicketPrefix: "A-"},
		Reply: Reply{Median: Duration(time.Hour), P90: Duration(3 * time.Hour)}}
	other := co
	other.ID = "globex"
	a, b := decide(9, &co, "<x@y>", 1), decide(9, &co, "<x@y>", 1)
	if a != b {
		t.Errorf("decide twice = %+v and %+v, want equal", a, b)
	}
	differ := 0
	for i := range 20 {
		key := fmt.Sprintf("<%d@y>", i)
		if decide(9, &co, key, 1) != decide(9, &other, key, 1) {
			differ++
		}
		if decide(9, &co, key, 1) != decide(10, &co, key, 1) {
			differ++
		}
	}
	if differ < 38 {
		t.Errorf("only %d of 40 draws changed with the company or the seed, want nearly all", differ)
	}
}

func TestDecideOutOfOffice(t *testing.T) {
	co := Company{ID: "away", OutOfOffice: true, Ack: Ack{Enabled: true, Delay: Duration(time.Second)}}
	p := decide(1, &co, "<x@y>", 2)
	if !p.oof || p.oofAfter != 2*time.Second || p.ack || p.human {
		t.Errorf("decide = %+v, want only an OOF after 2s", p)
	}
}
