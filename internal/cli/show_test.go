package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/probes/chat"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// evidenceDB returns a store file with a failed chat probe (steps, transcript and a
// screenshot in its evidence) and an answered email probe (its replies), as the probes
// record them.
func evidenceDB(t *testing.T) (path string, jpeg []byte) {
	t.Helper()
	t0 := time.Date(2026, 12, 1, 9, 30, 1, 0, time.UTC)
	jpeg = []byte("\xff\xd8\xff\xe0 not really a jpeg")
	rep := &chat.Report{URL: "http://127.0.0.1:8080/c/acme/", Profile: "sim-iframe", Outcome: result.Failed,
		Reason: result.ReasonSendFailed, Error: "send: the message did not show", T0: t0, T0Source: "network",
		Steps: []chat.Step{{Name: "page", Start: t0.Add(-time.Second), End: t0.Add(-900 * time.Millisecond)},
			{Name: "send", Start: t0.Add(-100 * time.Millisecond), End: t0, Error: "the message did not show"}},
		Messages:   []chat.Message{{Seq: 1, Author: chat.AuthorBot, Text: "Hi! How can we help?", DOMAt: t0.Add(-500 * time.Millisecond)}},
		Screenshot: jpeg}
	p := &email.Pending{ProbeID: "r1/acme/email/0001", Run: "r1", Campaign: "c", Target: "acme", Industry: "retail",
		Scenario: "refund", MessageID: "<stk-abc@probe.test>", PlannedAt: t0, StartedAt: t0, T0: t0,
		Replies: []email.Seen{{ID: "<ack-1@acme.test>", At: t0.Add(2 * time.Second), Kind: email.KindTicketAck, Ticket: "ACME-00042"},
			{ID: "<human-1@acme.test>", At: t0.Add(95 * time.Second), Kind: email.KindHuman}},
		Outcome: result.Answered}
	p.First, p.Human = &p.Replies[0], &p.Replies[1]
	mail := p.Result()
	mail.FinishedAt, mail.DurationS = t0.Add(95*time.Second), 95
	rs := []result.Result{
		{ProbeID: "r1/acme/chat/0001", Run: "r1", Campaign: "c", Target: "acme", Industry: "retail", Channel: "chat",
			Scenario: "refund", PlannedAt: t0.Add(-2 * time.Second), StartedAt: t0.Add(-time.Second), FinishedAt: t0.Add(time.Second),
			Outcome: result.Failed, Reason: result.ReasonSendFailed, DurationS: 2, Evidence: rep.Evidence()},
		mail,
	}
	path = filepath.Join(t.TempDir(), "results.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The worker keeps the screenshot in the store and its reference in the evidence.
	ref, err := st.PutEvidence(context.Background(), "image/jpeg", jpeg)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(rs[0].Evidence, &ev); err != nil {
		t.Fatal(err)
	}
	ev["screenshot"] = ref
	if rs[0].Evidence, err = json.Marshal(ev); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if _, err := st.Upsert(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	return path, jpeg
}

func TestResultsShowChat(t *testing.T) {
	t.Parallel()
	db, jpeg := evidenceDB(t)
	shot := filepath.Join(t.TempDir(), "shot.jpg")
	got := stakeout(t, "results", "show", "r1/acme/chat/0001", "--db", db, "--screenshot", shot)
	if got.Code != 0 || got.Stderr != "" {
		t.Fatalf("stakeout results show = exit %d, stderr %q", got.Code, got.Stderr)
	}
	for _, want := range []string{
		"probe:           r1/acme/chat/0001\n",
		"run:             r1 (campaign c)\n",
		"outcome:         failed/send_failed\n",
		"chat: http://127.0.0.1:8080/c/acme/ with profile sim-iframe\n",
		"  09:30:00.000 step page           0.100s  ok\n",
		"  09:30:00.900 step send           0.100s  FAILED: the message did not show\n",
		"error:           send: the message did not show\n",
		`  -0.500s dom     bot      "Hi! How can we help?"` + "\n",
		"screenshot: " + shot + "\n",
	} {
		if !strings.Contains(got.Stdout, want) {
			t.Errorf("results show output lacks %q:\n%s", want, got.Stdout)
		}
	}
	b, err := os.ReadFile(shot)
	if err != nil || !bytes.Equal(b, jpeg) {
		t.Errorf("screenshot file = %q, %v; want the probe's screenshot", b, err)
	}
	// Without --screenshot it says there is one.
	got = stakeout(t, "results", "show", "r1/acme/chat/0001", "--db", db)
	if !strings.Contains(got.Stdout, "\nscreenshot: 1 KiB (save it with --screenshot FILE)\n") {
		t.Errorf("results show without --screenshot does not mention the screenshot:\n%s", got.Stdout)
	}
}

func TestResultsShowEmail(t *testing.T) {
	t.Parallel()
	db, _ := evidenceDB(t)
	got := stakeout(t, "results", "show", "r1/acme/email/0001", "--db", db)
	want := `probe:           r1/acme/email/0001
run:             r1 (campaign c)
target:          acme (industry retail), channel email, scenario refund
planned:         2026-12-01 09:30:01.000Z
started:         2026-12-01 09:30:01.000Z
finished:        2026-12-01 09:31:36.000Z (ran 95.000s)
outcome:         answered
first response:  2.000s
human response:  95.000s

email: message <stk-abc@probe.test>
t0:              2026-12-01 09:30:01.000Z (smtp DATA accepted)

replies (time from t0, as the mail server received them):
     +2.000s ticket_ack    <ack-1@acme.test> (ticket ACME-00042)
    +95.000s human         <human-1@acme.test>
`
	if diff := cmp.Diff(outcome{Stdout: want}, got); diff != "" {
		t.Errorf("stakeout results show (-want +got):\n%s", diff)
	}
	// An email probe has no screenshot; an unknown probe is an error.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"r1/acme/email/0001", "--screenshot", filepath.Join(t.TempDir(), "x.jpg")},
			"stakeout: probe r1/acme/email/0001 has no screenshot (chat probes keep one when they fail)\n"},
		{[]string{"r1/nope/chat/0001"},
			`stakeout: no result of probe "r1/nope/chat/0001" in ` + db + " (stakeout results export --run RUN lists a run's probes)\n"},
	} {
		got := stakeout(t, append([]string{"results", "show", "--db", db}, tc.args...)...)
		if got.Code != 1 || !strings.HasSuffix(got.Stderr, tc.want) {
			t.Errorf("stakeout results show %s = exit %d, stderr %q; want exit 1, %q", strings.Join(tc.args, " "), got.Code, got.Stderr, tc.want)
		}
	}
}

func TestResultsRuns(t *testing.T) {
	t.Parallel()
	db := resultsDB(t)
	want := `RUN  CAMPAIGN  FIRST RESULT          LAST RESULT           RESULTS  answered  auto_only  no_response  failed
r1   c         2026-12-01 09:35:00Z  2026-12-01 11:30:00Z  2        1         0          0            1
r2   c         2027-01-01 09:50:00Z  2027-01-01 09:50:00Z  1        0         1          0            0
`
	for _, args := range [][]string{{"results", "runs", "--db", db}, {"runs", "--db", db}} {
		if diff := cmp.Diff(outcome{Stdout: want}, stakeout(t, args...)); diff != "" {
			t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(args, " "), diff)
		}
	}
}
