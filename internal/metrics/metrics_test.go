package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Every stakeout metric passes promtool's lint (names, units, Help), with one
// series of each so that every family is gathered.
func TestLint(t *testing.T) {
	reg := NewRegistry()
	p, r, m := NewProbe(reg), NewResults(reg), NewMail(reg)
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
	if stakeout != 16 {
		t.Errorf("gathered %d stakeout_ families, want 16 (one per metric)", stakeout)
	}
}
