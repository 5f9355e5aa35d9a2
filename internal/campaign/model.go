package campaign

import "time"

// Channel names a way to contact a target.
type Channel string

// The channels a campaign may use.
const (
	ChannelChat  Channel = "chat"
	ChannelEmail Channel = "email"
)

// Channels lists every known channel in a fixed order.
var Channels = []Channel{ChannelChat, ChannelEmail}

// Defaults applied by Load to fields left out of a campaign file.
var (
	// DefaultChatDeadline is the abandon timeout of a chat conversation.
	DefaultChatDeadline = 20 * time.Minute
	// DefaultEmailDeadline is how long an email probe waits for a human reply.
	DefaultEmailDeadline = 72 * time.Hour
	// DefaultMaxInFlight is the number of probes one target may have running at once.
	DefaultMaxInFlight = 1
)

// Campaign is a parsed, validated campaign file.
type Campaign struct {
	// ID names the campaign; run ids and probe ids start with it.
	ID string `yaml:"id"`
	// Name is a human-readable title.
	Name string `yaml:"name"`
	// Schedule says when probes run.
	Schedule Schedule `yaml:"schedule"`
	// Pacing limits how hard one target is probed.
	Pacing Pacing `yaml:"pacing"`
	// Deadlines per channel: how long a probe waits for a human answer.
	Deadlines Deadlines `yaml:"deadlines"`
	// SLA thresholds per channel, used for scoring (a channel left out gets DefaultSLA).
	SLA map[Channel]SLA `yaml:"sla"`
	// Scoring overrides the score's weights and minimum sample (docs/scoring.md).
	Scoring Scoring `yaml:"scoring"`
	// Alerts configures the degradation detector (docs/alerts.md).
	Alerts Alerts `yaml:"alerts"`
	// Mailboxes are the probe mailboxes email probes send from.
	Mailboxes []Mailbox `yaml:"mailboxes"`
	// Scenarios are what the shopper asks.
	Scenarios []Scenario `yaml:"scenarios"`
	// Targets are the companies measured.
	Targets []Target `yaml:"targets"`

	// File is the path the campaign was loaded from (not part of the YAML).
	File string `yaml:"-"`
	// Source is the YAML the campaign was parsed from (not part of the YAML): a launch
	// with a rolling horizon keeps it, to plan the rest of the run as time passes.
	Source []byte `yaml:"-"`
}

// Schedule places a campaign's runs in time.
type Schedule struct {
	// Start is the beginning of the first window.
	Start time.Time `yaml:"start"`
	// Window is the length of one run's window: a Go duration ("90m", "720h")
	// or "1mo" for one calendar month.
	Window Window `yaml:"window"`
	// ProbesPerTarget is the number of probes per target per channel in one run.
	ProbesPerTarget map[Channel]int `yaml:"probes_per_target"`
	// Jitter is the largest random shift of a probe from its even slot (default: none).
	Jitter Duration `yaml:"jitter"`
	// Recurrence is "none" (default), "monthly", "weekly", "daily" or "cron: SPEC".
	Recurrence string `yaml:"recurrence"`
}

// Window is a run window length: a fixed duration or a number of calendar months.
type Window struct {
	// Duration is the fixed length; zero when Months is set.
	Duration time.Duration
	// Months is the length in calendar months; zero when Duration is set.
	Months int
}

// End returns the end of a window that starts at start.
func (w Window) End(start time.Time) time.Time {
	if w.Months > 0 {
		return start.AddDate(0, w.Months, 0)
	}
	return start.Add(w.Duration)
}

// Pacing limits load on one target, across all its channels and all workers.
type Pacing struct {
	// MaxInFlight is the most probes running at once against one target (default 1).
	MaxInFlight int `yaml:"max_in_flight"`
	// MinGap is the least time between the starts of two probes to one target (default 0).
	MinGap Duration `yaml:"min_gap"`
}

// Deadlines says how long each channel waits for a human answer.
type Deadlines struct {
	// Chat is the abandon timeout of a conversation (default 20m).
	Chat Duration `yaml:"chat"`
	// Email is how long after sending a human reply still counts (default 72h).
	Email Duration `yaml:"email"`
}

// For returns the deadline of channel ch.
func (d Deadlines) For(ch Channel) time.Duration {
	switch ch {
	case ChannelChat:
		return d.Chat.D()
	case ChannelEmail:
		return d.Email.D()
	}
	return 0
}

// SLA holds the service levels a target is scored against on one channel.
type SLA struct {
	// FirstResponse is the longest acceptable time to a first (possibly automated) answer.
	FirstResponse Duration `yaml:"first_response"`
	// HumanResponse is the longest acceptable time to a first human answer.
	HumanResponse Duration `yaml:"human_response"`
	// ResponseRate is the least acceptable share of probes answered by a human, 0..1.
	ResponseRate float64 `yaml:"response_rate"`
}

// Mailbox is a probe mailbox: where email probes send from and read replies.
type Mailbox struct {
	// ID names the mailbox; targets refer to it.
	ID string `yaml:"id"`
	// Address is the mailbox's email address; replies come to its plus-addresses.
	Address string `yaml:"address"`
	// SMTP is the submission server.
	SMTP Server `yaml:"smtp"`
	// IMAP is the server replies are read from.
	IMAP Server `yaml:"imap"`
}

