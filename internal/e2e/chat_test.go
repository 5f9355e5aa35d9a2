package e2e

import (
	"encoding/json"
	"fmt"
	"github.com/stakeoutcx/stakeout/internal/simtest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/sim"
	"github.com/stakeoutcx/stakeout/probes/chat"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
	"github.com/stakeoutcx/stakeout/probes/chat/browser/browsertest"
	"github.com/stakeoutcx/stakeout/workers"
)

// chatDeadline is the abandon timeout of the chat campaign.
const chatDeadline = 20 * time.Second

// chatCompanies of the simulator: id, widget style, ack, median and p90 of
// the first agent answer, no-reply rate, offline.
var chatCompanies = []struct {
	id, style   string
	ack         bool
	median, p90 time.Duration
	noReply     float64
	offline     bool
}{
	{"acme", "iframe", true, 2 * time.Second, 4 * time.Second, 0, false},
	{"globex", "inline", true, 1500 * time.Millisecond, 3 * time.Second, 0.2, false},
	{"initech", "iframe", false, 3 * time.Second, 5 * time.Second, 0, false},
	{"umbrella", "inline", false, 1 * time.Second, 2 * time.Second, 0, false},
	{"hooli", "iframe", true, 0, 0, 1, false},
	{"vandelay", "inline", true, 4 * time.Second, 6 * time.Second, 0.3, false},
	{"stark", "iframe", false, 0, 0, 0, true},
	{"wayne", "inline", true, 2 * time.Second, 3 * time.Second, 0, false},
	{"cyberdyne", "iframe", true, 1 * time.Second, 3 * time.Second, 0.1, false},
	{"tyrell", "inline", false, 0, 0, 0, true},
}

// chatSimConfig is a simulator of the chat companies.
func chatSimConfig(t *testing.T) sim.Config {
	head := fmt.Sprintf("truth_log: %s\nseed: 11\ncompanies:\n", filepath.Join(t.TempDir(), "truth.jsonl"))
	return simtest.Parse(t, head+chatCompaniesYAML(""))
}

// chatCompaniesYAML lists the chat companies, their ids prefixed with prefix, as
// entries of a simulator's companies.
func chatCompaniesYAML(prefix string) string {
	var b strings.Builder
	for _, c := range chatCompanies {
		fmt.Fprintf(&b, "  - id: %s%s\n    name: %s Inc\n    chat:\n      style: %s\n      agent_name: Maria\n", prefix, c.id, c.id, c.style)
		switch {
		case c.offline:
			b.WriteString("      offline: true\n")
		case c.noReply == 1:
			b.WriteString("      no_reply_rate: 1\n")
		default:
			fmt.Fprintf(&b, "      reply: {median: %s, p90: %s}\n      no_reply_rate: %g\n", c.median, c.p90, c.noReply)
		}
		if c.ack {
			b.WriteString("      ack: {enabled: true, delay: 700ms}\n")
		}
	}
	return b.String()
}

// chatCampaign probes every chat company perTarget times within window.
func chatCampaign(t *testing.T, s *sim.Sim, perTarget int, window time.Duration) *campaign.Campaign {
	t.Helper()
	url := func(id string) string { u, _ := s.ChatURL(id); return u }
	camp, err := campaign.Parse("e2e-chat.yaml", []byte(chatCampaignAt("e2e-chat", "", url, time.Now(), perTarget, window, "pacing: {max_in_flight: 4}\n")))
	if err != nil {
		t.Fatalf("campaign: %v", err)
	}
	return camp
}

// chatCampaignAt is the text of campaign id probing every chat company (its id
// prefixed with prefix, its page at url(id)) perTarget times within window from start,
// with extra campaign fields (YAML lines).
func chatCampaignAt(id, prefix string, url func(string) string, start time.Time, perTarget int, window time.Duration, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `id: %s
name: Chat end to end
schedule: {start: %s, window: %s, probes_per_target: {chat: %d}}
%sdeadlines: {chat: %s}
scenarios:
  - id: delivery
    message: Hello, do you deliver to Norway, and how long does it take?
    persona: {name: Jane Doe, email: jane.doe@example.com}
targets:
`, id, start.UTC().Format(time.RFC3339), window, perTarget, extra, chatDeadline)
	for _, c := range chatCompanies {
		fmt.Fprintf(&b, "  - {id: %s%s, name: %s, industry: retail, timezone: UTC, channels: {chat: {url: %q, profile: sim-%s}}}\n", prefix, c.id, c.id, url(prefix+c.id), c.style)
	}
	return b.String()
}

// runChatCampaign launches perTarget chat probes per company, within a
// minute and a half, with a worker holding up to 10 conversations at once.
func runChatCampaign(t *testing.T, perTarget int) ([]result.Result, []sim.TruthRecord) {
	t.Helper()
	window := 90 * time.Second
	return onSim{
		sim:      chatSimConfig(t),
		worker:   workers.Config{Concurrency: 40, Chat: &workers.ChatConfig{Browser: browser.Options{ExecPath: browsertest.HeadlessShell(t), MaxConcurrent: 10}}},
		campaign: func(s *sim.Sim) *campaign.Campaign { return chatCampaign(t, s, perTarget, window) },
		limit:    window + time.Duration(perTarget)*(chatDeadline+5*time.Second),
	}.run(t)
}

// chatTruth is what the simulator did in one conversation.
type chatTruth struct {
	company       string
	received      time.Time // our first message arrived
	first, human  time.Time // first answer (bot or agent) and first agent answer went out
	offline, seen bool
}

