package sim

import (
	"math"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// Defaults filled by New (and by Load) for fields left empty.
const (
	// DefaultAddr is where the SMTP and IMAP servers listen when no addr is given:
	// a free port on loopback.
	DefaultAddr = "127.0.0.1:0"
	// DefaultAckStyle is the acknowledgement style when ack.style is empty.
	DefaultAckStyle = AckRFC3834
	// DefaultThreading is the threading mode when threading is empty.
	DefaultThreading = ThreadingHeaders
	// DefaultAgentName signs human replies when agent_name is empty.
	DefaultAgentName = "Sam"
)

// Config is a simulator file (docs/sim.md): the servers, the probe mailboxes it
// hosts and the companies it plays.
type Config struct {
	// SMTP is the submission server probes send to (default addr 127.0.0.1:0).
	SMTP Listen `yaml:"smtp"`
	// IMAP is the server hosting the probe mailboxes (default addr 127.0.0.1:0).
	IMAP Listen `yaml:"imap"`
	// Web is where the chat companies' web sites and their widget host listen
	// (both default to 127.0.0.1:0); unused when no company has chat.
	Web Web `yaml:"web"`
	// Mailboxes are the probe mailboxes: SMTP and IMAP accounts; required when
	// a company has email (an address).
	Mailboxes []Mailbox `yaml:"mailboxes"`
	// TruthLog is the JSONL file every received probe and intended reply is
	// appended to; empty writes no truth log. A relative path is relative to the
	// working directory.
	TruthLog string `yaml:"truth_log"`
	// Seed makes the draws reproducible: the same seed and Message-ID give the
	// same decisions and delays (default 0).
	Seed int64 `yaml:"seed"`
	// TimeScale multiplies every delay: 0.01 turns an hour into 36 s
	// (default 1; must be > 0).
	TimeScale float64 `yaml:"time_scale"`
	// Companies are the support desks the simulator plays.
	Companies []Company `yaml:"companies"`
}

// Listen is a server's listening address.
type Listen struct {
	// Addr is host:port; port 0 picks a free port (default DefaultAddr).
	Addr string `yaml:"addr"`
}

// Mailbox is a probe mailbox hosted by the simulator. Password or PasswordEnv
// gives its password (a literal is allowed: the simulator is a local fake).
type Mailbox struct {
	// Address is the mailbox's email address; plus-addresses
	// (local+detail@domain) deliver to it.
	Address string `yaml:"address"`
	// Username logs in over SMTP and IMAP (default Address).
	Username string `yaml:"username"`
	// Password is the literal password.
	Password string `yaml:"password"`
	// PasswordEnv names an environment variable holding the password.
	PasswordEnv string `yaml:"password_env"`
}

// Company is one simulated support desk.
type Company struct {
	// ID names the company in the truth log and logs; unique.
	ID string `yaml:"id"`
	// Name is the display name of its mail (default ID).
	Name string `yaml:"name"`
	// Address is its support address: probes send to it; unique. Required
	// unless the company has chat only.
	Address string `yaml:"address"`
	// Timezone is the IANA time zone of its chat hours (default UTC).
	Timezone string `yaml:"timezone"`
	// Chat gives the company a web site with a live-chat widget; nil: no chat.
	Chat *Chat `yaml:"chat"`
	// Ack is the automatic acknowledgement sent on receipt.
	Ack Ack `yaml:"ack"`
	// Reply is the delay distribution of the human reply.
	Reply Reply `yaml:"reply"`
	// NoReplyRate is the probability (0..1) that no human ever answers.
	NoReplyRate float64 `yaml:"no_reply_rate"`
	// OutOfOffice makes the desk answer only with an out-of-office auto-reply,
	// sent ack.delay after receipt (whether or not ack is enabled).
	OutOfOffice bool `yaml:"out_of_office"`
	// AgentName signs human replies (default DefaultAgentName).
	AgentName string `yaml:"agent_name"`
	// ReplyFrom is the From address of its mail when it differs from Address.
	ReplyFrom string `yaml:"reply_from"`
	// Threading says how replies refer to the probe (default DefaultThreading).
	Threading Threading `yaml:"threading"`
	// AnswerTexts are what its agents answer: the middle paragraph of a human email
	// reply and the substance of the first chat answer, one picked per probe (default:
	// built-in generic answers). They let a demo show answers that are correct, wrong
	// or misspelled, for the quality checks.
	AnswerTexts []string `yaml:"answers"`
	// Changes are change points of its service: from a given probe on, another reply
	// delay and no-reply rate, for a company that degrades (and may recover) during a
	// run. Listed in order of AfterProbes.
	Changes []Change `yaml:"changes"`
}

// Change is a change point of a company's service. It applies to the probes the
// company receives after its first AfterProbes ones, counted separately on email
// (messages) and chat (conversations), until a later change applies.
type Change struct {
	// AfterProbes is how many probes of the channel the company receives before the
	// change applies (≥ 1).
	AfterProbes int `yaml:"after_probes"`
	// Reply replaces the human reply delay of email and of the first chat agent message
	// (nil: unchanged).
	Reply *Reply `yaml:"reply"`
	// NoReplyRate replaces the no-reply probability of email and chat (nil: unchanged).
	NoReplyRate *float64 `yaml:"no_reply_rate"`
}

// after returns co as it serves its (n+1)th probe of a channel: with every change
// whose AfterProbes is at most n applied, in order.
func (co *Company) after(n int) *Company {
	if len(co.Changes) == 0 || n < co.Changes[0].AfterProbes {
		return co
	}
	eff := *co
	if co.Chat != nil {
		ch := *co.Chat
		eff.Chat = &ch
	}
	for _, c := range co.Changes {
		if n < c.AfterProbes {
			break
		}
		if c.Reply != nil {
			r := *c.Reply
			if r.P90 == 0 {
				r.P90 = r.Median
			}
			eff.Reply = r
			if eff.Chat != nil {
				eff.Chat.Reply = r
			}
		}
		if c.NoReplyRate != nil {
			eff.NoReplyRate = *c.NoReplyRate
			if eff.Chat != nil {
				eff.Chat.NoReplyRate = *c.NoReplyRate
			}
		}
	}
	return &eff
}

// MaxAnswerText is the longest text of answers, in bytes.
const MaxAnswerText = 4096

// answerText returns the answer text picked by variant: one of the company's own, or a
// built-in one.
func (co *Company) answerText(variant uint64) string {
	if len(co.AnswerTexts) > 0 {
		return co.AnswerTexts[variant%uint64(len(co.AnswerTexts))]
	}
	return answers[variant%uint64(len(answers))]
}

// Ack is an automatic acknowledgement.
type Ack struct {
	// Enabled sends the acknowledgement.
	Enabled bool `yaml:"enabled"`
	// Delay after receipt (default 0: at once).
	Delay Duration `yaml:"delay"`
	// Style is what kind of software sends it (default DefaultAckStyle).
	Style AckStyle `yaml:"style"`
	// TicketPrefix starts the ticket number it quotes, e.g. "ACME-" (default none).
	TicketPrefix string `yaml:"ticket_prefix"`
}

// Reply is a log-normal delay distribution given by its median and 90th percentile.
type Reply struct {
	// Median delay; required unless the company never answers.
	Median Duration `yaml:"median"`
	// P90 is the 90th percentile; at least Median (default Median: no spread).
	P90 Duration `yaml:"p90"`
}

// AckStyle is the software an acknowledgement imitates.
type AckStyle string

// Acknowledgement styles.
const (
	// AckRFC3834 marks the ack with Auto-Submitted: auto-replied and X-Autoreply: yes.
	AckRFC3834 AckStyle = "rfc3834"
	// AckZendesk imitates Zendesk: "[Company] Re: SUBJECT", "Your request (#N) has
	// been received", X-Mailer: Zendesk, no RFC 3834 header.
	AckZendesk AckStyle = "zendesk"
	// AckFreshdesk imitates Freshdesk: "Ticket Received - SUBJECT" with a ticket number.
	AckFreshdesk AckStyle = "freshdesk"
	// AckNone sends a receipt with no machine-readable mark: only its wording
	// ("we have received your request") says it is automated.
	AckNone AckStyle = "none"
)

// Threading is how a company's replies refer to the probe.
type Threading string

// Threading modes.
const (
	// ThreadingHeaders replies to Reply-To with In-Reply-To and References.
	ThreadingHeaders Threading = "headers"
	// ThreadingSubjectOnly replies to From without threading headers; only the
	// subject (and its token tag) ties the reply to the probe.
	ThreadingSubjectOnly Threading = "subject_only"
)

// Duration is a delay written in YAML as a Go duration string ("90s",
// "2h30m"): the one duration type of stakeout's formats (see yamlcheck.Duration).
type Duration = yamlcheck.Duration

// withDefaults returns a copy of c with empty fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.SMTP.Addr == "" {
		c.SMTP.Addr = DefaultAddr
	}
	if c.IMAP.Addr == "" {
		c.IMAP.Addr = DefaultAddr
	}
	c.Web = c.Web.withDefaults()
	if c.TimeScale == 0 {
		c.TimeScale = 1
	}
	c.Mailboxes = append([]Mailbox(nil), c.Mailboxes...)
	for i := range c.Mailboxes {
		if c.Mailboxes[i].Username == "" {
			c.Mailboxes[i].Username = c.Mailboxes[i].Address
		}
	}
	c.Companies = append([]Company(nil), c.Companies...)
	for i := range c.Companies {
		c.Companies[i] = c.Companies[i].withDefaults()
	}
	return c
}

