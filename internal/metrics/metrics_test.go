package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Every stakeout metric passes promtool's lint (names, units, Help), with one
// series of each so that every family is gathered.
func TestLint(t *testing.T) {
	reg := NewRegistry()
	p, r, m, b := NewProbe(reg), NewResults(reg), NewMail(reg), NewBrowser(reg)
	p.Duration.WithLabelValues("chat", "answered").Observe(12)
	p.InFlight.WithLabelValues("chat").Inc()
	p.PacingWait.WithLabelValues("chat").Observe(0.5)
	p.BrowserWait.WithLabelValues("chat").Observe(0.1)
	p.PacingDeferred.WithLabelValues("chat", "acme").Inc()
	p.Errors.WithLabelValues("email").Inc()
	r.Outcomes.WithLabelValues("email", "acme", "no_response", "deadline").Inc()
	r.Response.WithLabelValues("chat", "acme", "human").Observe(95)
	r.Duplicates.WithLabelValues("chat").Inc()
	m.Replies.WithLabelValues("shopper-1", "human").Inc()
	m.Unmatched.WithLabelValues("shopper-1", "no_token").Inc()
	m.Connected.WithLabelValues("shopper-1").Set(1)
	m.LastPoll.WithLabelValues("shopper-1").SetToCurrentTime()
	m.Outstanding.WithLabelValues("shopper-1").Set(3)
	m.ClockSkew.WithLabelValues("shopper-1").Inc()
	m.Rescans.WithLabelValues("shopper-1", "uidvalidity").Inc()
	b.SetCapacity(4)
	b.AddInUse(1)
	b.Restarted("crashed")
	b.StartFailed()

	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatalf("GatherAndLint: %v", err)
	}
	for _, pr := range problems {
		t.Errorf("lint: %s: %s", pr.Metric, pr.Text)
	}
	stakeout := 0
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "stakeout_") {
			stakeout++
		}
	}
	// 17 probe, result and mail metrics, 4 of the browser pool, stakeout_build_info.
	if stakeout != 22 {
		t.Errorf("gathered %d stakeout_ families, want 22 (one per metric)", stakeout)
	}
}

// NewResults exports the time of the last result of each channel from the start.
func TestLastResult(t *testing.T) {
	before := float64(time.Now().Unix())
	r := NewResults(prometheus.NewRegistry())
	for _, ch := range ResultChannels {
		if got := testutil.ToFloat64(r.LastResult.WithLabelValues(ch)); got < before {
			t.Errorf("stakeout_last_result_timestamp_seconds{channel=%q} = %v, want the time NewResults ran (≥ %v)", ch, got, before)
		}
	}
	if n := testutil.CollectAndCount(r.LastResult); n != len(ResultChannels) {
		t.Errorf("stakeout_last_result_timestamp_seconds has %d series, want %d", n, len(ResultChannels))
	}
}
