package sim

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadExample(t *testing.T) {
	cfg, err := Load("../../examples/sim.yaml")
	if err != nil {
		t.Fatalf("Load(examples/sim.yaml): %v", err)
	}
	if len(cfg.Companies) != 5 || len(cfg.Mailboxes) != 2 {
		t.Fatalf("Load = %d companies, %d mailboxes; want 5 and 2", len(cfg.Companies), len(cfg.Mailboxes))
	}
	g := cfg.Companies[1]
	want := Company{ID: "globex", Name: "Globex", Address: "help@globex.example",
		Ack:   Ack{Enabled: true, Delay: Duration(30 * time.Second), Style: AckZendesk},
		Reply: Reply{Median: Duration(20 * time.Hour), P90: Duration(60 * time.Hour)}, NoReplyRate: 0.3,
		AgentName: "Tom", Threading: ThreadingHeaders}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("companies[1] (-want +got):\n%s", diff)
	}
	if cfg.TimeScale != 0.001 || cfg.Mailboxes[1].Username != "buyer" || cfg.Mailboxes[0].Username != "shopper@probe.test" {
		t.Errorf("Load = time_scale %v, usernames %q %q", cfg.TimeScale, cfg.Mailboxes[0].Username, cfg.Mailboxes[1].Username)
	}
}

const goodHead = `mailboxes:
  - {address: a@p.test, password: x}
companies:
`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"empty", ``, []string{"f.yaml:1: the file is empty: want a config with at least companies"}},
		{"syntax", "smtp: [", []string{"f.yaml:1: invalid YAML: did not find expected node content"}},
		{"unknown field", goodHead + "  - id: a\n    address: s@a.test\n    reply: {median: 1s}\n    colour: red\n",
			[]string{`f.yaml:7: companies[0].colour: unknown field "colour" (want one of ack, address, agent_name, answers, changes, chat, id, name, no_reply_rate, out_of_office, reply, reply_from, threading, timezone)`}},
		{"unknown top field", "smpt: {addr: x}\n" + goodHead + "  - {id: a, address: s@a.test, reply: {median: 1s}}\n",
			[]string{`f.yaml:1: smpt: unknown field "smpt" (did you mean "smtp"?)`}},
		{"bad duration", goodHead + "  - id: a\n    address: s@a.test\n    reply: {median: soon}\n",
			[]string{`f.yaml:6: companies[0].reply.median: "soon" is not a duration (want e.g. 300ms, 90s, 2h30m)`}},
		{"negative duration", goodHead + "  - {id: a, address: s@a.test, ack: {delay: -1s}, reply: {median: 1s}}\n",
			[]string{`f.yaml:4: companies[0].ack.delay: "-1s" is negative`}},
		{"wrong kinds", "seed: 1.5\ntime_scale: fast\nsmtp: [a]\n" + goodHead + "  - {id: a, address: s@a.test, out_of_office: maybe, reply: {median: [1s]}}\n", []string{
			`f.yaml:1: seed: want a whole number, got "1.5"`,
			`f.yaml:2: time_scale: want a number, got "fast"`,
			"f.yaml:3: smtp: want a mapping, got a list",
			`f.yaml:7: companies[0].out_of_office: want true or false, got "maybe"`,
			"f.yaml:7: companies[0].reply.median: want a duration, got a list",
		}},
		{"set twice", "seed: 1\nseed: 2\n" + goodHead + "  - {id: a, address: s@a.test, reply: {median: 1s}}\n",
			[]string{"f.yaml:2: seed: set twice (first on line 1)"}},
		{"alias into itself", "companies: &c [*c]\n", []string{"f.yaml:1: companies[0]: want a mapping, got a list"}},
		{"two documents", "seed: 1\n---\nseed: 2\n", []string{"f.yaml:2: a second YAML document: a simulator config holds exactly one"}},
		{"semantic", `time_scale: -1
mailboxes:
  - {address: a+x@p.test}
companies:
  - id: a
    address: not an address
    ack: {style: kayako}
    threading: smoke
    no_reply_rate: 2
  - id: a
    address: s@b.test
    reply: {median: 2s, p90: 1s}
`, []string{
			"f.yaml:1: time_scale: must be > 0, got -1",
			`f.yaml:3: mailboxes[0].address: "a+x@p.test" has a +detail: give the base address`,
			"f.yaml:3: mailboxes[0]: password or password_env is required",
			`f.yaml:6: companies[0].address: "not an address" is not a bare email address (want e.g. support@example.com)`,
			`f.yaml:7: companies[0].ack.style: "kayako" is not a style (want rfc3834, zendesk, freshdesk or none)`,
			`f.yaml:8: companies[0].threading: "smoke" is not a threading mode (want headers or subject_only)`,
			"f.yaml:9: companies[0].no_reply_rate: must be between 0 and 1, got 2",
			`f.yaml:10: companies[1].id: "a" is used by another company`,
			"f.yaml:12: companies[1].reply.p90: 1s is below the median 2s",
		}},
		{"missing", "mailboxes: []\ncompanies:\n  - id: a\n", []string{
			"f.yaml:1: mailboxes: at least one probe mailbox is required",
			"f.yaml:3: companies[0].address: is required",
			"f.yaml:3: companies[0].reply.median: must be > 0 (the company answers: no_reply_rate < 1, not out_of_office)",
		}},
		{"changes", goodHead + `  - id: a
    address: s@a.test
    reply: {median: 1s}
    changes:
      - {after_probes: 0, no_reply_rate: 1.5}
      - {after_probes: 5}
      - {after_probes: 3, reply: {median: 0s}}
`, []string{
			"f.yaml:8: companies[0].changes[0].after_probes: must be at least 1, got 0",
			"f.yaml:8: companies[0].changes[0].no_reply_rate: must be between 0 and 1, got 1.5",
			"f.yaml:9: companies[0].changes[1]: changes nothing: give reply, no_reply_rate or both",
			"f.yaml:10: companies[0].changes[2].after_probes: 3 is not after the previous change's 5: list changes in order",
			"f.yaml:10: companies[0].changes[2].reply.median: must be > 0",
		}},
		{"duplicate address", goodHead + "  - {id: a, address: S@a.test, reply: {median: 1s}}\n" +
			"  - {id: b, address: s@a.test, reply: {median: 1s}}\n",
			[]string{`f.yaml:5: companies[1].address: "s@a.test" is also companies[0].address`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.yaml))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Parse = %v, want a *ConfigError", err)
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("Parse errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewChecksConfig(t *testing.T) {
	cfg := Config{Mailboxes: []Mailbox{{Address: "a@p.test", PasswordEnv: "STAKEOUT_SIM_TEST_UNSET"}},
		Companies: []Company{{ID: "a", Address: "s@a.test", OutOfOffice: true}}}
	os.Unsetenv("STAKEOUT_SIM_TEST_UNSET")
	if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "STAKEOUT_SIM_TEST_UNSET") {
		t.Errorf("New with an unset password_env = %v, want an error naming the variable", err)
	}
	t.Setenv("STAKEOUT_SIM_TEST_UNSET", "pw")
	if _, err := New(cfg, nil); err != nil {
		t.Errorf("New = %v, want nil", err)
	}
	cfg.Companies[0].Threading = "nope"
	want := `companies[0].threading: "nope" is not a threading mode (want headers or subject_only)`
	if _, err := New(cfg, nil); err == nil || err.Error() != want {
		t.Errorf("New = %v, want %q", err, want)
	}
}

