package email

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseReplyGmail(t *testing.T) {
	r := parseFile(t, filepath.Join("testdata", "replies", "human_gmail.eml"))
	want := Reply{
		MessageID:  "CAHx=Kk1pQ9mZfB3vV2@mail.gmail.com",
		InReplyTo:  []string{"stk-gmailhuman22@probes.example"},
		References: []string{"stk-gmailhuman22@probes.example"},
		From:       "tom.baker.acme@gmail.com",
		FromName:   "Tom Baker",
		To:         []string{"jane.doe+stk-gmailhuman22@probes.example"},
		Subject:    "Re: Where is my order? (ref stk-gmailhuman22)",
		Date:       time.Date(2026, 11, 3, 14, 21, 55, 0, time.UTC),
		ReceivedAt: time.Date(2026, 11, 3, 14, 22, 9, 0, time.UTC),
		Header: textproto.MIMEHeader{
			"Content-Type": {`multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"`},
			"Delivered-To": {"jane.doe+stk-gmailhuman22@probes.example"},
		},
		Text: "Hi Jane,\n\nYour order #55102 left our warehouse this morning, you should have it by Friday.\n\nBest,\nTom\n\n" +
			"On Mon, Nov 2, 2026 at 9:14 AM Jane Doe <jane.doe+stk-gmailhuman22@probes.example>\nwrote:\n\n" +
			"> Hello, I ordered a lamp ten days ago and it has not arrived yet.\n> Could you tell me where it is?\n>",
	}
	if diff := cmp.Diff(want, r, cmp.Comparer(time.Time.Equal)); diff != "" {
		t.Errorf("ParseReply(human_gmail.eml) (-want +got):\n%s", diff)
	}
}

func TestParseReplyText(t *testing.T) {
	tests := map[string]string{
		"html_only_human.eml": "Hi Jane,\n\nYes, we replace batteries for £25 & it takes two days.\n\nCheers,\nPriya\n\n> \n\n" +
			"On Wed, Nov 4, 2026 Jane wrote:\n\n> We have received your request.",
		"human_base64_utf8.eml": "Bonjour Jane,\n\nVotre colis est parti ce matin, vous le recevrez jeudi. Désolé pour l’attente !\n\nAmélie — Service client",
		"de_oof_latin1.eml":     "Vielen Dank für Ihre Nachricht. Ich bin bis zum 9. November nicht im Büro und habe keinen Zugriff auf meine E-Mails.",
		"fr_oof_cp1252.eml":     "Bonjour,\n\nJe suis absente du bureau jusqu’au 9 novembre. Votre message sera traité à mon retour.",
		"unknown_charset.eml":   "Your order ships today \uFFFD okay",
	}
	for name, want := range tests {
		r := parseFile(t, filepath.Join("testdata", "replies", name))
		if r.Text != want || r.Truncated {
			t.Errorf("ParseReply(%s) Text = %q, Truncated = %v, want %q, false", name, r.Text, r.Truncated, want)
		}
	}
	r := parseFile(t, filepath.Join("testdata", "replies", "de_oof_latin1.eml"))
	if r.FromName != "Jürgen Müller" {
		t.Errorf("ParseReply(de_oof_latin1.eml) FromName = %q, want Jürgen Müller", r.FromName)
	}
	r = parseFile(t, filepath.Join("testdata", "replies", "no_msgid_no_date.eml"))
	if r.MessageID != "" || !r.Date.IsZero() || !r.ReceivedAt.IsZero() || r.From != "bob@smallshop.example" {
		t.Errorf("ParseReply(no_msgid_no_date.eml) MessageID, Date, ReceivedAt, From = %q, %v, %v, %q",
			r.MessageID, r.Date, r.ReceivedAt, r.From)
	}
	r = parseFile(t, filepath.Join("testdata", "replies", "dsn_bounce.eml"))
	if r.ReportedMessageID != "stk-bouncedmessg@probes.example" || r.From != "MAILER-DAEMON@probes.example" {
		t.Errorf("ParseReply(dsn_bounce.eml) ReportedMessageID, From = %q, %q", r.ReportedMessageID, r.From)
	}
	if r.DSNAction != "failed" {
		t.Errorf("ParseReply(dsn_bounce.eml) DSNAction = %q, want failed", r.DSNAction)
	}
	for _, tc := range []struct{ name, subject, actions, want string }{
		{"one delayed", "Delivery Status Notification (Delay)", "Action: delayed\n", "delayed"},
		{"delayed and failed", "Undelivered", "Action: delayed\n\nAction: failed\n", "failed"},
		{"no report, delay subject", "Warning: message delayed", "", "delayed"},
		{"no report", "Undelivered Mail Returned to Sender", "", ""},
	} {
		raw := "From: MAILER-DAEMON@x\nSubject: " + tc.subject + "\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\n\n" +
			"--r\nContent-Type: text/plain\n\nsee below\n"
		if tc.actions != "" {
			raw += "--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n" + tc.actions
		}
		raw += "--r--\n"
		r, err := ParseReply(strings.NewReader(raw), 0)
		if err != nil || r.DSNAction != tc.want {
			t.Errorf("%s: DSNAction = %q, %v; want %q", tc.name, r.DSNAction, err, tc.want)
		}
	}
}

