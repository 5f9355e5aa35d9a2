package campaign

import (
	"strings"
	"testing"
)

// withTarget is a campaign whose only target is the flow mapping tgt (line 5).
func withTarget(tgt string) string {
	return okID + okSchedule + okScenario + "targets:\n  - " + tgt + "\n"
}

const long65 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

// campaignCases are files breaking semantic rules and the exact problems they give.
var campaignCases = []badCase{
	{
		name: "nothing but a name",
		src:  "name: Demo\n",
		want: []string{
			"f.yaml:1: id: required",
			"f.yaml:1: schedule.start: required: an RFC 3339 timestamp such as 2026-12-01T00:00:00Z",
			"f.yaml:1: schedule.window: required: a duration such as 720h or 3d, or calendar months such as 1mo",
			"f.yaml:1: schedule.probes_per_target: required: at least one channel with 1 or more probes, e.g. chat: 10",
			"f.yaml:1: targets: required: at least one target",
			"f.yaml:1: scenarios: required: at least one scenario",
		},
	},
	{
		name: "id too long",
		src:  "id: " + long65 + "\n" + okSchedule + okScenario + okTargets,
		want: []string{"f.yaml:1: id: too long: 65 characters, at most 64"},
	},
	{
		name: "id not a slug",
		src:  "id: -demo\n" + okSchedule + okScenario + okTargets,
		want: []string{`f.yaml:1: id: "-demo" is not a valid id: use a-z, 0-9, "-" and "_", starting with a letter or digit`},
	},
	{
		name: "window zero, negative probes, no probes",
		src:  okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 0s, probes_per_target: {chat: 0, email: -1}}\n" + okScenario + okTargets,
		want: []string{
			"f.yaml:2: schedule.window: must be positive, got 0s",
			"f.yaml:2: schedule.probes_per_target.email: must not be negative, got -1",
			"f.yaml:2: schedule.probes_per_target: required: at least one channel with 1 or more probes, e.g. chat: 10",
		},
	},
	{
		name: "unknown recurrence",
		src:  okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 10m, probes_per_target: {chat: 1}, recurrence: yearly}\n" + okScenario + okTargets,
		want: []string{`f.yaml:2: schedule.recurrence: unknown recurrence "yearly" (want none, daily, weekly, monthly or "cron: SPEC")`},
	},
	{
		name: "bad cron spec",
		src:  okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 10m, probes_per_target: {chat: 1}, recurrence: \"cron: 0 9 * *\"}\n" + okScenario + okTargets,
		want: []string{`f.yaml:2: schedule.recurrence: bad cron spec "0 9 * *": expected exactly 5 fields, found 4: [0 9 * *]`},
	},
	{
		name: "cron every under a minute",
		src:  okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 10s, probes_per_target: {chat: 1}, recurrence: \"cron: @every 30s\"}\n" + okScenario + okTargets,
		want: []string{`f.yaml:2: schedule.recurrence: bad cron spec "@every 30s": runs must be at least a minute apart (run ids have minute resolution)`},
	},
	{
		name: "cron time zone without spec",
		src:  okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 10m, probes_per_target: {chat: 1}, recurrence: \"cron: TZ=UTC\"}\n" + okScenario + okTargets,
		want: []string{`f.yaml:2: schedule.recurrence: bad cron spec "TZ=UTC": a time zone prefix wants a spec after it`},
	},
	{
		name: "window longer than the month",
		src:  okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 30d, probes_per_target: {chat: 1}, recurrence: monthly}\n" + okScenario + okTargets,
		want: []string{"f.yaml:2: schedule.window: window 720h0m0s is longer than the time between two monthly runs: runs would overlap"},
	},
	{
		name: "pacing, deadlines and sla out of range",
		src: okID + okSchedule + okScenario + okTargets +
			"pacing: {max_in_flight: -2}\ndeadlines:\n  chat: 0s\n  email: 0d\nsla: {chat: {response_rate: 1.5}, email: {response_rate: .nan}}\n",
		want: []string{
			"f.yaml:6: pacing.max_in_flight: must be at least 1, got -2",
			"f.yaml:8: deadlines.chat: must be positive, got 0s",
			"f.yaml:9: deadlines.email: must be positive, got 0s",
			"f.yaml:10: sla.chat.response_rate: must be between 0 and 1, got 1.5",
			"f.yaml:10: sla.email.response_rate: must be between 0 and 1, got NaN",
		},
	},
	{
		name: "target missing its fields",
		src:  withTarget("{id: t}"),
		want: []string{
			"f.yaml:5: targets[0].name: required",
			"f.yaml:5: targets[0].industry: required",
			"f.yaml:5: targets[0].timezone: required: an IANA time zone name such as Europe/Paris",
			"f.yaml:5: targets[0].channels: required: at least one of chat, email",
		},
	},
	{
		name: "client not an id",
		src:  withTarget(`{id: t, name: T, industry: i, client: "Acme Corp", timezone: UTC, channels: {chat: {url: "https://t.example", profile: p}}}`),
		want: []string{`f.yaml:5: targets[0].client: "Acme Corp" is not a valid id: use a-z, 0-9, "-" and "_", starting with a letter or digit`},
	},
	{
		name: "local time zone",
		src:  withTarget(`{id: t, name: T, industry: i, timezone: Local, channels: {chat: {url: "https://t.example", profile: p}}}`),
		want: []string{`f.yaml:5: targets[0].timezone: "Local" depends on the machine: use an IANA time zone name such as Europe/Paris`},
	},
	{
		name: "business hours",
		src: okID + okSchedule + okScenario + `targets:
  - id: t
    name: T
    industry: retail
    timezone: Europe/Paris
    business_hours:
      - {days: mon-fir, open: "9:00", close: "18:00"}
      - {days: sat, open: "24:00", close: "25:00"}
      - {days: sun, open: "18:00", close: "09:00"}
      - {open: "09:00"}
      - {days: "mon,wed,fri", open: "09:00", close: "24:00"}
    channels: {chat: {url: "https://t.example", profile: p}}
`,
		want: []string{
			`f.yaml:10: targets[0].business_hours[0].days: "mon-fir" is not a list of days (want e.g. mon-fri, sat, mon,wed,fri or daily)`,
			`f.yaml:10: targets[0].business_hours[0].open: want a time of day as HH:MM from 00:00 to 23:59, got "9:00"`,
			`f.yaml:11: targets[0].business_hours[1].open: want a time of day as HH:MM from 00:00 to 23:59, got "24:00"`,
			`f.yaml:11: targets[0].business_hours[1].close: want a time of day as HH:MM from 00:00 to 24:00, got "25:00"`,
			`f.yaml:12: targets[0].business_hours[2].close: close (09:00) must be after open (18:00)`,
			`f.yaml:13: targets[0].business_hours[3].days: required: e.g. mon-fri, sat, mon,wed,fri or daily`,
			`f.yaml:13: targets[0].business_hours[3].close: required: a time of day as HH:MM`,
		},
	},
	{
		name: "chat settings",
		src:  withTarget(`{id: t, name: T, industry: i, timezone: UTC, channels: {chat: {url: "t.example/help"}}}`),
		want: []string{
			`f.yaml:5: targets[0].channels.chat.url: "t.example/help" is not an http or https URL`,
			`f.yaml:5: targets[0].channels.chat.profile: required`,
		},
	},
	{
		name: "empty chat",
		src:  withTarget(`{id: t, name: T, industry: i, timezone: UTC, channels: {chat: }}`),
		want: []string{
			`f.yaml:5: targets[0].channels.chat.url: required: the page that carries the chat widget`,
			`f.yaml:5: targets[0].channels.chat.profile: required`,
		},
	},
	{
		name: "email settings",
		src: okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 10m, probes_per_target: {email: 1}}\n" +
			"scenarios: [{id: s, subject: Hi, message: hi, persona: {name: Jo}}]\n" + okMailbox + `targets:
  - {id: a, name: A, industry: i, timezone: UTC, channels: {email: {address: "Support <help@a.example>", mailbox: nope}}}
  - {id: b, name: B, industry: i, timezone: UTC, channels: {email: {address: help}}}
`,
		want: []string{
			`f.yaml:7: targets[0].channels.email.address: "Support <help@a.example>" is not an email address (want e.g. support@acme.example)`,
			`f.yaml:7: targets[0].channels.email.mailbox: no mailbox with id "nope"`,
			`f.yaml:8: targets[1].channels.email.address: "help" is not an email address (want e.g. support@acme.example)`,
			`f.yaml:8: targets[1].channels.email.mailbox: required: the id of a mailbox in mailboxes`,
		},
	},
	{
		name: "target with no probed channel",
		src: okID + okSchedule + okScenario + okMailbox + "targets:\n" + okTarget +
			"  - {id: e, name: E, industry: i, timezone: UTC, channels: {email: {address: help@e.example, mailbox: mb}}}\n",
		want: []string{`f.yaml:8: targets[1].channels: none of this target's channels (email) has probes in schedule.probes_per_target`},
	},
	{
		name: "duplicate ids",
		src: okID + okSchedule +
			"scenarios: [{id: s, message: hi, persona: {name: Jo}}, {id: s, message: ho, persona: {name: Al}}]\n" +
			strings.Replace(okMailbox, "  - {id: mb", "  - {id: mb2", 1) + strings.TrimPrefix(okMailbox, "mailboxes:\n") + strings.TrimPrefix(okMailbox, "mailboxes:\n") +
			okTargets + okTarget,
		want: []string{
			`f.yaml:3: scenarios[1].id: duplicate id "s", also used by scenarios[0]`,
			`f.yaml:7: mailboxes[2].id: duplicate id "mb", also used by mailboxes[1]`,
			`f.yaml:10: targets[1].id: duplicate id "t", also used by targets[0]`,
		},
	},
	{
		name: "scenarios",
		src: okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 10m, probes_per_target: {chat: 1, email: 1}}\n" +
			"scenarios:\n" +
			"  - {id: s, channels: [chat], persona: {name: Jo, email: jo}}\n" +
			"  - {id: e, message: hi, channels: []}\n" +
			"  - {id: Bad!, message: hi, channels: [chat], persona: {name: Al, email: al@shoppers.example}}\n" +
			okMailbox + "targets:\n" +
			"  - {id: t, name: T, industry: i, timezone: UTC, channels: {chat: {url: \"https://t.example\", profile: p}, email: {address: help@t.example, mailbox: mb}}}\n",
		want: []string{
			`f.yaml:4: scenarios[0].message: required`,
			`f.yaml:4: scenarios[0].persona.email: "jo" is not an email address (want e.g. jane@example.com)`,
			`f.yaml:5: scenarios[1].channels: empty: list channels, or leave channels out to use the scenario on every channel`,
			`f.yaml:5: scenarios[1].subject: required for a scenario used on email`,
			`f.yaml:5: scenarios[1].persona.name: required`,
			`f.yaml:6: scenarios[2].id: "Bad!" is not a valid id: use a-z, 0-9, "-" and "_", starting with a letter or digit`,
		},
	},
	{
		name: "no scenario for a probed channel",
		src: okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 10m, probes_per_target: {chat: 1, email: 1}}\n" +
			"scenarios: [{id: s, channels: [chat], message: hi, persona: {name: Jo}}]\n" + okMailbox + "targets:\n" +
			"  - {id: t, name: T, industry: i, timezone: UTC, channels: {chat: {url: \"https://t.example\", profile: p}, email: {address: help@t.example, mailbox: mb}}}\n",
		want: []string{`f.yaml:3: scenarios: no scenario is used on email, but targets are probed on email`},
	},
	{
		name: "email scenario without subject",
		src: okID + "schedule: {start: 2026-12-01T00:00:00Z, window: 10m, probes_per_target: {email: 1}}\n" + okScenario + okMailbox +
			"targets:\n  - {id: t, name: T, industry: i, timezone: UTC, channels: {email: {address: help@t.example, mailbox: mb}}}\n",
		want: []string{`f.yaml:3: scenarios[0].subject: required for a scenario used on email`},
	},
	{
		name: "mailboxes",
		src: okID + okSchedule + okScenario + `mailboxes:
  - id: mb
    address: not-an-address
    smtp:
      host: smtp.probes.example
      port: 70000
      tls: none
      password_env: PW
      password_file: /run/secrets/pw
  - id: mb2
    address: mb2@probes.example
    imap: {tls: ssl, password_env: 1PASSWORD}
` + okTargets,
		want: []string{
			`f.yaml:5: mailboxes[0].imap: required: host, port, tls and password_env or password_file`,
			`f.yaml:6: mailboxes[0].address: "not-an-address" is not an email address (want e.g. support@acme.example)`,
			`f.yaml:7: mailboxes[0].smtp: set password_env or password_file, not both`,
			`f.yaml:9: mailboxes[0].smtp.port: must be between 1 and 65535, got 70000`,
			`f.yaml:10: mailboxes[0].smtp.tls: "none" is allowed only for a loopback host (localhost, 127.0.0.1, ::1): the password would cross the network in clear`,
			`f.yaml:13: mailboxes[1].smtp: required: host, port, tls and password_env or password_file`,
			`f.yaml:15: mailboxes[1].imap.host: required`,
			`f.yaml:15: mailboxes[1].imap.port: required`,
			`f.yaml:15: mailboxes[1].imap.tls: "ssl" is not one of starttls, implicit, none`,
			`f.yaml:15: mailboxes[1].imap.password_env: "1PASSWORD" is not an environment variable name`,
		},
	},
	{
		name: "mailbox auth",
		src: okID + okSchedule + okScenario + `mailboxes:
  - id: mb
    address: mb@probes.example
    smtp: {host: relay.corp.example, port: 25, tls: none, auth: none, password_env: PW, username: me}
    imap: {host: 127.0.0.1, port: 1143, tls: none, auth: none, password_env: PW}
  - id: mb2
    address: mb2@probes.example
    smtp: {host: 127.0.0.1, port: 25, tls: none, auth: kerberos, password_env: PW}
    imap: {host: 127.0.0.1, port: 1143, tls: none, password_env: PW}
` + okTargets,
		want: []string{
			`f.yaml:7: mailboxes[0].smtp.password_env: not used with auth "none" (sending without login): remove it, or set auth to "password"`,
			`f.yaml:7: mailboxes[0].smtp.username: not used with auth "none" (sending without login): remove it, or set auth to "password"`,
			`f.yaml:8: mailboxes[0].imap.auth: "none" is only for a submission server (smtp): reading replies over IMAP needs a login`,
			`f.yaml:11: mailboxes[1].smtp.auth: "kerberos" is not one of password, none`,
		},
	},
}

func TestParseBadCampaign(t *testing.T) { runBadCases(t, campaignCases) }
