package email

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

var updateMessage = flag.Bool("update-message", false, "rewrite testdata/message.golden from BuildMessage's output")

// testAssignment is an email probe from shopper@probes.example to support@acme.example
// with a non-ASCII subject, persona and message.
func testAssignment() tasks.Assignment {
	return tasks.Assignment{
		Probe:  tasks.Probe{ProbeID: "nov-2026/acme/email/0001", Run: "nov-2026", Channel: campaign.ChannelEmail, TargetID: "acme", ScenarioID: "late-order"},
		Target: tasks.Target{ID: "acme", Name: "Acme"},
		Scenario: campaign.Scenario{
			ID:      "late-order",
			Subject: "Où est ma commande ?",
			Message: "Bonjour,\n\nJ'ai commandé une cafetière le 2 novembre (commande n° 48213) et elle n'est toujours pas arrivée. Pouvez-vous me dire où elle en est ?\n\nMerci d'avance,\n",
			Persona: campaign.Persona{Name: "Zoë Lefèvre", Email: "zoe.lefevre@example.com"},
		},
		Email:   &campaign.EmailChannel{Address: "support@acme.example", Mailbox: "shopper"},
		Mailbox: &campaign.Mailbox{ID: "shopper", Address: "shopper@probes.example"},
	}
}

var testNow = time.Date(2026, 11, 9, 14, 5, 9, 0, time.FixedZone("CET", 3600))

func TestBuildMessageGolden(t *testing.T) {
	msg, id, err := BuildMessage(testAssignment(), testNow)
	if err != nil {
		t.Fatalf("BuildMessage: %v", err)
	}
	golden := filepath.Join("testdata", "message.golden")
	if *updateMessage {
		if err := os.WriteFile(golden, msg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestBuildMessageGolden -update-message to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(msg)); diff != "" {
		t.Errorf("BuildMessage output (-want +got):\n%s", diff)
	}
	if wantID := "<" + Token("nov-2026/acme/email/0001") + "@probes.example>"; id != wantID {
		t.Errorf("BuildMessage message id = %q, want %q", id, wantID)
	}
	for i, line := range strings.SplitAfter(string(msg), "\n") {
		if strings.HasSuffix(line, "\n") && !strings.HasSuffix(line, "\r\n") {
			t.Errorf("line %d %q does not end in CRLF", i+1, line)
		}
		if len(line) > 78+2 {
			t.Errorf("line %d is %d bytes long", i+1, len(line))
		}
		for _, b := range []byte(line) {
			if b >= 0x80 {
				t.Errorf("line %d %q is not 7-bit", i+1, line)
				break
			}
		}
	}
}

// TestBuildMessageParses reads the message back the way a receiving mail client does.
func TestBuildMessageParses(t *testing.T) {
	a := testAssignment()
	token := Token(a.ProbeID)
	msg, id, err := BuildMessage(a, testNow)
	if err != nil {
		t.Fatalf("BuildMessage: %v", err)
	}
	got := parseMessage(t, msg)
	want := parsedMessage{
		MessageID: id,
		Date:      testNow.Format(time.RFC1123Z),
		From:      `"Zoë Lefèvre" <shopper@probes.example>`,
		ReplyTo:   `"Zoë Lefèvre" <shopper+` + token + `@probes.example>`,
		To:        "<support@acme.example>", // the header field is the bare address
		Subject:   "Où est ma commande ? (ref " + token + ")",
		Type:      "text/plain",
		Charset:   "utf-8",
		Body:      "Bonjour,\r\n\r\nJ'ai commandé une cafetière le 2 novembre (commande n° 48213) et elle n'est toujours pas arrivée. Pouvez-vous me dire où elle en est ?\r\n\r\nMerci d'avance,\r\n\r\nZoë Lefèvre\r\n",
		Fields:    []string{"Message-Id", "Date", "Mime-Version", "From", "Reply-To", "To", "Subject", "Content-Type", "Content-Transfer-Encoding"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parsed message (-want +got):\n%s", diff)
	}
	if FindTokens(got.Subject)[0] != token || FindTokens(got.ReplyTo)[0] != token || FindTokens(got.MessageID)[0] != token {
		t.Errorf("token %s missing from subject, reply-to or message-id: %+v", token, got)
	}
}

func TestBuildMessageErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*tasks.Assignment)
		want   string
	}{
		{"no mailbox", func(a *tasks.Assignment) { a.Mailbox = nil }, "build message: no probe mailbox"},
		{"no email channel", func(a *tasks.Assignment) { a.Email = nil }, "build message: no support address"},
		{"bad mailbox address", func(a *tasks.Assignment) { a.Mailbox.Address = "shopper@" }, `build message: mailbox address "shopper@" is not an email address`},
		{"named support address", func(a *tasks.Assignment) { a.Email.Address = "Acme <support@acme.example>" }, `build message: support address "Acme <support@acme.example>" is not an email address`},
		{"header injection", func(a *tasks.Assignment) { a.Email.Address = "support@acme.example\r\nBcc: x@y.example" }, `build message: support address "support@acme.example\r\nBcc: x@y.example" is not an email address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := testAssignment()
			tt.modify(&a)
			_, _, err := BuildMessage(a, testNow)
			if err == nil || err.Error() != tt.want {
				t.Errorf("BuildMessage = %v, want %s", err, tt.want)
			}
		})
	}
}

// parsedMessage is what a mail client shows of a message.
type parsedMessage struct {
	MessageID, Date, From, ReplyTo, To, Subject, Type, Charset, Body string
	// Fields lists the header field names in order.
	Fields []string
}

func parseMessage(t *testing.T, msg []byte) parsedMessage {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	defer r.Close()
	var p parsedMessage
	h := r.Header
	for f := h.Fields(); f.Next(); {
		p.Fields = append(p.Fields, f.Key())
	}
	if id, err := h.MessageID(); err == nil {
		p.MessageID = "<" + id + ">"
	}
	if d, err := h.Date(); err == nil {
		p.Date = d.Format(time.RFC1123Z)
	}
	addrs := func(key string) string {
		l, err := h.AddressList(key)
		if err != nil {
			t.Errorf("%s: %v", key, err)
		}
		var s []string
		for _, a := range l {
			if a.Name != "" {
				s = append(s, fmt.Sprintf("%q <%s>", a.Name, a.Address))
			} else {
				s = append(s, "<"+a.Address+">")
			}
		}
		return strings.Join(s, ", ")
	}
	p.From, p.ReplyTo, p.To = addrs("From"), addrs("Reply-To"), addrs("To")
	if p.Subject, err = h.Subject(); err != nil {
		t.Errorf("Subject: %v", err)
	}
	part, err := r.NextPart()
	if err != nil {
		t.Fatalf("message body: %v", err)
	}
	ih, ok := part.Header.(*mail.InlineHeader)
	if !ok {
		t.Fatalf("message body is %T, want an inline part", part.Header)
	}
	var params map[string]string
	p.Type, params, _ = ih.ContentType()
	p.Charset = params["charset"]
	b, err := io.ReadAll(part.Body)
	if err != nil {
		t.Fatalf("message body: %v", err)
	}
	p.Body = string(b)
	return p
}
