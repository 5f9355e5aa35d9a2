package email

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// BuildMessage returns the message probe a sends, written at now, and its Message-ID
// (with angle brackets). It is an RFC 5322 message with CRLF line endings, as a mail
// client would write it: From the persona's name at the probe mailbox address (so
// replies come back to us), Reply-To the mailbox's plus-address carrying the probe's
// token, To the target's support address, the scenario's subject followed by the
// token's tag, and the scenario's message signed with the persona's name, as UTF-8
// quoted-printable text. Nothing in it names stakeout.
//
// The token, and so the Message-ID, depends only on the probe id: a retried send
// carries the same ones.
func BuildMessage(a tasks.Assignment, now time.Time) (msg []byte, messageID string, err error) {
	if a.Mailbox == nil {
		return nil, "", errors.New("build message: no probe mailbox")
	}
	if a.Email == nil || a.Email.Address == "" {
		return nil, "", errors.New("build message: no support address")
	}
	from, to := a.Mailbox.Address, a.Email.Address
	if !bareAddress(from) {
		return nil, "", fmt.Errorf("build message: mailbox address %q is not an email address", from)
	}
	if !bareAddress(to) {
		return nil, "", fmt.Errorf("build message: support address %q is not an email address", to)
	}
	token := Token(a.ProbeID)
	at := strings.LastIndexByte(from, '@')
	replyTo, err := PlusAddress(from, token)
	if err != nil {
		return nil, "", fmt.Errorf("build message: reply-to: %w", err)
	}
	messageID = MessageID(token, from[at+1:])
	name := a.Scenario.Persona.Name

	// go-message writes header fields in the reverse order of their addition: the last
	// field comes first. AddRaw keeps the usual spelling of Message-ID and MIME-Version.
	var h mail.Header
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	// Only the scenario's words are RFC 2047-encoded: the tag stays readable in the raw
	// header for helpdesks and filters that never decode it.
	subject := SubjectTag(token)
	if s := strings.TrimSpace(a.Scenario.Subject); s != "" {
		subject = mime.QEncoding.Encode("utf-8", s) + " " + subject
	}
	h.Set("Subject", subject)
	h.Set("To", to)
	h.SetAddressList("Reply-To", []*mail.Address{{Name: name, Address: replyTo}})
	h.SetAddressList("From", []*mail.Address{{Name: name, Address: from}})
	h.AddRaw([]byte("MIME-Version: 1.0\r\n"))
	h.SetDate(now)
	h.AddRaw([]byte("Message-ID: " + messageID + "\r\n"))

	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, "", fmt.Errorf("build message: %w", err)
	}
	if _, err := w.Write([]byte(body(a.Scenario.Message, name))); err != nil {
		return nil, "", fmt.Errorf("build message: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("build message: %w", err)
	}
	return buf.Bytes(), messageID, nil
}

// bareAddress reports whether s is an email address alone, without a display name.
func bareAddress(s string) bool {
	a, err := netmail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// body is the scenario's message signed with the persona's name; the quoted-printable
// writer turns its line breaks into CRLF.
func body(message, name string) string {
	message = strings.TrimRight(message, " \t\r\n")
	if name == "" {
		return message + "\n"
	}
	return message + "\n\n" + name + "\n"
}
