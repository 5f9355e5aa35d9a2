package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/pgtest"
	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/sim"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/probes/chat"
	"github.com/stakeoutcx/stakeout/probes/chat/browser/browsertest"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// Fleet campaigns: the email companies probed fleetEmail times each and the chat
// companies fleetChat times each, within fleetWindow, at least fleetGap apart per target.
const (
	fleetEmail  = 25
	fleetChat   = 6
	fleetWindow = 100 * time.Second
	fleetGap    = 2 * time.Second
	// fleetHorizon is the schedulers' rolling horizon: the runs are topped up as they go.
	fleetHorizon = 30 * time.Second
)

var (
	simLine     = regexp.MustCompile(`^simulator: \d+ companies; SMTP on 127\.0\.0\.1:(\d+), IMAP on 127\.0\.0\.1:(\d+);`)
	chatURLLine = regexp.MustCompile(`^  (\S+) \(\w+\): (http://\S+)$`)
	launchedRe  = regexp.MustCompile(`msg="run launched" run=(\S+) .* later=(\d+)`)
	toppedUpRe  = regexp.MustCompile(`msg="run topped up" run=(\S+) enqueued=(\d+)`)
)

// fleetSim runs the simulator of the email and the chat companies (chat ids prefixed
// "chat-") as a process; it returns it, its SMTP and IMAP ports, the chat pages by
// company and the truth log's path.
func fleetSim(t testing.TB) (p *proc, smtpPort, imapPort int, urls map[string]string, truthLog string) {
	t.Helper()
	head := simConfigText(t)
	cfg := head + emailCompaniesYAML() + chatCompaniesYAML("chat-")
	file := filepath.Join(t.TempDir(), "sim.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	truthLog = regexp.MustCompile(`truth_log: (\S+)`).FindStringSubmatch(head)[1]
	p = startProc(t, "sim", "--log-format", "text", "sim", file)
	i, m := p.waitLine(simLine, 0, time.Minute)
	smtpPort, _ = strconv.Atoi(m[1])
	imapPort, _ = strconv.Atoi(m[2])
	urls = map[string]string{}
	for len(urls) < len(chatCompanies) {
		j, m := p.waitLine(chatURLLine, i+1, time.Minute)
		urls[m[1]], i = m[2], j
	}
	return p, smtpPort, imapPort, urls, truthLog
}

// waitStored polls the store until runs hold want results in all, up to limit, and
// returns the count.
func waitStored(t testing.TB, st store.Store, runs []string, want int, limit time.Duration) int {
	t.Helper()
	end := time.Now().Add(limit)
	for {
		n := 0
		for _, run := range runs {
			counts, err := st.Counts(context.Background(), run)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range counts {
				n += c
			}
		}
		if n >= want {
			return n
		}
		if time.Now().After(end) {
			t.Fatalf("after %s the store holds %d of %d results", limit, n, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkPacing checks that no target received two probes less than gap apart, at the
// simulator's clock (an email's DATA accepted, a chat conversation opened), less tol
// for the way from the probe's pacing slot to the target.
func checkPacing(t *testing.T, truth []sim.TruthRecord, gap, tol time.Duration) {
	t.Helper()
	by := map[string][]time.Time{}
	for _, r := range truth {
		switch r.Kind {
		case sim.KindReceived: // the message's DATA was accepted
			by[r.Company] = append(by[r.Company], r.SentAtProbe)
		case sim.KindChatOpened: // the widget's conversation opened
			by[r.Company] = append(by[r.Company], r.At)
		}
	}
	worst := time.Duration(1 << 62)
	for company, ts := range by {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		for i := 1; i < len(ts); i++ {
			d := ts[i].Sub(ts[i-1])
			worst = min(worst, d)
			if d < gap-tol {
				t.Errorf("%s received two probes %v apart (at %s and %s), min_gap is %v", company, d, ts[i-1].Format(time.StampMilli), ts[i].Format(time.StampMilli), gap)
			}
		}
	}
	t.Logf("pacing: the closest two probes of one target were %v apart (min_gap %v)", worst, gap)
}

// checkChatOutcomes checks that each chat result matches one conversation of the
// truth, with the outcome the truth says, and that the simulator saw no other
// conversation: every chat probe reached its target exactly once.
func checkChatOutcomes(t *testing.T, rs []result.Result, truth []sim.TruthRecord) {
	t.Helper()
	convs := conversations(truth)
	for _, r := range rs {
		var ev chat.Report
		if err := json.Unmarshal(r.Evidence, &ev); err != nil {
			t.Errorf("%s: evidence: %v", r.ProbeID, err)
			continue
		}
		c := matchReport(convs, r.Target, &ev)
		if c == nil {
			t.Errorf("%s (%s/%s): no conversation of %s in the truth log near t0 %s", r.ProbeID, r.Outcome, r.Reason, r.Target, ev.T0.Format(time.StampMilli))
			continue
		}
		c.seen = true
		if outcome, reason := c.expect(); r.Outcome != outcome || r.Reason != reason {
			t.Errorf("%s: outcome %s/%s, truth says %s/%s", r.ProbeID, r.Outcome, r.Reason, outcome, reason)
		}
	}
	for id, c := range convs {
		if !c.seen && !c.received.IsZero() {
			t.Errorf("conversation %s with %s (received %s) has no result: a probe reached its target twice", id, c.company, c.received.Format(time.StampMilli))
		}
	}
}

// A fleet of separate processes: the simulator, Redis, PostgreSQL, two schedulers
// with a rolling horizon, one chat worker and two email workers, against a few hundred
// probes over both channels. Mid-run an email worker is killed with SIGKILL and a
// scheduler is restarted. Every probe ends exactly once, with the outcome the
// simulator's truth says, and no target is probed faster than its min_gap.
func TestFleet(t *testing.T) {
	redis := redistest.Start(t)
	dsn := pgtest.DB(t, pgtest.Start(t))
	_, smtpPort, imapPort, urls, truthLog := fleetSim(t)

	// The windows open in 15 s, when the fleet is up: the schedulers launch the runs.
	start := time.Now().Add(15 * time.Second).Truncate(time.Second)
	dir := t.TempDir()
	pacing := "pacing: {max_in_flight: 1, min_gap: " + fleetGap.String() + "}\n"
	emailIDs := make([]string, 0, len(companies))
	for _, c := range companies {
		emailIDs = append(emailIDs, c.id)
	}
	files := map[string]string{
		"email.yaml": emailCampaignAt(t, smtpPort, imapPort, "fleet-email", start, fleetEmail, fleetWindow, pacing, emailIDs),
		"chat.yaml":  chatCampaignAt("fleet-chat", "chat-", func(id string) string { return urls[id] }, start, fleetChat, fleetWindow, "pacing: {max_in_flight: 4, min_gap: "+fleetGap.String()+"}\n"),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	common := []string{"--log-format", "text", "--redis-url", redis.URL(0), "--db", dsn, "--metrics-addr="}
	sched := func(name string, extra ...string) *proc {
		return startProc(t, name, append(append([]string{"scheduler", "--campaigns", dir, "--interval", "1s", "--horizon", fleetHorizon.String()}, common...), extra...)...)
	}
	s1 := sched("scheduler-1")
	s2 := sched("scheduler-2", "--no-queue-metrics")
	worker := func(name string, extra ...string) *proc {
		return startProc(t, name, append(append([]string{"worker", "--secrets-dir", os.TempDir(), "--concurrency", "20"}, common...), extra...)...)
	}
	worker("worker-chat", "--queues", "chat=1", "--no-email", "--no-results", "--no-scoring", "--no-alerts",
		"--chromium", browsertest.HeadlessShell(t), "--chat-max-concurrent", "10")
	e1 := worker("worker-email-1", "--queues", "email=4,results=2,scoring=1,alerts=1", "--no-chat", "--mail-poll-interval", "1s")
	worker("worker-email-2", "--queues", "email=4,results=2,scoring=1,alerts=1", "--no-chat", "--mail-poll-interval", "1s")

	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	emailRun := "fleet-email-" + start.UTC().Format("20060102T1504Z")
	chatRun := "fleet-chat-" + start.UTC().Format("20060102T1504Z")
	runs := []string{emailRun, chatRun}
	total := len(companies)*fleetEmail + len(chatCompanies)*fleetChat

	// A quarter in, an email worker dies; a scheduler restarts once a run was topped up.
	waitStored(t, st, runs, total/4, fleetWindow+time.Minute)
	e1.kill()
	t.Logf("worker-email-1 killed with SIGKILL")
	waitFor(t, "a run topped up", fleetWindow, func() bool { return s1.count(toppedUpRe)+s2.count(toppedUpRe) > 0 })
	s1.restart()
	t.Logf("scheduler-1 restarted")

	waitStored(t, st, runs, total, fleetWindow+deadline+3*time.Minute)
	var emailRs, chatRs []result.Result
	for _, run := range runs {
		err := st.Each(context.Background(), run, func(r result.Result) error {
			if r.Channel == "chat" {
				chatRs = append(chatRs, r)
			} else {
				emailRs = append(emailRs, r)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(emailRs) != len(companies)*fleetEmail || len(chatRs) != len(chatCompanies)*fleetChat {
		t.Fatalf("results: %d email, %d chat; want %d and %d", len(emailRs), len(chatRs), len(companies)*fleetEmail, len(chatCompanies)*fleetChat)
	}
	truth := readTruthFile(t, truthLog)
	for _, r := range append(emailRs, chatRs...) {
		if r.Outcome == result.Failed {
			t.Errorf("%s failed: %s %s", r.ProbeID, r.Reason, r.Evidence)
		}
	}
	checkAgainstTruth(t, emailRs, truth) // each company received each message once
	tokens := map[string]bool{}
	for _, r := range emailRs {
		tokens[email.Token(r.ProbeID)] = true
	}
	for _, r := range truth {
		if r.Kind == sim.KindReceived && !tokens[r.Token] {
			t.Errorf("%s received a message of no probe (token %q)", r.Company, r.Token)
		}
	}
	checkChatOutcomes(t, chatRs, truth)
	checkPacing(t, truth, fleetGap, 250*time.Millisecond)

	// The schedulers launched each run once, with a horizon, and topped them up.
	launched := map[string]int{}
	for _, s := range []*proc{s1, s2} {
		for i := 0; ; {
			j, m := s.waitLineOr(launchedRe, i)
			if j < 0 {
				break
			}
			launched[m[1]]++
			if m[2] == "0" {
				t.Errorf("run %s launched with nothing beyond the %v horizon", m[1], fleetHorizon)
			}
			i = j + 1
		}
	}
	if launched[emailRun] != 1 || launched[chatRun] != 1 {
		t.Errorf("runs launched: %v, want each of %v once", launched, runs)
	}
	t.Logf("%d email and %d chat probes; top-ups: %d", len(emailRs), len(chatRs), s1.count(toppedUpRe)+s2.count(toppedUpRe))
}
