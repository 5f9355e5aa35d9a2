package detect

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The benchmark's flags (docs/detector.md): go test -bench Detector ./internal/detect/ -args -detect.histories=2000
var (
	flagHistories = flag.Int("detect.histories", 1000, "simulated histories per channel, spread and scenario")
	flagSigma     = flag.String("detect.sigma", "0.5,0.7,1.0,1.2", "log-sigmas of the human times, comma-separated")
	flagChannels  = flag.String("detect.channels", "chat,email", "channels to simulate, comma-separated")
	flagChange    = flag.Float64("detect.change", 2, "median human time multiplier at the change (scenario slower)")
	flagRateFrom  = flag.Float64("detect.rate-from", 0.9, "answered share of the stable service")
	flagRateTo    = flag.Float64("detect.rate-to", 0.6, "answered share after the change (scenario fewer)")
	flagSLARate   = flag.Float64("detect.sla-rate", 0.8, "SLA response rate given to both detectors")
	flagSeed      = flag.Uint64("detect.seed", 1, "seed of the simulated histories")
	flagN         = flag.Int("detect.n", 10, "N of the plain rule: the last N probes")
	flagBaseline  = flag.Int("detect.baseline", 40, "stable probes before the recent window at the first evaluation")
	flagMonitored = flag.Int("detect.monitored", 100, "evaluations of a stable history")
	flagAfter     = flag.Int("detect.after", 40, "evaluations after the change (delays beyond count as never)")
	flagHorizon   = flag.Int("detect.horizon", 20, "a change counts as detected within this many probes")
	flagFAGoal    = flag.Float64("detect.fa-goal", 0.01, "false-alarm goal: alerts opened per evaluation")
	flagDetGoal   = flag.Float64("detect.det-goal", 0.9, "detection goal: share detected within the horizon")
	flagParams    = flag.String("detect.params", "", `JSON object of Params fields overriding the defaults of both detectors, e.g. {"rate_threshold":2.5}`)
	flagEvidence  = flag.Bool("detect.evidence", false, "run Evaluate with full evidence (bootstrap intervals, slower)")
)

// detector is one way of judging a history, run through the same lifecycle.
type detector struct {
	name string
	eval func(in Input, p Params) []Finding
}

var (
	ours  = detector{"detect", func(in Input, p Params) []Finding { return evaluate(in, p, *flagEvidence) }}
	plain = detector{"plain", func(in Input, p Params) []Finding { return plainEvaluate(in, p, *flagN, *flagSLARate) }}
)

// outcome is what the lifecycle did on one history.
type outcome struct {
	evals, opens int
	byKind       [4]int // opens per kind, in Kinds order
	first, kind  int    // 1-based probe after the change of the first opening, any kind / the scenario's kind (0: none)
}

// lifecycle evaluates h after each probe from lead on, as production would: Evaluate,
// Decide, then open and resolve. With stop it ends once the scenario's kind and any
// kind have opened.
func lifecycle(d detector, h []Obs, lead int, sla SLA, p Params, kind Kind, stop bool) outcome {
	open := map[Kind]Open{}
	resolved := map[Kind]time.Time{}
	var out outcome
	for i := lead; i < len(h); i++ {
		now := h[i].At
		fs := d.eval(Input{History: h[:i+1], SLA: sla, Open: open, Resolved: resolved, Now: now}, p)
		out.evals++
		for _, t := range Decide(open, resolved, fs, now, p) {
			if !t.Open {
				delete(open, t.Kind)
				resolved[t.Kind] = now
				continue
			}
			open[t.Kind] = t.Finding.Opened(now)
			out.opens++
			out.byKind[slices.Index(Kinds, t.Kind)]++
			if out.first == 0 {
				out.first = i - lead + 1
			}
			if t.Kind == kind && out.kind == 0 {
				out.kind = i - lead + 1
			}
		}
		if stop && out.first > 0 && out.kind > 0 {
			break
		}
	}
	return out
}

// row is one line of the table.
type row struct {
	ch           string
	sigma        float64
	sc           scenario
	det          string
	fa           float64 // alerts opened per evaluation (stable)
	faKind       [4]float64
	detAny, detK float64 // share detected within the horizon: any kind, the scenario's kind
	delay        float64 // median delay in probes, any kind (+Inf: not detected by -detect.after)
}

// parallel runs f(i) for i in [0, n) on every core.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// simulate runs every detector over the histories of one channel, spread and scenario.
func simulate(s simSpec, p Params) []row {
	lead := *flagBaseline + p.Window
	tail, stop := *flagAfter, true
	if s.sc == stable {
		tail, stop = *flagMonitored, false
	}
	n := *flagHistories
	dets := []detector{ours, plain}
	res := make([][]outcome, len(dets))
	for j := range res {
		res[j] = make([]outcome, n)
	}
	seed := s.seed()
	parallel(n, func(i int) {
		h := s.history(lead, tail, seed, uint64(i))
		for j, d := range dets {
			res[j][i] = lifecycle(d, h, lead, s.sla(), p, s.sc.kind(), stop)
		}
	})
	var rows []row
	for j, d := range dets {
		rows = append(rows, summarize(s, d.name, res[j]))
	}
	if s.sc != stable {
		rows = append(rows, oracleRow(s, lead, int(time.Duration(p.Cooldown)/s.ch.every)))
	}
	return rows
}