// withDefaults returns co with empty fields set to their defaults.
func (co Company) withDefaults() Company {
	if co.Name == "" {
		co.Name = co.ID
	}
	if co.Ack.Style == "" {
		co.Ack.Style = DefaultAckStyle
	}
	if co.Threading == "" {
		co.Threading = DefaultThreading
	}
	if co.AgentName == "" {
		co.AgentName = DefaultAgentName
	}
	if co.Reply.P90 == 0 {
		co.Reply.P90 = co.Reply.Median
	}
	if co.Chat != nil {
		ch := co.Chat.withDefaults(co)
		co.Chat = &ch
	}
	return co
}

// hasEmail reports whether the company plays an email desk: it has an address,
// or no chat (then the address is required).
func (co Company) hasEmail() bool { return co.Address != "" || co.Chat == nil }

// answers reports whether the company can ever send a human reply.
func (co Company) answers() bool { return !co.OutOfOffice && co.NoReplyRate < 1 }

// sigma is the log-normal shape: ln(p90/median) / z(0.9).
func (r Reply) sigma() float64 {
	if r.Median <= 0 || r.P90 <= r.Median {
		return 0
	}
	return math.Log(float64(r.P90)/float64(r.Median)) / z90
}

// z90 is the standard normal quantile at 0.9.
const z90 = 1.2815515655446004
