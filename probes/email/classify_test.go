package email

import (
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// verdict is what the corpus test checks of one reply.
type verdict struct {
	Subject   string
	Kind      Kind
	Automated bool
	Ticket    string
	Why       string
	Tokens    []string
}

// corpus is the expected verdict on every file of testdata/replies.
var corpus = map[string]verdict{
	"human_gmail.eml": {
		Subject: "Re: Where is my order? (ref stk-gmailhuman22)", Kind: KindHuman,
		Why: "no automated marker", Tokens: []string{"stk-gmailhuman22"},
	},
	"human_outlook.eml": {
		Subject: "RE: Refund for a damaged item (ref stk-outlookhum22)", Kind: KindHuman,
		Why: "no automated marker", Tokens: []string{"stk-outlookhum22"},
	},
	"human_zendesk_agent.eml": {
		Subject: "[Acme Support] Re: Where is my order? (ref stk-zendeskagent)", Kind: KindHuman, Ticket: "48213",
		Why:    "not conclusive alone: Auto-Submitted: auto-generated (Zendesk marks every message)",
		Tokens: []string{"stk-zendeskagent"},
	},
	"human_base64_utf8.eml": {
		Subject: "Re: Où est ma commande ? (ref stk-basesixfour2)", Kind: KindHuman,
		Why: "no automated marker", Tokens: []string{"stk-basesixfour2"},
	},
	"html_only_human.eml": {
		Subject: "Re: Battery replacement (ref stk-htmlonlyhuma)", Kind: KindHuman,
		Why: "no automated marker", Tokens: []string{"stk-htmlonlyhuma"},
	},
	"agent_mentions_ticket.eml": {
		Subject: "Re: Where is my order? (ref stk-agentticketz)", Kind: KindHuman, Ticket: "123",
		Why: "not conclusive alone: X-Loop: support@bluesky.example", Tokens: []string{"stk-agentticketz"},
	},
	"quotes_ack.eml": {
		Subject: "Re: Request received: Where is my order? (ref stk-quotesackabc)", Kind: KindHuman, Ticket: "48213",
		Why: "no automated marker", Tokens: []string{"stk-quotesackabc"},
	},
	"no_msgid_no_date.eml": {
		Subject: "Re: Opening hours (ref stk-nomessageidd)", Kind: KindHuman,
		Why: "no automated marker", Tokens: []string{"stk-nomessageidd"},
	},
	"subject_tag_only.eml": {
		Subject: "[Initech #90210] Your question about my subscription (ref stk-subjecttagon)", Kind: KindHuman,
		Why: "no automated marker", Tokens: []string{"stk-subjecttagon"},
	},
	"references_only.eml": {
		Subject: "Re: Size exchange", Kind: KindHuman, Why: "no automated marker", Tokens: []string{"stk-referencesab"},
	},
	"unknown_charset.eml": {
		Subject: "=?x-klingon?Q?Re=3A_qaplaH?= (ref stk-unknowncharz)", Kind: KindHuman,
		Why: "no automated marker", Tokens: []string{"stk-unknowncharz"},
	},
	"rfc3834_autoreply.eml": {
		Subject: "Re: Do you ship to Canada? (ref stk-rfcautoreply)", Kind: KindAutoReply, Automated: true,
		Why: "Auto-Submitted: auto-replied", Tokens: []string{"stk-rfcautoreply"},
	},
	"autorespond_header.eml": {
		Subject: "Hello from Crafty Candles", Kind: KindAutoReply, Automated: true,
		Why: "X-Autorespond: Crafty Candles", Tokens: []string{"stk-autorespondx"},
	},
	"exchange_rule_autoreply.eml": {
		Subject: "RE: Invoice copy please (ref stk-exchangerule)", Kind: KindAutoReply, Automated: true,
		Why: "X-Auto-Response-Suppress: All from an Exchange inbox rule", Tokens: []string{"stk-exchangerule"},
	},
	"exchange_oof.eml": {
		Subject: "Automatic reply: Warranty question (ref stk-exchangeoof2)", Kind: KindOutOfOffice, Automated: true,
		Why: "subject: Automatic reply", Tokens: []string{"stk-exchangeoof2"},
	},
	"de_oof_latin1.eml": {
		Subject: "Abwesenheitsnotiz: Rückfrage zu meiner Bestellung (ref stk-germanoofabc)", Kind: KindOutOfOffice,
		Automated: true, Why: "subject: Abwesenheit", Tokens: []string{"stk-germanoofabc"},
	},
	"fr_oof_cp1252.eml": {
		Subject: "Réponse automatique : Où est ma commande ? (ref stk-frenchoofabc)", Kind: KindOutOfOffice,
		Automated: true, Why: "subject: Réponse automatique", Tokens: []string{"stk-frenchoofabc"},
	},
	"es_oof_utf8_subject.eml": {
		Subject: "Respuesta automática: Devolución (ref stk-spanishoofab)", Kind: KindOutOfOffice, Automated: true,
		Why: "subject: Respuesta automática", Tokens: []string{"stk-spanishoofab"},
	},
	"zendesk_ack.eml": {
		Subject: "Request received: Where is my order? (ref stk-zendeskack22)", Kind: KindTicketAck, Automated: true,
		Ticket: "48213", Why: "subject: Request received", Tokens: []string{"stk-zendeskack22"},
	},
	"freshdesk_ack.eml": {
		Subject: "Ticket Received - Cannot log in to my account (ref stk-freshdeskack)", Kind: KindTicketAck,
		Automated: true, Ticket: "1234", Why: "subject: Ticket Received", Tokens: []string{"stk-freshdeskack"},
	},
	"jsm_ack.eml": {
		Subject: "[#SUP-42] Where is my order? (ref stk-jiraservicem)", Kind: KindTicketAck, Automated: true,
		Ticket: "SUP-42", Why: "body: We've received your request", Tokens: []string{"stk-jiraservicem"},
	},
	"salesforce_case_ack.eml": {
		Subject: "Case 00123456: We have received your request [ ref:_00D5j1ZZ._5005j1ZZZ:ref ]", Kind: KindTicketAck,
		Automated: true, Ticket: "00123456", Why: "subject: We have received your", Tokens: []string{"stk-salesforcecs"},
	},
	"dsn_bounce.eml": {
		Subject: "Undelivered Mail Returned to Sender", Kind: KindBounce, Automated: true,
		Why: "Content-Type: multipart/report; report-type=delivery-status", Tokens: []string{"stk-bouncedmessg"},
	},
}

func TestClassifyCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "replies", "*.eml"))
	if err != nil || len(files) != len(corpus) {
		t.Fatalf("testdata/replies has %d files (%v), the table %d", len(files), err, len(corpus))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			r := parseFile(t, file)
			c := Classify(r)
			got := verdict{r.Subject, c.Kind, c.Automated, c.Ticket, c.Why, r.Tokens()}
			if diff := cmp.Diff(corpus[name], got); diff != "" {
				t.Errorf("Classify(ParseReply(%s)) (-want +got):\n%s", name, diff)
			}
		})
	}
}

