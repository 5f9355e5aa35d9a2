package detect

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/stakeoutcx/stakeout/internal/scoring"
)

// simChannel is one channel's simulated stable service.
type simChannel struct {
	name   string
	median float64       // median human response time, seconds
	every  time.Duration // probe spacing
}

// simChannels: chat answered in about 45 s and probed every 6 h, email in about 2 h and
// probed every 8 h.
var simChannels = []simChannel{
	{name: "chat", median: 45, every: 6 * time.Hour},
	{name: "email", median: 7200, every: 8 * time.Hour},
}

// scenario is what happens at the change point.
type scenario int

const (
	stable scenario = iota // nothing: every alert is a false alarm
	slower                 // the median human time is multiplied by -detect.change
	fewer                  // the answered share falls to -detect.rate-to
)

func (s scenario) String() string {
	return [...]string{"stable", "slower", "fewer"}[s]
}

// kind is the alert kind the scenario should raise.
func (s scenario) kind() Kind {
	if s == fewer {
		return KindResponseRate
	}
	return KindLatency
}

// simSpec is one simulated service and what happens to it.
type simSpec struct {
	ch       simChannel
	sigma    float64 // log-sigma of human times
	sc       scenario
	change   float64 // median multiplier after the change (slower)
	rateFrom float64 // answered share before the change
	rateTo   float64 // answered share after it (fewer)
	slaRate  float64
}

// sla is the SLA the detectors get: the rate given by -detect.sla-rate and a p90 human
// time 1.5× the stable service's true p90, so the stable service meets both.
func (s simSpec) sla() SLA {
	return SLA{ResponseRate: s.slaRate, HumanS: 1.5 * s.ch.median * math.Exp(1.2815515655446004*s.sigma)}
}

// epoch is the first simulated probe's time.
var epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// history generates one seeded history: lead probes of the stable service, then tail
// probes after the change point. Probe i is at epoch + i·every; a human answers with the
// current answered share, after median·exp(sigma·Z) seconds (Z standard normal).
func (s simSpec) history(lead, tail int, seed, index uint64) []Obs {
	rng := rand.New(rand.NewPCG(seed, index))
	h := make([]Obs, lead+tail)
	for i := range h {
		median, rate := s.ch.median, s.rateFrom
		if i >= lead {
			switch s.sc {
			case slower:
				median *= s.change
			case fewer:
				rate = s.rateTo
			}
		}
		o := Obs{Probe: fmt.Sprintf("p%d", i), At: epoch.Add(time.Duration(i) * s.ch.every)}
		z := rng.NormFloat64() // drawn for every probe, so the scenarios share their draws
		if rng.Float64() < rate {
			o.Answered, o.Human = true, math.Round(median*math.Exp(s.sigma*z))
		}
		h[i] = o
	}
	return h
}

// plainEvaluate is the rule an operator would otherwise write, with n probes (N):
// latency fires when the median human time of the last n probes is above 1.5× the
// baseline's median; response_rate when the answered share of the last n probes is
// below slaRate. The baseline is the detector's (the probes before the last n within
// baseline_days, at most baseline_max, frozen before Since while open; min_baseline
// timed answers); an open rule clears when it no longer holds. Since is the first of
// the n probes.
func plainEvaluate(in Input, p Params, n int, slaRate float64) []Finding {
	p = p.sane()
	p.Window = n
	e := &evaluator{h: cleaned(in.History), p: p, now: in.Now, sla: in.SLA}
	if len(e.h) < n {
		return nil
	}
	var out []Finding
	open, isOpen := in.Open[KindLatency]
	base, recent := e.stretches(open, isOpen)
	bt, rt := humanTimes(base), humanTimes(recent)
	if len(bt) >= p.MinBaseline && len(rt) > 0 {
		bm, rm := median(bt), median(rt)
		out = append(out, Finding{Kind: KindLatency, Firing: rm > 1.5*bm, Statistic: rm / bm,
			Threshold: 1.5, Since: recent[0].At})
	}
	recent = e.h[len(e.h)-n:]
	answered := 0
	for _, o := range recent {
		if o.Answered {
			answered++
		}
	}
	r := float64(answered) / float64(n)
	out = append(out, Finding{Kind: KindResponseRate, Firing: r < slaRate, Statistic: r,
		Threshold: slaRate, Since: recent[0].At})
	return out
}

// oracle is a CUSUM that knows the stable service and the change exactly: for
// latency, the log human times' true mean and sigma and the true shift δ (reference
// δ/2 in standard units); for the response rate, the true answered shares before and
// after (Bernoulli log-likelihood ratio). It restarts after each alarm. No detector
// that must estimate the baseline from the history and does not know the change can
// expect to do better; it bounds what a goal can ask at a given false-alarm rate.
type oracle struct {
	sc           scenario
	mu, sigma, k float64 // latency, in log seconds
	hit, miss    float64 // rate: LLR of an answered and an unanswered probe
}

func newOracle(s simSpec) oracle {
	o := oracle{sc: s.sc, mu: math.Log(s.ch.median), sigma: s.sigma}
	o.k = math.Log(s.change) / s.sigma / 2
	o.hit = math.Log(s.rateTo / s.rateFrom)
	o.miss = math.Log((1 - s.rateTo) / (1 - s.rateFrom))
	return o
}

// step is the CUSUM increment of one probe.
func (o oracle) step(x Obs) float64 {
	if o.sc == fewer {
		if x.Answered {
			return o.hit
		}
		return o.miss
	}
	if !x.Answered {
		return 0
	}
	return (math.Log(max(x.Human, 1))-o.mu)/o.sigma - o.k
}

// run follows h[from:] with threshold h0 through the detectors' lifecycle, the most
// lenient for counting false alarms: an alarm opens when the CUSUM passes h0, stays
// open until the CUSUM is back to 0, then the kind waits cool probes. It returns the
// alarms opened and the 1-based position after from of the first (0 when none).
func (o oracle) run(h []Obs, from int, h0 float64, cool int) (alarms, first int) {
	s, open, wait := 0.0, false, 0
	for i := from; i < len(h); i++ {
		s = max(0, s+o.step(h[i]))
		switch {
		case open && s == 0:
			open, wait = false, cool
		case !open && wait > 0:
			wait--
		case !open && s > h0:
			open, alarms = true, alarms+1
			if first == 0 {
				first = i - from + 1
			}
		}
	}
	return alarms, first
}

// median is the median of x (definition 7), sorting a copy.
func median(x []float64) float64 {
	x = slices.Clone(x)
	slices.Sort(x)
	return scoring.Quantile(x, 0.5).F()
}
