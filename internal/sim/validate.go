package sim

import (
	"fmt"
	"net"
	"net/mail"
	"slices"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// validate checks every rule of the format on a config with defaults filled and
// records the problems found in p, each at its field path.
func validate(c Config, p *yamlcheck.Problems) {
	add := p.Add
	for _, l := range []struct {
		path, addr string
	}{{"smtp.addr", c.SMTP.Addr}, {"imap.addr", c.IMAP.Addr}, {"web.addr", c.Web.Addr}, {"web.widget_addr", c.Web.WidgetAddr}} {
		if _, _, err := net.SplitHostPort(l.addr); err != nil {
			add(l.path, "%q is not host:port", l.addr)
		}
	}
	if !(c.TimeScale > 0) {
		add("time_scale", "must be > 0, got %v", c.TimeScale)
	}
	validateWeb(c.Web, add)
	if len(c.Mailboxes) == 0 && slices.ContainsFunc(c.Companies, Company.hasEmail) {
		add("mailboxes", "at least one probe mailbox is required")
	}
	seen := map[string]string{}
	for i, m := range c.Mailboxes {
		validateMailbox(m, fmt.Sprintf("mailboxes[%d]", i), seen, add)
	}
	if len(c.Companies) == 0 {
		add("companies", "at least one company is required")
	}
	ids := map[string]bool{}
	for i, co := range c.Companies {
		cp := fmt.Sprintf("companies[%d]", i)
		if co.ID == "" {
			add(cp+".id", "is required")
		} else if ids[co.ID] {
			add(cp+".id", "%q is used by another company", co.ID)
		}
		ids[co.ID] = true
		validateCompany(co, cp, seen, add)
	}
}

// adder records a problem at a field path.
type adder func(path, format string, args ...any)

// validateMailbox checks one probe mailbox; seen maps lowercased addresses to
// the path that claimed them.
func validateMailbox(m Mailbox, p string, seen map[string]string, add adder) {
	checkAddress(m.Address, p+".address", true, seen, add)
	if strings.Contains(localPart(m.Address), "+") {
		add(p+".address", "%q has a +detail: give the base address", m.Address)
	}
	switch {
	case m.Password != "" && m.PasswordEnv != "":
		add(p, "give password or password_env, not both")
	case m.Password == "" && m.PasswordEnv == "":
		add(p, "password or password_env is required")
	}
}

// validateCompany checks one company's fields: its email desk unless it has
// chat only, its time zone and its chat.
func validateCompany(co Company, p string, seen map[string]string, add adder) {
	if co.Timezone != "" {
		if _, err := loadZone(co.Timezone); err != nil {
			add(p+".timezone", "%v", err)
		}
	}
	if co.Chat != nil {
		validateChat(co, p, add)
	}
	for i, a := range co.AnswerTexts {
		switch {
		case strings.TrimSpace(a) == "":
			add(fmt.Sprintf("%s.answers[%d]", p, i), "empty: leave the answer out")
		case len(a) > MaxAnswerText:
			add(fmt.Sprintf("%s.answers[%d]", p, i), "too long: %d bytes, at most %d", len(a), MaxAnswerText)
		}
	}
	if co.hasEmail() {
		validateEmail(co, p, seen, add)
	}
	validateChanges(co, p, add)
}

// validateChanges checks a company's change points.
func validateChanges(co Company, p string, add adder) {
	last := 0
	for i, c := range co.Changes {
		cp := fmt.Sprintf("%s.changes[%d]", p, i)
		switch {
		case c.AfterProbes < 1:
			add(cp+".after_probes", "must be at least 1, got %d", c.AfterProbes)
		case c.AfterProbes <= last:
			add(cp+".after_probes", "%d is not after the previous change's %d: list changes in order", c.AfterProbes, last)
		}
		last = max(last, c.AfterProbes)
		if c.Reply == nil && c.NoReplyRate == nil {
			add(cp, "changes nothing: give reply, no_reply_rate or both")
		}
		if c.Reply != nil {
			if c.Reply.Median <= 0 {
				add(cp+".reply.median", "must be > 0")
			}
			if c.Reply.P90 != 0 && c.Reply.P90 < c.Reply.Median {
				add(cp+".reply.p90", "%v is below the median %v", c.Reply.P90.D(), c.Reply.Median.D())
			}
		}
		if r := c.NoReplyRate; r != nil && !(*r >= 0 && *r <= 1) {
			add(cp+".no_reply_rate", "must be between 0 and 1, got %v", *r)
		}
	}
}

// validateEmail checks the fields of a company's email desk.
func validateEmail(co Company, p string, seen map[string]string, add adder) {
	checkAddress(co.Address, p+".address", true, seen, add)
	if co.ReplyFrom != "" {
		checkAddress(co.ReplyFrom, p+".reply_from", false, nil, add)
	}
	switch co.Ack.Style {
	case AckRFC3834, AckZendesk, AckFreshdesk, AckNone:
	default:
		add(p+".ack.style", "%q is not a style (want rfc3834, zendesk, freshdesk or none)", co.Ack.Style)
	}
	switch co.Threading {
	case ThreadingHeaders, ThreadingSubjectOnly:
	default:
		add(p+".threading", "%q is not a threading mode (want headers or subject_only)", co.Threading)
	}
	if !(co.NoReplyRate >= 0 && co.NoReplyRate <= 1) {
		add(p+".no_reply_rate", "must be between 0 and 1, got %v", co.NoReplyRate)
	}
	if !co.answers() {
		return
	}
	if co.Reply.Median <= 0 {
		add(p+".reply.median", "must be > 0 (the company answers: no_reply_rate < 1, not out_of_office)")
	}
	if co.Reply.P90 < co.Reply.Median {
		add(p+".reply.p90", "%v is below the median %v", co.Reply.P90.D(), co.Reply.Median.D())
	}
}

// checkAddress checks that s is a bare email address; with required, an empty
// one is a problem too. A non-nil seen also checks that it is unique.
func checkAddress(s, path string, required bool, seen map[string]string, add adder) {
	if s == "" {
		if required {
			add(path, "is required")
		}
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		add(path, "%q is not a bare email address (want e.g. support@example.com)", s)
		return
	}
	if seen == nil {
		return
	}
	key := strings.ToLower(s)
	if other, dup := seen[key]; dup {
		add(path, "%q is also %s", s, other)
		return
	}
	seen[key] = path
}

// localPart returns the part of addr before the last "@".
func localPart(addr string) string {
	if i := strings.LastIndex(addr, "@"); i >= 0 {
		return addr[:i]
	}
	return addr
}
