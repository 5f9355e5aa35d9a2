package sim

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// reply is a composed reply message.
type reply struct {
	raw       []byte
	messageID string // with angle brackets
}

// compose builds the reply j delivers: headers per kind, ack style and threading
// mode, and a plain-text body.
func compose(j *job) (reply, error) {
	co, p := j.co, j.p
	fromAddr := co.Address
	if co.ReplyFrom != "" {
		fromAddr = co.ReplyFrom
	}
	id := replyMessageID(co.ID, p.seedKey, j.kind, fromAddr)
	var h mail.Header
	h.Set("MIME-Version", "1.0")
	h.SetDate(j.at)
	h.SetAddressList("From", []*mail.Address{{Name: co.Name, Address: fromAddr}})
	h.SetAddressList("To", []*mail.Address{j.to})
	h.SetMessageID(id)
	if co.Threading == ThreadingHeaders && p.messageID != "" {
		h.SetMsgIDList("In-Reply-To", []string{p.messageID})
		h.SetMsgIDList("References", []string{p.messageID})
	}
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "8bit")
	subject, body := content(j, &h)
	h.SetSubject(subject)
	h.Add("Received", fmt.Sprintf("from %s by stakeout-sim (simulated desk %s); %s",
		domainOf(fromAddr), co.ID, j.at.Format(time.RFC1123Z)))
	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return reply{}, fmt.Errorf("compose reply: %w", err)
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return reply{}, fmt.Errorf("compose reply: %w", err)
	}
	if err := w.Close(); err != nil {
		return reply{}, fmt.Errorf("compose reply: %w", err)
	}
	return reply{raw: buf.Bytes(), messageID: "<" + id + ">"}, nil
}

// content returns the subject and body of j, setting kind-specific headers on h.
func content(j *job, h *mail.Header) (subject, body string) {
	co, p := j.co, j.p
	switch j.kind {
	case KindOOF:
		h.Set("Auto-Submitted", "auto-replied")
		h.Set("X-Auto-Response-Suppress", "All")
		return "Automatic reply: " + p.subject, fmt.Sprintf(
			"Hello,\n\nI am out of the office with no access to email until further notice.\n"+
				"Your message has not been forwarded.\n\nKind regards,\n%s\n%s\n", co.AgentName, co.Name)
	case KindAck:
		return ackContent(j, h)
	}
	answer := co.answerText(j.plan.variant)
	return replySubject(p.subject), fmt.Sprintf("Hi %s,\n\n%s\n\nBest regards,\n%s\n%s Customer Support\n\n%s",
		firstName(p.from), answer, co.AgentName, co.Name, quote(p))
}

// ackContent returns the subject and body of an acknowledgement in the
// company's style, setting the style's headers on h.
func ackContent(j *job, h *mail.Header) (subject, body string) {
	co, p, ticket := j.co, j.p, j.plan.ticket
	switch co.Ack.Style {
	case AckZendesk:
		h.Set("X-Mailer", "Zendesk")
		return "[" + co.Name + "] " + replySubject(p.subject), fmt.Sprintf(
			"##- Please type your reply above this line -##\n\n"+
				"Your request (#%s) has been received and is being reviewed by our support staff.\n\n"+
				"To add additional comments, reply to this email.\n\n%s\n", ticket, co.Name)
	case AckFreshdesk:
		return "Ticket Received - " + p.subject, fmt.Sprintf(
			"Dear %s,\n\nWe would like to acknowledge that we have received your request and a ticket "+
				"has been created.\nA support representative will be reviewing your request and will send "+
				"you a personal response (usually within 24 hours).\n\nTicket #%s\n\n"+
				"Thank you for your patience.\n\nSincerely,\n%s Support Team\n", firstName(p.from), ticket, co.Name)
	case AckRFC3834:
		h.Set("Auto-Submitted", "auto-replied")
		h.Set("X-Autoreply", "yes")
	}
	return replySubject(p.subject), fmt.Sprintf(
		"Hello,\n\nThank you for contacting %s. We have received your request and will get back "+
			"to you as soon as possible.\nYour reference number is %s.\n\n%s Customer Care\n", co.Name, ticket, co.Name)
}

// answers are the human replies' middle paragraphs.
var answers = []string{
	"Thanks for reaching out! I've looked into this for you: yes, that is something we can help with. " +
		"I've added a note to your account so the team knows the details.\n" +
		"Let me know if anything else comes up.",
	"Thank you for your message, and sorry for the wait. I checked with my colleagues and the short " +
		"answer is that it depends on your plan, but in your case it should work without any extra cost.\n" +
		"If you'd like, just reply to this email and I'll walk you through the steps.",
	"Great question! We get asked this a lot. You can find the option under Settings, then Account. " +
		"If it doesn't show up for you, reply here with a screenshot and I'll take a closer look.",
	"Thanks for getting in touch. I'm happy to confirm that we can do that. " +
		"I've gone ahead and opened a request on our side, so you don't need to do anything else for now.\n" +
		"Have a lovely day!",
}

// replySubject prefixes "Re: " unless the subject already has it.
func replySubject(s string) string {
	if len(s) >= 3 && strings.EqualFold(s[:3], "re:") {
		return s
	}
	return "Re: " + s
}

// quote returns the "On DATE, NAME wrote:" line and the probe's text, quoted.
func quote(p *probe) string {
	when := p.date
	if when.IsZero() {
		when = p.acceptedAt
	}
	var b strings.Builder
	fmt.Fprintf(&b, "On %s, %s wrote:\n", when.Format("Mon, 2 Jan 2006 at 15:04"), p.from.String())
	text := strings.TrimRight(strings.ReplaceAll(p.text, "\r\n", "\n"), "\n")
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			b.WriteString(">\n")
			continue
		}
		b.WriteString("> " + line + "\n")
	}
	return b.String()
}

// firstName returns the first word of a's display name, or "there".
func firstName(a *mail.Address) string {
	if f := strings.Fields(a.Name); len(f) > 0 {
		return f[0]
	}
	return "there"
}

// replyMessageID returns a reply's Message-ID (without brackets), deterministic
// per company, probe and kind.
func replyMessageID(company, probeKey string, kind Kind, from string) string {
	sum := sha256.Sum256([]byte(company + "\x00" + probeKey + "\x00" + string(kind)))
	return fmt.Sprintf("sim-%x.%s@%s", sum[:8], kind, domainOf(from))
}

// domainOf returns the domain of an address.
func domainOf(addr string) string {
	if i := strings.LastIndex(addr, "@"); i >= 0 {
		return addr[i+1:]
	}
	return "localhost"
}