// seed is the history stream of a channel and spread: the scenarios share it, so
// history i of each scenario has the same draws (common random numbers).
func (s simSpec) seed() uint64 {
	return *flagSeed*1_000_003 + uint64(slices.Index(simChannels, s.ch))*100_003 + uint64(math.Round(s.sigma*1000))
}

// summarize turns outcomes into a row.
func summarize(s simSpec, name string, outs []outcome) row {
	r := row{ch: s.ch.name, sigma: s.sigma, sc: s.sc, det: name}
	evals, opens, anyN, kindN := 0, 0, 0, 0
	delays := make([]float64, len(outs))
	for i, o := range outs {
		evals += o.evals
		opens += o.opens
		for k, c := range o.byKind {
			r.faKind[k] += float64(c)
		}
		if o.first > 0 && o.first <= *flagHorizon {
			anyN++
		}
		if o.kind > 0 && o.kind <= *flagHorizon {
			kindN++
		}
		delays[i] = math.Inf(1)
		if o.first > 0 {
			delays[i] = float64(o.first)
		}
	}
	r.fa = float64(opens) / float64(evals)
	for k := range r.faKind {
		r.faKind[k] /= float64(max(1, evals))
	}
	r.detAny, r.detK = float64(anyN)/float64(len(outs)), float64(kindN)/float64(len(outs))
	r.delay = medianDelay(delays)
	return r
}

// oracleRow calibrates the oracle's threshold so that it raises -detect.fa-goal alarms
// per evaluation on the stable histories (this kind alone), then runs it on the change.
func oracleRow(s simSpec, lead, cool int) row {
	n := *flagHistories
	st := s
	st.sc = stable
	seed := s.seed()
	o := newOracle(s)
	stableH := make([][]Obs, n)
	parallel(n, func(i int) { stableH[i] = st.history(lead, *flagMonitored, seed, uint64(i)) })
	fa := func(h0 float64) float64 {
		alarms := 0
		for _, h := range stableH {
			a, _ := o.run(h, lead, h0, cool)
			alarms += a
		}
		return float64(alarms) / float64(n**flagMonitored)
	}
	lo, hi := 0.0, 60.0
	for range 40 {
		if mid := (lo + hi) / 2; fa(mid) > *flagFAGoal {
			lo = mid
		} else {
			hi = mid
		}
	}
	outs := make([]outcome, n)
	parallel(n, func(i int) {
		_, first := o.run(s.history(lead, *flagAfter, seed, uint64(i)), lead, hi, cool)
		outs[i] = outcome{first: first, kind: first}
	})
	r := summarize(s, "oracle", outs)
	r.fa = fa(hi)
	return r
}

// floats parses a comma-separated list.
func floats(s string) ([]float64, error) {
	var out []float64
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q: %w", f, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// BenchmarkDetector measures the detector against the plain rule on seeded simulated
// histories (docs/detector.md "Benchmark") and prints the table to stdout.
func BenchmarkDetector(b *testing.B) {
	sigmas, err := floats(*flagSigma)
	if err != nil {
		b.Fatalf("-detect.sigma: %v", err)
	}
	var rows []row
	for b.Loop() {
		rows = nil
		for _, name := range strings.Split(*flagChannels, ",") {
			i := slices.IndexFunc(simChannels, func(c simChannel) bool { return c.name == strings.TrimSpace(name) })
			if i < 0 {
				b.Fatalf("-detect.channels: unknown channel %q", name)
			}
			p := DefaultParams(simChannels[i].name)
			if *flagParams != "" {
				if err := json.Unmarshal([]byte(*flagParams), &p); err != nil {
					b.Fatalf("-detect.params: %v", err)
				}
				if probs := p.Problems(); len(probs) > 0 {
					b.Fatalf("-detect.params: %s", strings.Join(probs, "; "))
				}
			}
			for _, sigma := range sigmas {
				for _, sc := range []scenario{stable, slower, fewer} {
					s := simSpec{ch: simChannels[i], sigma: sigma, sc: sc, change: *flagChange,
						rateFrom: *flagRateFrom, rateTo: *flagRateTo, slaRate: *flagSLARate}
					rows = append(rows, simulate(s, p)...)
				}
			}
		}
	}
	fmt.Print(table(rows))
	fmt.Print(verdicts(rows))
	report(b, rows)
}

// medianDelay is the median of delays, +Inf (never) when the middle reaches a history
// not detected.
func medianDelay(delays []float64) float64 {
	d := slices.Clone(delays)
	slices.Sort(d)
	lo, hi := d[(len(d)-1)/2], d[len(d)/2]
	if math.IsInf(hi, 1) {
		return hi
	}
	return (lo + hi) / 2
}