// zendeskLong is a reply whose base64 text part is far longer than the 2 KiB a
// header-only fetch keeps.
func zendeskLong() string {
	var b strings.Builder
	b.WriteString("Subject: [Acme] Re: Where is my order? (ref stk-zendeskagent)\r\n" +
		"From: Sam <support@acme.example>\r\nTo: jane.doe+stk-zendeskagent@probes.example\r\n" +
		"In-Reply-To: <stk-zendeskagent@probes.example>\r\nDate: Thu, 05 Nov 2026 16:40:07 +0000\r\n" +
		"Auto-Submitted: auto-generated\r\nX-Mailer: Zendesk Mailer\r\n" +
		"Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	text := strings.Repeat("Hi Jane, I checked your order and it ships today. ", 200)
	for i := 0; i < len(text); i += 57 {
		b.WriteString(b64(text[i:min(i+57, len(text))]) + "\r\n")
	}
	b.WriteString("--b1--\r\n")
	return b.String()
}

func b64(s string) string {
	var buf bytes.Buffer
	enc := newB64(&buf)
	enc.Write([]byte(s))
	enc.Close()
	return buf.String()
}

func TestParseReplyHeaderOnly(t *testing.T) {
	full := zendeskLong()
	head, _, _ := strings.Cut(full, "\r\n\r\n")
	cut := full[:len(head)+4+2048] // what a watcher fetching the header and 2 KiB of body has
	for name, in := range map[string]string{"header and 2 KiB": cut, "header only": head, "header and blank line": head + "\r\n\r\n"} {
		t.Run(name, func(t *testing.T) {
			r, err := ParseReply(strings.NewReader(in), 0)
			if err != nil {
				t.Fatalf("ParseReply() error = %v", err)
			}
			c := Classify(r)
			if r.Subject != "[Acme] Re: Where is my order? (ref stk-zendeskagent)" || c.Kind != KindHuman ||
				!cmp.Equal(r.Tokens(), []string{"stk-zendeskagent"}) || r.Date.IsZero() {
				t.Errorf("ParseReply() = %+v, %+v", r, c)
			}
			if name == "header and 2 KiB" && !strings.HasPrefix(r.Text, "Hi Jane, I checked your order") {
				t.Errorf("ParseReply() Text = %q, want the start of the text part", r.Text)
			}
		})
	}
}

// countingReader counts the bytes read from an endless message.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestParseReplyMaxBytes(t *testing.T) {
	const size = 10 << 20
	header := "Subject: Re: big (ref stk-gmailhuman22)\r\nFrom: a@b.example\r\n"
	tests := map[string]string{
		"long text": header + "Content-Type: text/plain\r\n\r\n",
		"attachment first": header + "Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n" +
			"Content-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n\r\n",
	}
	for name, start := range tests {
		t.Run(name, func(t *testing.T) {
			src := &countingReader{r: io.MultiReader(strings.NewReader(start), io.LimitReader(repeatReader('x'), size))}
			const limit = 64 << 10
			r, err := ParseReply(src, limit)
			if err != nil {
				t.Fatalf("ParseReply() error = %v", err)
			}
			if src.n > limit || !r.Truncated || len(r.Text) > MaxText {
				t.Errorf("ParseReply() read %d bytes, Truncated = %v, len(Text) = %d; want ≤ %d, true, ≤ %d",
					src.n, r.Truncated, len(r.Text), limit, MaxText)
			}
			if r.Subject != "Re: big (ref stk-gmailhuman22)" {
				t.Errorf("ParseReply() Subject = %q", r.Subject)
			}
		})
	}
	src := &countingReader{r: io.LimitReader(repeatReader('y'), size)}
	if _, err := ParseReply(io.MultiReader(strings.NewReader("Subject: x\r\n\r\n"), src), 0); err != nil ||
		src.n > DefaultMaxReplyBytes {
		t.Errorf("ParseReply(maxBytes 0) read %d bytes, error %v; want ≤ %d", src.n, err, DefaultMaxReplyBytes)
	}
}

type repeatReader byte

