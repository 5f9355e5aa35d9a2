package campaign

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// locationsByName compares time zones by name (*time.Location has unexported fields).
var locationsByName = cmp.Comparer(func(a, b *time.Location) bool {
	return a.String() == b.String()
})

const goodFile = `id: demo
name: Demo
schedule:
  start: 2026-12-01T09:00:00+01:00
  window: 3d
  probes_per_target: {chat: 4, email: 2}
  jitter: 30m
  recurrence: "cron: 0 9 1 * *"
pacing:
  min_gap: 1h
sla:
  email: {first_response: 1h, human_response: 1d, response_rate: 0.75}
mailboxes:
  - id: mb
    address: mb@probes.example
    smtp: {host: smtp.probes.example, port: 587, tls: starttls, password_file: /run/secrets/mb}
    imap: {host: 127.0.0.1, port: 1143, tls: none, username: mb, password_env: MB_PASSWORD}
scenarios:
  - id: ask
    subject: A question
    message: Hello?
    follow_ups: [Thanks]
    persona: {name: Jo Doe, email: jo@shoppers.example, phone: "+1 555 0100"}
targets:
  - id: acme
    name: Acme
    industry: retail
    timezone: America/New_York
    business_hours:
      - {days: sun-tue, open: "08:00", close: "24:00"}
    channels:
      chat: {url: "https://acme.example/help", profile: generic}
      email: {address: help@acme.example, mailbox: mb}
`

func TestParseGood(t *testing.T) {
	got, err := Parse("good.yaml", []byte(goodFile))
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	want := &Campaign{
		ID:   "demo",
		Name: "Demo",
		Schedule: Schedule{
			Start:           time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC),
			Window:          Window{Duration: 72 * time.Hour},
			ProbesPerTarget: map[Channel]int{ChannelChat: 4, ChannelEmail: 2},
			Jitter:          Duration(30 * time.Minute),
			Recurrence:      "cron: 0 9 1 * *",
		},
		Pacing:    Pacing{MaxInFlight: DefaultMaxInFlight, MinGap: Duration(time.Hour)},
		Deadlines: Deadlines{Chat: Duration(DefaultChatDeadline), Email: Duration(DefaultEmailDeadline)},
		SLA: map[Channel]SLA{ChannelEmail: {
			FirstResponse: Duration(time.Hour), HumanResponse: Duration(24 * time.Hour), ResponseRate: 0.75,
		}, ChannelChat: DefaultSLA[ChannelChat]},
		Scoring: Scoring{Weights: DefaultScoringWeights, MinSample: DefaultMinSample},
		Mailboxes: []Mailbox{{
			ID:      "mb",
			Address: "mb@probes.example",
			SMTP:    Server{Host: "smtp.probes.example", Port: 587, TLS: "starttls", Auth: AuthPassword, Username: "mb@probes.example", PasswordFile: "/run/secrets/mb"},
			IMAP:    Server{Host: "127.0.0.1", Port: 1143, TLS: "none", Auth: AuthPassword, Username: "mb", PasswordEnv: "MB_PASSWORD"},
		}},
		Scenarios: []Scenario{{
			ID: "ask", Subject: "A question", Message: "Hello?", FollowUps: []string{"Thanks"},
			Persona:  Persona{Name: "Jo Doe", Email: "jo@shoppers.example", Phone: "+1 555 0100"},
			Language: DefaultLanguage,
		}},
		Targets: []Target{{
			ID: "acme", Name: "Acme", Industry: "retail", Client: "acme", Timezone: "America/New_York",
			BusinessHours: []Hours{{
				Days: "sun-tue", Open: "08:00", Close: "24:00",
				Weekdays: [7]bool{true, true, true, false, false, false, false},
				OpenMin:  8 * 60, CloseMin: 24 * 60,
			}},
			Channels: TargetChannels{
				Chat:  &ChatChannel{URL: "https://acme.example/help", Profile: "generic"},
				Email: &EmailChannel{Address: "help@acme.example", Mailbox: "mb"},
			},
			Location: ny,
		}},
		File: "good.yaml",
		// The YAML is kept as it was read (a launch with a horizon plans from it).
		Source: []byte(goodFile),
	}
	if diff := cmp.Diff(want, got, locationsByName); diff != "" {
		t.Errorf("Parse(good.yaml) mismatch (-want +got):\n%s", diff)
	}
	wantSummary := `campaign "demo" (Demo): 1 target, 1 scenario, 6 probes per run (chat 4, email 2), window 72h0m0s from 2026-12-01T09:00:00+01:00, recurrence cron: 0 9 1 * *`
	if s := got.Summary(); s != wantSummary {
		t.Errorf("Summary() = %q, want %q", s, wantSummary)
	}
}