// conversations groups the truth by conversation.
func conversations(truth []sim.TruthRecord) map[string]*chatTruth {
	out := map[string]*chatTruth{}
	get := func(r sim.TruthRecord) *chatTruth {
		c, ok := out[r.Conversation]
		if !ok {
			c = &chatTruth{company: r.Company}
			out[r.Conversation] = c
		}
		return c
	}
	for _, r := range truth {
		switch r.Kind {
		case sim.KindChatReceived:
			if c := get(r); c.received.IsZero() {
				c.received = r.At
			}
		case sim.KindChatNoReply:
			get(r).offline = r.Reason == sim.ReasonOffline
		case sim.KindChatMessage:
			c := get(r)
			if r.Greeting || r.Author == sim.AuthorSystem {
				continue
			}
			if c.first.IsZero() {
				c.first = r.DeliveredAt
			}
			if r.Author == sim.AuthorAgent && c.human.IsZero() {
				c.human = r.DeliveredAt
			}
		}
	}
	return out
}

// conversationID finds the simulator's conversation id in an agent's text.
var conversationID = regexp.MustCompile(`\(conversation (c-\d+)`)

// matchReport finds the conversation of a report: by the conversation id an
// agent's message quotes, else by match.
func matchReport(convs map[string]*chatTruth, company string, rep *chat.Report) *chatTruth {
	for _, m := range rep.Messages {
		if id := conversationID.FindStringSubmatch(m.Text); id != nil {
			if c, ok := convs[id[1]]; ok && c.company == company && !c.seen {
				return c
			}
		}
	}
	return match(convs, company, rep.T0)
}

// match finds the conversation of a probe: same company, our first message
// received within 500 ms of the probe's t0.
func match(convs map[string]*chatTruth, company string, t0 time.Time) *chatTruth {
	var best *chatTruth
	for _, c := range convs {
		if c.company != company || c.seen || c.received.IsZero() {
			continue
		}
		if d := c.received.Sub(t0).Abs(); d < 500*time.Millisecond && (best == nil || d < best.received.Sub(t0).Abs()) {
			best = c
		}
	}
	return best
}

// expect is the outcome the truth implies for a conversation.
func (c *chatTruth) expect() (result.Outcome, string) {
	switch {
	case c.offline:
		return result.NoResponse, result.ReasonOffline
	case !c.human.IsZero() && c.human.Sub(c.received) < chatDeadline:
		return result.Answered, ""
	case !c.first.IsZero() && c.first.Sub(c.received) < chatDeadline:
		return result.AutoOnly, result.ReasonDeadline
	}
	return result.NoResponse, result.ReasonDeadline
}

// 100 conversations against the simulator's two widget styles, through the
// scheduler, a worker and the store: every outcome matches the truth, and
// every first and human response is within 100 ms of it.
func TestChatAccuracy(t *testing.T) {
	rs, truth := runChatCampaign(t, 10)
	if len(rs) != 100 {
		t.Fatalf("%d results, want 100", len(rs))
	}
	convs := conversations(truth)
	var worstFirst, worstHuman time.Duration
	sources := map[string]int{}
	for _, r := range rs {
		var ev chat.Report
		if err := json.Unmarshal(r.Evidence, &ev); err != nil {
			t.Fatalf("%s: evidence: %v", r.ProbeID, err)
		}
		c := matchReport(convs, r.Target, &ev)
		if c == nil {
			t.Errorf("%s (%s/%s): no conversation of %s in the truth log near t0 %s", r.ProbeID, r.Outcome, r.Reason, r.Target, ev.T0.Format(time.StampMilli))
			continue
		}
		c.seen = true
		sources["t0 "+ev.T0Source]++
		if outcome, reason := c.expect(); r.Outcome != outcome || r.Reason != reason {
			t.Errorf("%s: outcome %s/%s, truth says %s/%s", r.ProbeID, r.Outcome, r.Reason, outcome, reason)
			continue
		}
		df := checkLatency(t, r.ProbeID+" first", r.FirstResponseS, c.first, c.received)
		dh := checkLatency(t, r.ProbeID+" human", r.HumanResponseS, c.human, c.received)
		worstFirst, worstHuman = max(worstFirst, df), max(worstHuman, dh)
		if max(df, dh) > 100*time.Millisecond {
			t.Logf("%s: truth received %s first %s human %s; evidence %s", r.ProbeID, c.received.Format(time.StampMicro),
				c.first.Format(time.StampMicro), c.human.Format(time.StampMicro), r.Evidence)
		}
	}
	t.Logf("%d conversations; worst error: first response %v, human response %v; %v", len(rs), worstFirst, worstHuman, sources)
}

// checkLatency compares a measured latency with the truth (none when at is
// zero) and returns the error.
func checkLatency(t *testing.T, what string, got *float64, at, from time.Time) time.Duration {
	t.Helper()
	if at.IsZero() || at.Sub(from) >= chatDeadline {
		if got != nil {
			t.Errorf("%s response %.3f s, truth: none", what, *got)
		}
		return 0
	}
	if got == nil {
		t.Errorf("%s response missing, truth %v", what, at.Sub(from))
		return 0
	}
	want := at.Sub(from)
	diff := (time.Duration(*got*float64(time.Second)) - want).Abs()
	if diff > 100*time.Millisecond {
		t.Errorf("%s response %.3f s, truth %.3f s: off by %v (want ≤ 100 ms)", what, *got, want.Seconds(), diff)
	}
	return diff
}
