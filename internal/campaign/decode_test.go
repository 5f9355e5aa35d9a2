package campaign

import (
	"testing"
)

// structureCases are files with structural problems and the exact problems they give.
var structureCases = []badCase{
	{
		name: "empty file",
		src:  "",
		want: []string{"f.yaml:1: the file is empty: want a campaign with at least id, schedule and targets"},
	},
	{
		name: "only comments",
		src:  "# nothing yet\n\n",
		want: []string{"f.yaml:1: the file is empty: want a campaign with at least id, schedule and targets"},
	},
	{
		name: "null document",
		src:  "---\n~\n",
		want: []string{"f.yaml:2: the file is empty: want a campaign with at least id, schedule and targets"},
	},
	{
		name: "syntax error",
		src:  "id: demo\nschedule:\n  start: [2026\n  window: 1mo\n",
		want: []string{"f.yaml:2: invalid YAML: did not find expected ',' or ']'"},
	},
	{
		name: "tab indentation",
		src:  "id: demo\n\tname: x\n",
		want: []string{"f.yaml:2: invalid YAML: found a tab character that violates indentation"},
	},
	{
		name: "not a mapping",
		src:  "- id: demo\n",
		want: []string{"f.yaml:1: want a mapping of campaign fields (id, name, schedule, targets, ...), got a list"},
	},
	{
		name: "two documents",
		src:  okID + okSchedule + okScenario + okTargets + "---\nid: other\n",
		want: []string{"f.yaml:6: a second YAML document: a campaign file holds exactly one"},
	},
	{
		name: "unknown fields, with and without a suggestion",
		src:  okID + "nmae: Demo\nowner: me\n" + okSchedule + okScenario + okTargets,
		want: []string{
			`f.yaml:2: nmae: unknown field "nmae" (did you mean "name"?)`,
			`f.yaml:3: owner: unknown field "owner"`,
		},
	},
	{
		name: "unknown nested field",
		src: okID + okSchedule + okScenario + okMailbox + "targets:\n" +
			"  - {id: t, name: T, industry: retail, timezone: UTC, channels: {emial: {address: a@t.example}}}\n",
		want: []string{
			`f.yaml:7: targets[0].channels.emial: unknown field "emial" (did you mean "email"?)`,
			`f.yaml:7: targets[0].channels: required: at least one of chat, email`,
		},
	},
	{
		name: "literal password",
		src: okID + okSchedule + okScenario +
			"mailboxes:\n  - id: mb\n    address: mb@probes.example\n" +
			"    smtp: {host: 127.0.0.1, port: 2525, tls: none, password: hunter2}\n" +
			"    imap: {host: 127.0.0.1, port: 1143, tls: none, password_file: /run/secrets/pw}\n" + okTargets,
		want: []string{
			"f.yaml:7: mailboxes[0].smtp.password: passwords never go in a campaign file: use password_env or password_file",
			"f.yaml:7: mailboxes[0].smtp: credentials required: set password_env (an environment variable name) or password_file",
		},
	},
	{
		name: "wrong kinds",
		src: "id: demo\nname: {first: a}\n" + okSchedule + okScenario +
			"pacing: {max_in_flight: abc, min_gap: 1}\n" +
			"sla: {chat: {response_rate: high}, email: [1]}\n" +
			"deadlines: 20m\n" + "targets: t\n",
		want: []string{
			`f.yaml:2: name: want a string, got a mapping`,
			`f.yaml:5: pacing.max_in_flight: want a whole number, got "abc"`,
			`f.yaml:5: pacing.min_gap: "1" is not a duration (want e.g. 90s, 15m, 2h30m or 3d)`,
			`f.yaml:6: sla.chat.response_rate: want a number, got "high"`,
			`f.yaml:6: sla.email: want a mapping, got a list`,
			`f.yaml:7: deadlines: want a mapping, got "20m"`,
			`f.yaml:8: targets: want a list, got "t"`,
		},
	},
	{
		name: "whole number and out of range",
		src: okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 10m, probes_per_target: {chat: 1.5, email: 99999999999999999999}}\n" +
			okScenario + okTargets,
		want: []string{
			`f.yaml:2: schedule.probes_per_target.chat: want a whole number, got "1.5"`,
			`f.yaml:2: schedule.probes_per_target.email: want a whole number, got "99999999999999999999"`,
		},
	},
	{
		name: "field set twice",
		src:  okID + "id: again\n" + okSchedule + okScenario + okTargets,
		want: []string{"f.yaml:2: id: set twice (first on line 1)"},
	},
	{
		name: "scalars of their own syntax",
		src: okID + "schedule:\n  start: 2026-12-01\n  window: 10 minutes\n  probes_per_target: {chat: 1}\n  jitter: -5m\n" +
			okScenario + okTargets,
		want: []string{
			`f.yaml:3: schedule.start: want an RFC 3339 timestamp such as 2026-12-01T00:00:00Z, got "2026-12-01"`,
			`f.yaml:4: schedule.window: "10 minutes" is not a window length (want a duration such as 720h or 3d, or calendar months such as 1mo)`,
			`f.yaml:6: schedule.jitter: must not be negative, got "-5m"`,
		},
	},
	{
		name: "window too many months",
		src:  okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 13mo, probes_per_target: {chat: 1}}\n" + okScenario + okTargets,
		want: []string{`f.yaml:2: schedule.window: "13mo" is too long: at most 12mo`},
	},
	{
		name: "unknown channels",
		src: okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 10m, probes_per_target: {chat: 1, phone: 2}}\n" +
			"scenarios: [{id: s, channels: [chat, sms], message: hi, persona: {name: Jo}}]\n" +
			"sla: {fax: {response_rate: 1}}\n" + okTargets,
		want: []string{
			`f.yaml:2: schedule.probes_per_target.phone: unknown channel "phone" (want chat or email)`,
			`f.yaml:3: scenarios[0].channels[1]: unknown channel "sms" (want chat or email)`,
			`f.yaml:4: sla.fax: unknown channel "fax" (want chat or email)`,
		},
	},
	{
		name: "alias cycle",
		src:  okID + okSchedule + okScenario + okTargets + "name: &n {<<: *n}\n",
		want: []string{
			`f.yaml:6: name: want a string, got a mapping`,
		},
	},
	{
		name: "merge of a scalar",
		src:  okID + okSchedule + okScenario + "targets:\n  - {<<: 3, id: t}\n",
		want: []string{
			`f.yaml:5: targets[0]: a merge key (<<) wants a mapping or a list of mappings, got "3"`,
		},
	},
	{
		name: "key that is not a name",
		src:  okID + okSchedule + okScenario + okTargets + "[a]: 1\n",
		want: []string{`f.yaml:6: want a field name, got a list`},
	},
}

