package email

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParseReply checks that ParseReply fails only for want of a header, never
// reads past maxBytes, and that what it returns, Classify and Tokens stay bounded.
func FuzzParseReply(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "replies", "*.eml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Subject: hi\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=a\n\n--a\n"))
	f.Add([]byte("Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n" +
		"Content-Type: message/rfc822\n\nMessage-ID: <stk-aaaaaaaaaaaa@x>\n\n--b--\n"))
	f.Add([]byte("Subject: =?x-unknown?B?AAAA?=\nContent-Type: text/html; charset=x-unknown\n" +
		"Content-Transfer-Encoding: quoted-printable\n\n<p>a=\n=ZZ<blockquote>b"))
	const limit = 64 << 10
	f.Fuzz(func(t *testing.T, data []byte) {
		src := bytes.NewReader(data)
		r, err := ParseReply(src, limit)
		if read := int64(len(data)) - int64(src.Len()); read > limit {
			t.Fatalf("ParseReply() read %d bytes, limit %d", read, limit)
		}
		if err != nil {
			if !errors.Is(err, ErrNoHeader) {
				t.Fatalf("ParseReply() error = %v, want ErrNoHeader", err)
			}
			return
		}
		if len(r.Text) > MaxText || !utf8.ValidString(r.Text) || len(r.Subject) > maxValue || !utf8.ValidString(r.Subject) {
			t.Fatalf("ParseReply() Text %d bytes, Subject %d bytes (valid UTF-8 %v, %v)",
				len(r.Text), len(r.Subject), utf8.ValidString(r.Text), utf8.ValidString(r.Subject))
		}
		if len(r.InReplyTo) > maxIDs || len(r.References) > maxIDs || len(r.To) > maxAddrs {
			t.Fatalf("ParseReply() %d In-Reply-To, %d References, %d To", len(r.InReplyTo), len(r.References), len(r.To))
		}
		for k, vs := range r.Header {
			if len(vs) > maxValues {
				t.Fatalf("ParseReply() Header[%q] has %d values", k, len(vs))
			}
		}
		switch r.DSNAction {
		case "", "failed", "delayed", "delivered", "relayed", "expanded":
		default:
			if len(r.DSNAction) > 64 { // any word an MTA writes is kept, bounded by the pattern
				t.Fatalf("ParseReply() DSNAction = %q", r.DSNAction)
			}
		}
		if toks := r.Tokens(); len(toks) > MaxTokens {
			t.Fatalf("Tokens() = %d tokens", len(toks))
		}
		c := Classify(r)
		switch c.Kind {
		case KindHuman, KindAutoReply, KindOutOfOffice, KindTicketAck, KindBounce:
		default:
			t.Fatalf("Classify() Kind = %q", c.Kind)
		}
		if c.Automated != (c.Kind != KindHuman) || c.Why == "" || len(c.Ticket) > 20 {
			t.Fatalf("Classify() = %+v", c)
		}
	})
}
