package e2e

import (
	"fmt"
	"github.com/stakeoutcx/stakeout/internal/simtest"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/sim"
	"github.com/stakeoutcx/stakeout/probes/email"
	"github.com/stakeoutcx/stakeout/workers"
)

const (
	shopper    = "shopper@probes.test"
	mbPassword = "e2e-mailbox-password"
	deadline   = 25 * time.Second
)

// companies of the simulator: id, ack style ("" none), median and p90 of the human
// reply, no-reply rate, threading, out of office.
var companies = []struct {
	id, ack          string
	median, p90      time.Duration
	noReply          float64
	subjectOnly, oof bool
}{
	{"acme", "rfc3834", 2 * time.Second, 5 * time.Second, 0, false, false},
	{"globex", "zendesk", 4 * time.Second, 9 * time.Second, 0.2, false, false},
	{"initech", "freshdesk", 3 * time.Second, 6 * time.Second, 0.1, false, false},
	{"umbrella", "", 2 * time.Second, 4 * time.Second, 0, true, false},
	{"hooli", "", 0, 0, 0, false, true},
	{"vandelay", "none", 6 * time.Second, 20 * time.Second, 0.3, false, false},
	{"stark", "", 1 * time.Second, 3 * time.Second, 1, false, false},
	{"wayne", "rfc3834", 8 * time.Second, 30 * time.Second, 0, false, false},
}

func simConfig(t *testing.T) sim.Config {
	return simtest.Parse(t, simConfigText(t)+emailCompaniesYAML())
}

// simConfigText is the head of the email simulator's config: its mailbox, a truth log
// of the test's, the seed; the companies follow.
func simConfigText(t testing.TB) string {
	return fmt.Sprintf("mailboxes:\n  - {address: %s, password: %s}\ntruth_log: %s\nseed: 7\ncompanies:\n",
		shopper, mbPassword, filepath.Join(t.TempDir(), "truth.jsonl"))
}

// emailCompaniesYAML lists the email companies, as entries of a simulator's companies.
func emailCompaniesYAML() string {
	var b strings.Builder
	for _, c := range companies {
		fmt.Fprintf(&b, "  - id: %s\n    name: %s Inc\n    address: support@%s.test\n    agent_name: Maria\n", c.id, c.id, c.id)
		if c.ack != "" {
			fmt.Fprintf(&b, "    ack: {enabled: true, delay: 1s, style: %s, ticket_prefix: T}\n", c.ack)
		}
		if c.oof {
			b.WriteString("    out_of_office: true\n    ack: {delay: 1s}\n")
		} else {
			fmt.Fprintf(&b, "    reply: {median: %s, p90: %s}\n    no_reply_rate: %g\n", c.median, c.p90, c.noReply)
		}
		if c.subjectOnly {
			b.WriteString("    threading: subject_only\n")
		}
	}
	return b.String()
}

// campaignFor is a campaign that probes every simulated company perTarget times by
// email within a window of window, from now.
func campaignFor(t *testing.T, s *sim.Sim, perTarget int, window time.Duration, extraTargets ...string) *campaign.Campaign {
	t.Helper()
	ids := extraTargets
	if len(ids) == 0 {
		for _, c := range companies {
			ids = append(ids, c.id)
		}
	}
	camp, err := campaign.Parse("e2e.yaml", []byte(emailCampaign(t, s, "e2e", perTarget, window, ids)))
	if err != nil {
		t.Fatalf("campaign: %v", err)
	}
	return camp
}

// emailCampaign returns the text of campaign id, which probes each of targets
// perTarget times by email within window, from now, from the simulator's mailbox (its
// password in a file of the test's).
func emailCampaign(t *testing.T, s *sim.Sim, id string, perTarget int, window time.Duration, targets []string) string {
	t.Helper()
	return emailCampaignAt(t, s.SMTPAddr().(*net.TCPAddr).Port, s.IMAPAddr().(*net.TCPAddr).Port, id, time.Now(), perTarget, window, "", targets)
}

// emailCampaignAt is emailCampaign for a simulator on the given SMTP and IMAP ports,
// starting at start, with extra campaign fields (YAML lines) added.
func emailCampaignAt(t testing.TB, smtpPort, imapPort int, id string, start time.Time, perTarget int, window time.Duration, extra string, targets []string) string {
	t.Helper()
	pwFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pwFile, []byte(mbPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `id: %s
name: End to end
schedule: {start: %s, window: %s, probes_per_target: {email: %d}}
deadlines: {email: %s}
%smailboxes:
  - id: mb
    address: %s
    smtp: {host: 127.0.0.1, port: %d, tls: none, password_file: %s}
    imap: {host: 127.0.0.1, port: %d, tls: none, password_file: %s}
scenarios:
  - id: order
    subject: Where is my order?
    message: Hello, my order has not arrived yet. Could you check it?
    persona: {name: Jane Doe}
targets:
`, id, start.UTC().Format(time.RFC3339), window, perTarget, deadline, extra, shopper,
		smtpPort, pwFile, imapPort, pwFile)
	for _, id := range targets {
		fmt.Fprintf(&b, "  - {id: %s, name: %s, industry: retail, timezone: UTC, channels: {email: {address: support@%s.test, mailbox: mb}}}\n", id, id, id)
	}
	return b.String()
}

