package detect

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// pct writes a share as a percentage.
func pct(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

// fmtDelay writes a median delay in probes.
func fmtDelay(d float64) string {
	if math.IsInf(d, 1) {
		return fmt.Sprintf(">%d", *flagAfter)
	}
	return fmt.Sprintf("%g", d)
}

// table writes the rows as a Markdown table.
func table(rows []row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nBenchmarkDetector: %d histories per row, seed %d; baseline %d probes, stable rows %d evaluations;\n",
		*flagHistories, *flagSeed, *flagBaseline, *flagMonitored)
	fmt.Fprintf(&b, "slower: median ×%g; fewer: answered %g → %g; SLA rate %g; plain rule N = %d; horizon %d probes\n",
		*flagChange, *flagRateFrom, *flagRateTo, *flagSLARate, *flagN, *flagHorizon)
	b.WriteString("False alarms by kind in brackets: latency/response_rate/sla_breach/stopped_answering. Stable rows show in the detected\n" +
		"columns the share of unchanged histories alerted within the horizon all the same: detections that many come by chance.\n\n")
	fmt.Fprintf(&b, "| channel | log-σ | scenario | detector | false alarms / evaluation | detected ≤%d (any kind) | detected ≤%d (its kind) | median delay (probes) |\n",
		*flagHorizon, *flagHorizon)
	b.WriteString("| --- | --- | --- | --- | ---: | ---: | ---: | ---: |\n")
	for _, r := range rows {
		fa, da, dk, dl := pct(r.fa), pct(r.detAny), pct(r.detK), fmtDelay(r.delay)
		switch {
		case r.sc == stable:
			da, dk, dl = "("+da+" by chance)", "("+dk+")", ""
			fa += fmt.Sprintf(" (%.2f/%.2f/%.2f/%.2f)", 100*r.faKind[0], 100*r.faKind[1], 100*r.faKind[2], 100*r.faKind[3])
		case r.det == "oracle":
			fa = pct(r.fa) + " (calibrated)"
		default:
			fa = ""
		}
		fmt.Fprintf(&b, "| %s | %g | %s | %s | %s | %s | %s | %s |\n", r.ch, r.sigma, r.sc, r.det, fa, da, dk, dl)
	}
	return b.String()
}

// find returns the row of (ch, sigma, sc, det).
func find(rows []row, ch string, sigma float64, sc scenario, det string) (row, bool) {
	for _, r := range rows {
		if r.ch == ch && r.sigma == sigma && r.sc == sc && r.det == det {
			return r, true
		}
	}
	return row{}, false
}

// verdicts checks the goals for each channel and spread, listing those met and those
// missed with by how much, and the oracle's figure for each missed one: when even the
// oracle misses, no detector can be expected to meet the goal at that spread.
func verdicts(rows []row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nGoals (false alarms ≤ %s; detected ≤%d probes ≥ %s; fewer false alarms and a shorter median delay than plain).\n",
		pct(*flagFAGoal), *flagHorizon, pct(*flagDetGoal))
	b.WriteString("The oracle is a CUSUM that knows the true baseline and change, in the same lifecycle, calibrated to the false-alarm goal for its kind alone.\n")
	for _, r := range rows {
		if r.sc != stable || r.det != ours.name {
			continue
		}
		pl, _ := find(rows, r.ch, r.sigma, stable, plain.name)
		var met, missed []string
		check := func(ok bool, s string) {
			if ok {
				met = append(met, s)
			} else {
				missed = append(missed, s)
			}
		}
		check(r.fa <= *flagFAGoal, fmt.Sprintf("false alarms %s (goal ≤ %s)", pct(r.fa), pct(*flagFAGoal)))
		check(r.fa < pl.fa, fmt.Sprintf("false alarms %s vs plain %s", pct(r.fa), pct(pl.fa)))
		for _, sc := range []scenario{slower, fewer} {
			d, _ := find(rows, r.ch, r.sigma, sc, ours.name)
			dp, _ := find(rows, r.ch, r.sigma, sc, plain.name)
			or, _ := find(rows, r.ch, r.sigma, sc, "oracle")
			s := fmt.Sprintf("%s detected %s", sc, pct(d.detAny))
			if d.detAny < *flagDetGoal {
				s += fmt.Sprintf(", short by %.1f points (oracle %s%s)", 100*(*flagDetGoal-d.detAny), pct(or.detK), beyond(or.detK < *flagDetGoal))
			}
			check(d.detAny >= *flagDetGoal, s)
			s = fmt.Sprintf("%s median delay %s vs plain %s", sc, fmtDelay(d.delay), fmtDelay(dp.delay))
			if !(d.delay < dp.delay) {
				s += fmt.Sprintf(" (oracle %s%s)", fmtDelay(or.delay), beyond(!(or.delay < dp.delay)))
			}
			check(d.delay < dp.delay, s)
		}
		fmt.Fprintf(&b, "- %s log-σ %g: met: %s.", r.ch, r.sigma, strings.Join(met, "; "))
		if len(missed) > 0 {
			fmt.Fprintf(&b, " MISSED: %s.", strings.Join(missed, "; "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// beyond marks a goal the oracle misses too.
func beyond(oracleMisses bool) string {
	if oracleMisses {
		return ": beyond even the oracle"
	}
	return ""
}

// report records the key figures as benchmark metrics: the worst over channels and
// spreads of the detector's false alarms, detection shares and median delays.
func report(b *testing.B, rows []row) {
	worst := map[string]float64{}
	upd := func(name string, v float64, higher bool) {
		w, ok := worst[name]
		if !ok || higher && v > w || !higher && v < w {
			worst[name] = v
		}
	}
	for _, r := range rows {
		if r.det == "oracle" {
			continue
		}
		pre := r.det + "-"
		switch r.sc {
		case stable:
			upd(pre+"max-false-alarm-%", 100*r.fa, true)
		default:
			upd(pre+"min-detected-"+r.sc.String()+"-%", 100*r.detAny, false)
			upd(pre+"max-delay-"+r.sc.String(), math.Min(r.delay, float64(*flagAfter+1)), true)
		}
	}
	for name, v := range worst {
		b.ReportMetric(v, name)
	}
}