// parseFile parses one raw message of testdata.
func parseFile(t *testing.T, file string) Reply {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ParseReply(f, 0)
	if err != nil {
		t.Fatalf("ParseReply(%s) error = %v", file, err)
	}
	return r
}

// reply builds a Reply from header lines ("Key: value") and a body text.
func reply(subject, text string, fields ...string) Reply {
	h := textproto.MIMEHeader{}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, ": ")
		h.Add(k, v)
	}
	return Reply{From: "agent@shop.example", Subject: subject, Text: text, Header: h}
}

func TestClassifyRules(t *testing.T) {
	const zendesk = "X-Mailer: Zendesk Mailer"
	tests := []struct {
		name  string
		r     Reply
		kind  Kind
		why   string
		token string
	}{
		{"auto-submitted no", reply("Re: hi", "Sure.", "Auto-Submitted: no"), KindHuman, "no automated marker", ""},
		{"auto-generated", reply("Re: hi", "Sure.", "Auto-Submitted: auto-generated"), KindAutoReply, "Auto-Submitted: auto-generated", ""},
		{"auto-replied from a helpdesk", reply("Re: hi", "Sure.", "Auto-Submitted: auto-replied", zendesk), KindAutoReply, "Auto-Submitted: auto-replied", ""},
		{"auto-notified", reply("Re: hi", "Sure.", "Auto-Submitted: auto-notified; owner-email=x@y"), KindAutoReply, "Auto-Submitted: auto-notified", ""},
		{"vacation marker", reply("Re: hi", "Sure.", "Auto-Submitted: auto-replied (vacation)"), KindOutOfOffice, "Auto-Submitted: auto-replied", ""},
		{"x-autoreply", reply("Re: hi", "Sure.", "X-Autoreply: yes"), KindAutoReply, "X-Autoreply: yes", ""},
		{"x-autoreply no", reply("Re: hi", "Sure.", "X-Autoreply: no"), KindHuman, "no automated marker", ""},
		{"x-autoresponse", reply("Re: hi", "Sure.", "X-Autoresponse: 1"), KindAutoReply, "X-Autoresponse: 1", ""},
		{"precedence bulk", reply("Re: hi", "Sure.", "Precedence: bulk"), KindAutoReply, "Precedence: bulk", ""},
		{"precedence junk", reply("Re: hi", "Sure.", "Precedence: junk"), KindAutoReply, "Precedence: junk", ""},
		{"precedence list", reply("Re: hi", "Sure.", "Precedence: list"), KindAutoReply, "Precedence: list", ""},
		{"precedence auto_reply", reply("Re: hi", "Sure.", "Precedence: auto_reply", zendesk), KindAutoReply, "Precedence: auto_reply", ""},
		{"precedence bulk from a helpdesk", reply("Re: hi", "Sure.", "Precedence: bulk", zendesk), KindHuman, "not conclusive alone: Precedence: bulk (Zendesk)", ""},
		{"suppress alone", reply("Re: hi", "Sure.", "X-Auto-Response-Suppress: OOF, AutoReply"), KindHuman, "not conclusive alone: X-Auto-Response-Suppress: OOF, AutoReply", ""},
		{"helpdesk mailer alone", reply("Re: hi", "Sure.", "X-Mailer: Freshdesk"), KindHuman, "no automated marker", ""},
		{"read receipt", reply("Read: hi", "Your message was read.", "Content-Type: multipart/report; report-type=disposition-notification; boundary=x"), KindAutoReply, "Content-Type: multipart/report (read receipt)", ""},
		{"postmaster bounce", Reply{From: "postmaster@shop.example", Subject: "Undeliverable: hi", Header: textproto.MIMEHeader{}}, KindBounce, "From: postmaster, subject: Undeliver", ""},
		{"postmaster human", Reply{From: "postmaster@shop.example", Subject: "Re: hi", Header: textproto.MIMEHeader{}}, KindHuman, "no automated marker", ""},
		{"failed recipients", reply("Mail delivery failed", "", "X-Failed-Recipients: a@b"), KindBounce, "X-Failed-Recipients", ""},
		{"out of office", reply("Out of Office: hi", "Back Monday."), KindOutOfOffice, "subject: Out of Office", ""},
		{"aw abwesenheit", reply("AW: Abwesenheitsnotiz: hi", ""), KindOutOfOffice, "subject: AW: Abwesenheit", ""},
		{"fuori sede", reply("[EXT] Fuori sede: hi", ""), KindOutOfOffice, "subject: [EXT] Fuori sede", ""},
		{"autoreply subject", reply("Autoreply: hi", ""), KindOutOfOffice, "subject: Autoreply", ""},
		{"absence", reply("Absence: hi", ""), KindOutOfOffice, "subject: Absence", ""},
		{"vacation in our own subject", reply("Re: Question about my vacation booking", "Yes, it is confirmed."), KindHuman, "no automated marker", ""},
		{"auto reply subject, ack body", reply("Automatic reply: hi", "Thank you for your email. We have received your message and will respond within 2 business days."), KindTicketAck, "body: We have received your message", ""},
		{"oof subject and body beat an ack phrase", reply("Out of office", "Your request has been received. I am out of the office until Monday."), KindOutOfOffice, "subject: Out of office", ""},
		{"request has been received", reply("Re: hi", "Your request (#123) has been received."), KindTicketAck, "body: request (#123) has been received", "123"},
		{"ticket created", reply("Re: hi", "Ticket #4567 has been created for you."), KindTicketAck, "body: Ticket #4567 has been created", "4567"},
		{"bracketed ticket subject", reply("[Ticket #12345] Request received", ""), KindTicketAck, "subject: Request received", "12345"},
		{"bare number in an ack", reply("We have received your email", "Your reference is #77881."), KindTicketAck, "subject: We have received your", "77881"},
		{"automated disclaimer", reply("Re: hi", "This is an automated response. Please keep this email."), KindTicketAck, "body: This is an automated response", ""},
		{"two weak phrases", reply("Re: hi", "Thanks! We have received your email. One of our agents will get back to you shortly."), KindTicketAck, "body: We have received your email", ""},
		{"one weak phrase", reply("Re: hi", "We will get back to you about the colour tomorrow."), KindHuman, "no automated marker", ""},
		{"one weak phrase from a helpdesk", reply("Re: hi", "We have received your message.", zendesk), KindTicketAck, "body: We have received your message", ""},
		{"person's own work", reply("Re: hi", "Hi Jane, we have received your request and I checked your order: it ships within 2 days. We will get back to you.", zendesk), KindHuman, "no automated marker", ""},
		{"ticket number alone", reply("Re: hi [#ABC-123]", "Hi Jane, your order #5512 shipped."), KindHuman, "no automated marker", "ABC-123"},
		{"order number is not a ticket", reply("Re: hi", "Hi Jane, your order #5512 shipped."), KindHuman, "no automated marker", ""},
		{"case number", reply("Re: hi", "Hello, about Case 00012345: it is fixed."), KindHuman, "no automated marker", "00012345"},
		{"not a ticket key", reply("Re: hi", "Saved as (UTF-8), see (COVID-19) rules."), KindHuman, "no automated marker", ""},
		{"ticket word number", reply("Re: hi", "Ticket 12345 is solved."), KindHuman, "no automated marker", "12345"},
		{"quoted ack", reply("Re: hi", "It ships today.\n\n> Your request (99887) has been received."), KindHuman, "no automated marker", "99887"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.r)
			want := Classification{Kind: tt.kind, Automated: tt.kind != KindHuman, Ticket: tt.token, Why: tt.why}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Classify(%q) (-want +got):\n%s", tt.r.Subject, diff)
			}
		})
	}
}

func TestUnquoted(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hi\n\n> quoted", "Hi\n\n"},
		{"Hi\nOn Mon, 2 Nov 2026 at 09:00, A <a@b> wrote:\nold", "Hi\n"},
		{"Hi\nOn Mon, 2 Nov 2026 at 09:00, A <a@b>\nwrote:\nold", "Hi\n"},
		{"Hallo\nAm 02.11.2026 um 09:00 schrieb A <a@b>:\nalt", "Hallo\n"},
		{"Bonjour\nLe lun. 2 nov. 2026 à 09:00, A <a@b> a écrit :\nancien", "Bonjour\n"},
		{"Hi\n-----Original Message-----\nFrom: a", "Hi\n"},
		{"Hi\n________________________________\nFrom: a", "Hi\n"},
		{"Hi\nFrom: Jane <a@b>\nSent: Monday\nold", "Hi\n"},
		{"From: the team\nWe fixed it.", "From: the team\nWe fixed it."},
		{"On Monday we ship it.\nThanks", "On Monday we ship it.\nThanks"},
	}
	for _, tt := range tests {
		if got := unquoted(tt.in); got != tt.want {
			t.Errorf("unquoted(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