func TestLoadExample(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "examples", "campaign.yaml")
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s) error:\n%v", path, err)
	}
	want := map[Channel]int{ChannelChat: 60, ChannelEmail: 30}
	if diff := cmp.Diff(want, c.ProbesPerRun()); diff != "" {
		t.Errorf("ProbesPerRun() mismatch (-want +got):\n%s", diff)
	}
	wantSummary := `campaign "retail-telecom-2026" (Retail and telecom, monthly benchmark): 4 targets, 3 scenarios, 90 probes per run (chat 60, email 30), window 1mo from 2026-12-01T00:00:00Z, recurrence monthly`
	if s := c.Summary(); s != wantSummary {
		t.Errorf("Summary() = %q, want %q", s, wantSummary)
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml")); err == nil {
		t.Fatal("Load(missing file) error = nil, want an error")
	}
}

// TestTimezoneDST checks that business hours follow the target's wall clock
// across a daylight saving time change.
func TestTimezoneDST(t *testing.T) {
	src := withTarget(`{id: t, name: T, industry: i, timezone: America/New_York, ` +
		`business_hours: [{days: mon-fri, open: "09:00", close: "17:00"}], ` +
		`channels: {chat: {url: "https://t.example", profile: p}}}`)
	c, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	tg := &c.Targets[0]
	if got := tg.Location.String(); got != "America/New_York" {
		t.Fatalf("Location = %q, want America/New_York", got)
	}
	// DST starts in New York on Sunday 2026-03-08: 13:30 UTC is 08:30 EST on
	// Friday the 6th (closed) but 09:30 EDT on Monday the 9th (open).
	tests := []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 3, 6, 13, 30, 0, 0, time.UTC), false},
		{time.Date(2026, 3, 6, 14, 30, 0, 0, time.UTC), true},
		{time.Date(2026, 3, 9, 13, 30, 0, 0, time.UTC), true},
		{time.Date(2026, 3, 9, 21, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 3, 8, 15, 0, 0, 0, time.UTC), false}, // Sunday
	}
	for _, tt := range tests {
		if got := tg.OpenAt(tt.at); got != tt.want {
			t.Errorf("OpenAt(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
	always := Target{}
	if !always.OpenAt(time.Date(2026, 3, 8, 3, 0, 0, 0, time.UTC)) {
		t.Error("OpenAt() of a target without business hours = false, want true")
	}
}

func TestParseDays(t *testing.T) {
	tests := []struct {
		in   string
		want [7]bool // Sunday first
	}{
		{"mon-fri", [7]bool{false, true, true, true, true, true, false}},
		{"sat", [7]bool{6: true}},
		{"mon,wed,fri", [7]bool{1: true, 3: true, 5: true}},
		{"sun-tue", [7]bool{true, true, true, false, false, false, false}},
		{"fri-mon", [7]bool{true, true, false, false, false, true, true}},
		{"Daily", [7]bool{true, true, true, true, true, true, true}},
		{"mon-tue, sat", [7]bool{1: true, 2: true, 6: true}},
	}
	for _, tt := range tests {
		got, err := ParseDays(tt.in)
		if err != nil {
			t.Errorf("ParseDays(%q) error = %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDays(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"", "monday", "mon-", "mon,,fri", "mon-fri-sat"} {
		if _, err := ParseDays(bad); err == nil {
			t.Errorf("ParseDays(%q) error = nil, want an error", bad)
		}
	}
}

func TestParseCron(t *testing.T) {
	for _, spec := range []string{"0 9 1 * *", "@monthly", "@every 36h", "CRON_TZ=Europe/Paris 0 9 * * mon"} {
		if _, err := ParseCron(spec); err != nil {
			t.Errorf("parseCron(%q) error = %v", spec, err)
		}
	}
	for _, spec := range []string{"", "TZ=UTC", "CRON_TZ=Nowhere/Land 0 9 * * *", "61 * * * *", "0 9 1 * * *"} {
		if _, err := ParseCron(spec); err == nil {
			t.Errorf("parseCron(%q) error = nil, want an error", spec)
		}
	}
}

func TestWindowEndAndString(t *testing.T) {
	start := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		str  string
		want time.Time
	}{
		{"1mo", "1mo", time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)},
		{"3d", "72h0m0s", start.Add(72 * time.Hour)},
		{"90m", "1h30m0s", start.Add(90 * time.Minute)},
	} {
		w, err := ParseWindow(tt.in)
		if err != nil {
			t.Fatalf("ParseWindow(%q) error = %v", tt.in, err)
		}
		if got := w.String(); got != tt.str {
			t.Errorf("ParseWindow(%q).String() = %q, want %q", tt.in, got, tt.str)
		}
		if got := w.End(start); !got.Equal(tt.want) {
			t.Errorf("ParseWindow(%q).End(%v) = %v, want %v", tt.in, start, got, tt.want)
		}
	}
}