func TestChangesApplyInOrder(t *testing.T) {
	half, none := 0.5, 0.0
	co := Company{ID: "a", Reply: Reply{Median: Duration(time.Second), P90: Duration(time.Second)},
		Chat: &Chat{Reply: Reply{Median: Duration(time.Second)}},
		Changes: []Change{
			{AfterProbes: 2, Reply: &Reply{Median: Duration(10 * time.Second)}, NoReplyRate: &half},
			{AfterProbes: 4, NoReplyRate: &none},
		}}
	for _, tt := range []struct {
		n      int
		median time.Duration
		rate   float64
	}{{0, time.Second, 0}, {1, time.Second, 0}, {2, 10 * time.Second, 0.5}, {3, 10 * time.Second, 0.5}, {4, 10 * time.Second, 0}, {100, 10 * time.Second, 0}} {
		eff := co.after(tt.n)
		if eff.Reply.Median.D() != tt.median || eff.Reply.P90.D() != tt.median || eff.NoReplyRate != tt.rate ||
			eff.Chat.Reply.Median.D() != tt.median || eff.Chat.NoReplyRate != tt.rate {
			t.Errorf("after(%d) = reply %v/%v rate %v, chat %v/%v; want %v and %v", tt.n, eff.Reply.Median.D(), eff.Reply.P90.D(),
				eff.NoReplyRate, eff.Chat.Reply.Median.D(), eff.Chat.NoReplyRate, tt.median, tt.rate)
		}
	}
	if co.Reply.Median.D() != time.Second || co.Chat.Reply.Median.D() != time.Second {
		t.Error("after changed the company itself")
	}
	// Every reply after the change takes the new delay.
	if pl := decide(1, co.after(3), "k", 1); !pl.noReply && pl.humanAfter != 10*time.Second {
		t.Errorf("decide after the change: human after %v, want 10s", pl.humanAfter)
	}
}