func (b repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestParseReplyBroken(t *testing.T) {
	tests := []struct {
		name, in string
		subject  string
		text     string
		date     bool
	}{
		{"mbox From line", "From jane@x Mon Nov  2 09:00:00 2026\nSubject: hi\nDate: Mon, 2 Nov 2026 09:00:00 +0000\n\nbody", "hi", "body", true},
		{"garbage line in the header", "Subject: hi\nthis is not a field\nX-Autoreply: yes\n\nbody", "hi", "body", false},
		{"folded first line", " folded\nSubject: hi\n\nbody", "hi", "body", false},
		{"bad date", "Subject: hi\nDate: yesterday-ish\n\nbody", "hi", "body", false},
		{"date with a comment", "Subject: hi\nDate: Mon, 2 Nov 2026 09:00:00 GMT (UTC)\n\nbody", "hi", "body", true},
		{"date without weekday comma", "Subject: hi\nDate: Mon 2 Nov 2026 09:00:00 +0000\n\nbody", "hi", "body", false},
		{"multipart without boundary", "Subject: hi\nContent-Type: multipart/mixed\n\n--x\n\nbody\n--x--", "hi", "", false},
		{"multipart never closed", "Subject: hi\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nbody", "hi", "body", false},
		{"broken content type", "Subject: hi\nContent-Type: text/plain; charset=\"utf-8\n\nbody", "hi", "body", false},
		{"bad base64", "Subject: hi\nContent-Transfer-Encoding: base64\n\naGVsbG8=!!!notbase64", "hi", "hello", false},
		{"unknown transfer encoding", "Subject: hi\nContent-Transfer-Encoding: x-uuencode\n\nbody", "hi", "body", false},
		{"raw 8-bit subject", "Subject: Caf\xe9\n\nbody", "Café", "body", false},
		{"nul in body", "Subject: hi\n\nbo\x00dy", "hi", "body", false},
		{"no subject", "From: a@b\n\nbody", "", "body", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseReply(strings.NewReader(tt.in), 0)
			if err != nil {
				t.Fatalf("ParseReply(%q) error = %v", tt.in, err)
			}
			if r.Subject != tt.subject || r.Text != tt.text || r.Date.IsZero() == tt.date {
				t.Errorf("ParseReply(%q) Subject, Text, Date = %q, %q, %v; want %q, %q, set %v",
					tt.in, r.Subject, r.Text, r.Date, tt.subject, tt.text, tt.date)
			}
		})
	}
	for _, in := range []string{"", "\n\n\n", "no header here\n\nbody", "\x00\x01\x02"} {
		if _, err := ParseReply(strings.NewReader(in), 0); !errors.Is(err, ErrNoHeader) {
			t.Errorf("ParseReply(%q) error = %v, want ErrNoHeader", in, err)
		}
	}
}

func TestReplyTokens(t *testing.T) {
	r := Reply{
		InReplyTo:  []string{"stk-aaaaaaaaaaaa@p.example"},
		References: []string{"x@y", "stk-bbbbbbbbbbbb@p.example", "stk-aaaaaaaaaaaa@p.example"},
		To:         []string{"jane+stk-cccccccccccc@p.example"},
		Subject:    "Re: hi (ref stk-eeeeeeeeeeee) (ref STK-CCCCCCCCCCCC)",
		Header:     textproto.MIMEHeader{"Delivered-To": {"jane+stk-dddddddddddd@p.example"}, "Reply-To": {"stk-ffffffffffff@p"}},
	}
	want := []string{"stk-aaaaaaaaaaaa", "stk-bbbbbbbbbbbb", "stk-cccccccccccc", "stk-dddddddddddd", "stk-eeeeeeeeeeee"}
	if diff := cmp.Diff(want, r.Tokens()); diff != "" {
		t.Errorf("Tokens() (-want +got):\n%s", diff)
	}
	var refs []string
	for i := range 100 {
		refs = append(refs, Token(string(rune('a'+i%26))+strings.Repeat("x", i))+"@p")
	}
	if got := (Reply{References: refs}).Tokens(); len(got) != MaxTokens {
		t.Errorf("Tokens() of 100 references = %d tokens, want %d", len(got), MaxTokens)
	}
	r, err := ParseReply(strings.NewReader("References: "+strings.Join(wrap(refs), " ")+"\n\n"), 0)
	if err != nil || len(r.References) != maxIDs || r.References[maxIDs-1] != refs[99] {
		t.Errorf("ParseReply(100 references) = %d ids, last %q, error %v; want %d, %q", len(r.References), r.References[len(r.References)-1], err, maxIDs, refs[99])
	}
}

func wrap(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "<" + id + ">"
	}
	return out
}

func newB64(w io.Writer) io.WriteCloser { return base64.NewEncoder(base64.StdEncoding, w) }

// BenchmarkParseClassify parses, classifies and correlates every reply of the corpus.
func BenchmarkParseClassify(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("testdata", "replies", "*.eml"))
	var corpus [][]byte
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		corpus = append(corpus, data)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r, err := ParseReply(bytes.NewReader(corpus[i%len(corpus)]), 0)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = Classify(r), r.Tokens()
	}
}

func ExampleParseReply() {
	raw := "From: Acme Support <support@acme.example>\r\n" +
		"Subject: Request received: Where is my order? (ref stk-zendeskack22)\r\n" +
		"Auto-Submitted: auto-generated\r\nX-Mailer: Zendesk Mailer\r\n\r\n" +
		"Your request (48213) has been received and is being reviewed by our support staff.\r\n"
	r, err := ParseReply(strings.NewReader(raw), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := Classify(r)
	fmt.Println(r.Tokens(), c.Kind, c.Automated, c.Ticket, c.Why)
	// Output: [stk-zendeskack22] ticket_ack true 48213 subject: Request received
}