// Server is a mail server endpoint with credentials kept outside the campaign file.
type Server struct {
	// Host and Port of the server.
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// TLS is "starttls", "implicit" or "none" (loopback only, unless Auth is "none").
	TLS string `yaml:"tls"`
	// Auth is how the client logs in: "password" (the default: AUTH PLAIN or LOGIN with
	// the password named below) or "none" (SMTP only: a relay that accepts mail by
	// address, with no login and no password).
	Auth string `yaml:"auth"`
	// Username to log in with.
	Username string `yaml:"username"`
	// PasswordEnv names an environment variable holding the password.
	PasswordEnv string `yaml:"password_env"`
	// PasswordFile names a file holding the password.
	PasswordFile string `yaml:"password_file"`
}

// Auth values of a Server.
const (
	AuthPassword = "password"
	AuthNone     = "none"
)

// NoLogin reports whether the server is used without logging in.
func (s Server) NoLogin() bool { return s.Auth == AuthNone }

// Scenario is what a shopper asks, and as whom.
type Scenario struct {
	// ID names the scenario.
	ID string `yaml:"id"`
	// Channels the scenario is used on (default: every channel).
	Channels []Channel `yaml:"channels"`
	// Subject line of an email (email only).
	Subject string `yaml:"subject"`
	// Message is the opening message.
	Message string `yaml:"message"`
	// FollowUps are sent one by one after an answer (chat).
	FollowUps []string `yaml:"follow_ups"`
	// Persona is who the shopper pretends to be.
	Persona Persona `yaml:"persona"`
	// Expect names what a correct answer states: fact name -> RE2 pattern (docs/quality.md).
	Expect map[string]Pattern `yaml:"expect"`
	// MustNot names what a correct answer never claims: name -> RE2 pattern.
	MustNot map[string]Pattern `yaml:"must_not"`
	// Language is the language answers are spell-checked in: a hunspell dictionary
	// name such as "en_US", or a language code (default DefaultLanguage).
	Language string `yaml:"language"`
}

// UsesChannel reports whether the scenario applies to ch.
func (s Scenario) UsesChannel(ch Channel) bool {
	if len(s.Channels) == 0 {
		return true
	}
	for _, c := range s.Channels {
		if c == ch {
			return true
		}
	}
	return false
}

// Persona is the shopper's identity.
type Persona struct {
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
	Phone string `yaml:"phone"`
}

// Target is one company being measured.
type Target struct {
	// ID names the target; it is a metric label, so keep it short.
	ID string `yaml:"id"`
	// Name is the company's name.
	Name string `yaml:"name"`
	// Industry groups targets for ranking.
	Industry string `yaml:"industry"`
	// Client is who receives the target's alerts: the Alertmanager label "client" that
	// routes send each client only its own alerts (default: ID). Several targets may
	// share a client.
	Client string `yaml:"client"`
	// Timezone is an IANA zone name, e.g. "Europe/Paris".
	Timezone string `yaml:"timezone"`
	// BusinessHours are when the target may be probed (default: always).
	BusinessHours []Hours `yaml:"business_hours"`
	// Channels configures each channel the target is probed on.
	Channels TargetChannels `yaml:"channels"`

	// Location is Timezone loaded (not part of the YAML).
	Location *time.Location `yaml:"-"`
}

// Hours is one business-hours rule: days of the week and a daily open/close time.
type Hours struct {
	// Days is a list or range of weekdays: "mon-fri", "sat", "mon,wed,fri".
	Days string `yaml:"days"`
	// Open and Close are "HH:MM" in the target's timezone; Close "24:00" means midnight.
	Open  string `yaml:"open"`
	Close string `yaml:"close"`

	// Weekdays, OpenMin and CloseMin are Days, Open and Close parsed (not part of the YAML).
	Weekdays [7]bool `yaml:"-"`
	OpenMin  int     `yaml:"-"`
	CloseMin int     `yaml:"-"`
}

// TargetChannels holds the per-channel settings of a target; nil means not probed.
type TargetChannels struct {
	Chat  *ChatChannel  `yaml:"chat"`
	Email *EmailChannel `yaml:"email"`
}

// Enabled lists the channels configured for the target, in Channels order.
func (tc TargetChannels) Enabled() []Channel {
	var out []Channel
	if tc.Chat != nil {
		out = append(out, ChannelChat)
	}
	if tc.Email != nil {
		out = append(out, ChannelEmail)
	}
	return out
}

// ChatChannel is a target's live chat.
type ChatChannel struct {
	// URL of the page carrying the chat widget.
	URL string `yaml:"url"`
	// Profile describes the widget: the name of a profile the workers know
	// (built in, or in their --profiles directory), or the path of the
	// target's own profile file, relative to the campaign file.
	Profile string `yaml:"profile"`
	// ProfileSource is the profile file's contents when Profile is a path,
	// read by Load so that workers need no copy of the file (not part of the YAML).
	ProfileSource string `yaml:"-" json:"profile_source,omitempty"`
}

// EmailChannel is a target's support address.
type EmailChannel struct {
	// Address is the support address probes write to.
	Address string `yaml:"address"`
	// Mailbox is the id of the probe mailbox to send from.
	Mailbox string `yaml:"mailbox"`
}
