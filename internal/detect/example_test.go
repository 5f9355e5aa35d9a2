package detect_test

import (
	"fmt"
	"time"

	"github.com/stakeoutcx/stakeout/internal/detect"
)

// A chat target answered in about a minute for 40 probes, then in about two and a half:
// the latency alert opens, and its evidence says why.
func ExampleEvaluate() {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var history []detect.Obs
	for i := range 56 {
		human := []float64{48, 55, 62, 70, 58, 66}[i%6]
		if i >= 46 {
			human *= 2.5
		}
		history = append(history, detect.Obs{
			Probe: fmt.Sprintf("c%02d", i), At: start.Add(time.Duration(i) * 6 * time.Hour),
			Answered: i%10 != 3, Human: human,
		})
	}
	p := detect.DefaultParams("chat")
	now := history[len(history)-1].At
	findings := detect.Evaluate(detect.Input{History: history, SLA: detect.SLA{HumanS: 300, ResponseRate: 0.8}}, p)
	for _, tr := range detect.Decide(nil, nil, findings, now, p) {
		fmt.Printf("open %s (%s) since %s\n", tr.Kind, tr.Finding.Severity, tr.Finding.Opened(now).Since.Format(time.DateTime))
		fmt.Println(tr.Finding.Summary)
	}
	// Output:
	// open latency (critical) since 2026-03-13 15:00:00
	// median human reply 2m21s [2m00s, 2m35s] over the last 11 probes, against 58s [56s, 1m02s] over the 36 probes before; CUSUM 16.5 > 6.25
}