// runEmailCampaign launches perTarget probes per company and runs a worker until every
// probe has its result; it returns the results and the simulator's truth.
func runEmailCampaign(t *testing.T, perTarget int, poll time.Duration, idle bool, targets ...string) ([]result.Result, []sim.TruthRecord) {
	t.Helper()
	return onSim{
		sim:      simConfig(t),
		worker:   workers.Config{Email: &workers.EmailConfig{PollInterval: poll, NoIdle: !idle, Scan: time.Second}},
		campaign: func(s *sim.Sim) *campaign.Campaign { return campaignFor(t, s, perTarget, 20*time.Second, targets...) },
		limit:    20*time.Second + deadline + poll + 60*time.Second,
	}.run(t)
}

// checkAgainstTruth compares each probe's outcome and latencies with what the
// simulator intended.
func checkAgainstTruth(t *testing.T, rs []result.Result, truth []sim.TruthRecord) {
	t.Helper()
	byToken := map[string][]sim.TruthRecord{}
	for _, tr := range truth {
		byToken[tr.Token] = append(byToken[tr.Token], tr)
	}
	var worst, worstFirst float64
	for _, r := range rs {
		recs := byToken[email.Token(r.ProbeID)]
		received := 0
		for _, rec := range recs {
			if rec.Kind == sim.KindReceived {
				received++
			}
		}
		if received != 1 {
			t.Errorf("%s: the company received the probe's message %d times, want once", r.ProbeID, received)
		}
		want, human, first := expected(recs)
		if r.Outcome != want {
			t.Errorf("%s: outcome %s (reason %q, evidence %s), want %s (truth %+v)", r.ProbeID, r.Outcome, r.Reason, r.Evidence, want, recs)
			continue
		}
		if want == result.NoResponse {
			continue
		}
		// Every reply counts: the first response is the earliest reply of any kind,
		// never negative, to INTERNALDATE's resolution.
		if r.FirstResponseS == nil {
			t.Errorf("%s: %s without a first response time", r.ProbeID, r.Outcome)
			continue
		}
		fdiff := math.Abs(*r.FirstResponseS - first.Seconds())
		worstFirst = max(worstFirst, fdiff)
		if fdiff > 1 || *r.FirstResponseS < 0 {
			t.Errorf("%s: first response %.3f s, truth %.3f s: off by %.3f s (want 0 to 1 s)", r.ProbeID, *r.FirstResponseS, first.Seconds(), fdiff)
		}
		if want != result.Answered {
			continue
		}
		if r.HumanResponseS == nil {
			t.Errorf("%s: answered without a human response time", r.ProbeID)
			continue
		}
		diff := math.Abs(*r.HumanResponseS - human.Seconds())
		worst = max(worst, diff)
		if diff > 1 {
			t.Errorf("%s: human response %.3f s, truth %.3f s: off by %.3f s (want ≤ 1 s)", r.ProbeID, *r.HumanResponseS, human.Seconds(), diff)
		}
	}
	t.Logf("%d probes; worst human response error %.3f s, worst first response error %.3f s", len(rs), worst, worstFirst)
}

// expected is the outcome the truth implies, the human latency when answered, and the
// first response's latency when there is one.
func expected(recs []sim.TruthRecord) (o result.Outcome, human, first time.Duration) {
	var sent time.Time
	first = -1
	for _, r := range recs {
		if r.Kind == sim.KindReceived {
			sent = r.SentAtProbe
		}
	}
	o, human = result.NoResponse, -1
	for _, r := range recs {
		d := r.IntendedAt.Sub(sent)
		switch {
		case r.Kind != sim.KindHuman && r.Kind != sim.KindAck && r.Kind != sim.KindOOF, d > deadline:
			continue
		case r.Kind == sim.KindHuman && (human < 0 || d < human):
			human, o = d, result.Answered
		}
		if first < 0 || d < first {
			first = d
		}
		if o == result.NoResponse {
			o = result.AutoOnly
		}
	}
	return o, max(human, 0), max(first, 0)
}

// 200 probes against the simulator with the poll interval at 30 s, IMAP IDLE off and on:
// every outcome matches the truth and every human response time is within 1 s of it.
func TestEmailAccuracy(t *testing.T) {
	for _, idle := range []bool{false, true} {
		t.Run(fmt.Sprintf("idle=%v", idle), func(t *testing.T) {
			t.Parallel()
			rs, truth := runEmailCampaign(t, 25, 30*time.Second, idle)
			if len(rs) != 200 {
				t.Fatalf("%d results, want 200", len(rs))
			}
			checkAgainstTruth(t, rs, truth)
		})
	}
}

// A support address the mail server refuses (550) ends the probe as failed with reason
// smtp_rejected: a finding about our probe, never scored against the company.
func TestEmailRejected(t *testing.T) {
	t.Parallel()
	rs, _ := runEmailCampaign(t, 2, time.Second, true, "nosuchcompany")
	if len(rs) != 2 {
		t.Fatalf("%d results, want 2", len(rs))
	}
	for _, r := range rs {
		if r.Outcome != result.Failed || r.Reason != result.ReasonSMTPRejected || r.HumanResponseS != nil || r.FirstResponseS != nil {
			t.Errorf("%s = %s/%s (first %v, human %v), want failed/smtp_rejected without latencies", r.ProbeID, r.Outcome, r.Reason, r.FirstResponseS, r.HumanResponseS)
		}
	}
}
