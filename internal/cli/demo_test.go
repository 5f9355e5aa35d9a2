package cli_test

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs the demo on a small campaign: it starts its own redis-server, the
// simulator and a worker, and ends with a scorecard that matches the simulated companies.
func TestDemo(t *testing.T) {
	t.Parallel()
	got := stakeout(t, "demo", "--campaign", "testdata/demo/campaign.yaml", "--sim", "testdata/demo/sim.yaml", "--watch=")
	if got.Code != 0 {
		t.Fatalf("stakeout demo = exit %d, stderr %q; want exit 0", got.Code, got.Stderr)
	}
	out := got.Stdout
	for _, want := range []string{
		`(?m)^redis-server: private, on 127\.0\.0\.1:[0-9]+ \(your own Redis is not touched\)$`,
		`(?m)^simulator: 3 companies, SMTP 127\.0\.0\.1:[0-9]+, IMAP 127\.0\.0\.1:[0-9]+, web sites with chat widgets on 127\.0\.0\.1:[0-9]+ \(e\.g\. http://127\.0\.0\.1:[0-9]+/c/fast/\)$`,
		`(?m)^run demo-test-[0-9]{8}T[0-9]{4}Z: 5 probes over 4s, email deadline 8s, chat abandon timeout 8s; results in \S+results\.db$`,
		`(?m)^\[ +[0-9]+s\] 5/5 done: 2 answered, 1 auto_only, 2 no_response, 0 failed; 0 waiting for replies, 0 not sent yet$`,
		`(?m)^chat +retail +1/2 +fast +[0-9.]+ +(Elite|Excellent|Approved|Not Approved) +[0-9.]+ +100% \[21%, 100%\] +[0-9.]+m?s +[0-9.]+m?s +100% +[0-9]+% +1/1$`,
		`(?m)^chat +retail +2/2 +silent +0\.0 +Not Approved +1\.0 +0% \[0%, 79%\] +- +- +0% +0% +1/1$`,
		`(?m)^email +retail +1/3 +fast +[0-9.]+ +(Elite|Excellent|Approved|Not Approved) +[0-9.]+ +100% \[21%, 100%\] +[0-9.]+m?s +[0-9.]+m?s +100% +[0-9]+% +1/1$`,
		`(?m)^email +retail +2/3 +robot +0\.0 +Not Approved +1\.0 +0% \[0%, 79%\] +- +- +0% +0% +1/1$`,
		`(?m)^email +retail +2/3 +silent +0\.0 +Not Approved +1\.0 +0% \[0%, 79%\] +- +- +0% +0% +1/1$`,
		`(?m)^One probe's evidence: stakeout results show --db \S+results\.db demo-test-[0-9]{8}T[0-9]{4}Z/\S+$`,
		`(?m)^Report: (\S+)/report\.html and (\S+)/report\.pdf$`,
		`(?m)^alertmanager: private, on http://127\.0\.0\.1:[0-9]+, routing each client's alerts to its webhook on http://127\.0\.0\.1:[0-9]+$`,
		`(?m)^Alerts \(docs/alerts\.md\): 0 opened, 0 notifications received by the webhook$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("stakeout demo output does not match %s:\n%s", want, out)
		}
	}
	if t.Failed() {
		// The evidence of each failed probe says why.
		for _, m := range regexp.MustCompile(`(?m)^  (\S+): \S+ \(stakeout results show --db (\S+) `).FindAllStringSubmatch(out, -1) {
			show := stakeout(t, "results", "show", "--db", m[2], m[1])
			t.Logf("stakeout results show %s:\n%s%s", m[1], show.Stdout, show.Stderr)
		}
	}
	if m := regexp.MustCompile(`(?m)^Report: (\S+) and (\S+)$`).FindStringSubmatch(out); m != nil {
		for _, f := range m[1:] {
			if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
				t.Errorf("report %s: %v (size %v)", f, err, fi)
			}
		}
		if pdf, err := os.ReadFile(m[2]); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Errorf("report %s is not a PDF (%v)", m[2], err)
		}
	}
	if strings.Contains(out, ":1/0") || strings.Contains(out, ":6379") {
		t.Errorf("stakeout demo mentions a Redis other than its own:\n%s", out)
	}
}