func TestParseBadStructure(t *testing.T) { runBadCases(t, structureCases) }

// TestParseManyProblems checks that one file reports every problem, each at its line.
func TestParseManyProblems(t *testing.T) {
	src := `id: Demo Campaign
schedule:
  start: 2026-12-01T00:00:00Z
  window: 1mo
  probes_per_target:
    chat: 2
  recurrence: weekly
pacing:
  max_in_flight: 0
scenarios:
  - id: s1
    message: hello
    persona: {name: Jo}
targets:
  - id: acme
    name: Acme
    industry: retail
    timezone: Mars/Olympus
    channels:
      chat:
        url: ftp://acme.example
        profile: generic
  - id: acme
    name: Acme again
    industry: retail
    timezone: UTC
    colour: red
    channels:
      chat: {url: "https://acme.example", profile: generic}
`
	want := []string{
		`f.yaml:1: id: "Demo Campaign" is not a valid id: use a-z, 0-9, "-" and "_", starting with a letter or digit`,
		`f.yaml:4: schedule.window: window 1mo is longer than the time between two weekly runs: runs would overlap`,
		`f.yaml:9: pacing.max_in_flight: must be at least 1, got 0`,
		`f.yaml:18: targets[0].timezone: unknown time zone "Mars/Olympus" (want an IANA name such as Europe/Paris)`,
		`f.yaml:21: targets[0].channels.chat.url: "ftp://acme.example" is not an http or https URL`,
		`f.yaml:23: targets[1].id: duplicate id "acme", also used by targets[0]`,
		`f.yaml:27: targets[1].colour: unknown field "colour"`,
	}
	runBadCases(t, []badCase{{name: "many problems", src: src, want: want}})
}

func TestParseMergeKeys(t *testing.T) {
	src := okID + okSchedule + okScenario + `targets:
  - &base
    id: a
    name: A
    industry: retail
    timezone: UTC
    business_hours: &office [{days: mon-fri, open: "09:00", close: "17:00"}]
    channels: {chat: {url: "https://a.example", profile: p}}
  - <<: *base
    id: b
    business_hours: *office
`
	c, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	if got := len(c.Targets); got != 2 {
		t.Fatalf("len(Targets) = %d, want 2", got)
	}
	b := c.Targets[1]
	if b.ID != "b" || b.Name != "A" || b.Channels.Chat == nil || len(b.BusinessHours) != 1 || b.BusinessHours[0].CloseMin != 17*60 {
		t.Errorf("merged target = %+v, want id b with A's name, chat and business hours", b)
	}
}
