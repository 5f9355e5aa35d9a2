package email

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// testPassword is the probe mailbox's password; no error or log may show it.
const testPassword = "Tr0ub4dor&3-sEcReT"

const passwordEnv = "STAKEOUT_TEST_SMTP_PASSWORD"

func TestSend(t *testing.T) {
	cert, pool := testCert(t)
	t.Setenv(passwordEnv, testPassword)
	tests := []struct {
		name     string
		tls      string
		mechs    []string
		username string
		wantUser string
		relay    bool // a server offering no AUTH; the mailbox sends with auth "none"
	}{
		{"plain loopback, AUTH PLAIN", "none", nil, "", "shopper@probes.example", false},
		{"plain loopback, AUTH LOGIN only", "none", []string{sasl.Login}, "", "shopper@probes.example", false},
		{"STARTTLS, AUTH PLAIN", "starttls", nil, "", "shopper@probes.example", false},
		{"STARTTLS, AUTH LOGIN only, own username", "starttls", []string{sasl.Login}, "shopper-login", "shopper-login", false},
		{"implicit TLS, AUTH PLAIN", "implicit", nil, "", "shopper@probes.example", false},
		{"implicit TLS, AUTH LOGIN only", "implicit", []string{sasl.Login}, "", "shopper@probes.example", false},
		{"plain, no AUTH offered, auth none", "none", nil, "", "", true},
		{"STARTTLS, no AUTH offered, auth none", "starttls", nil, "", "", true},
		{"implicit TLS, no AUTH offered, auth none", "implicit", nil, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, serverOpts{TLS: tt.tls, Mechs: tt.mechs, Relay: tt.relay}, cert)
			a := sendAssignment(srv.Port, tt.tls)
			a.Mailbox.SMTP.Username = tt.username
			if tt.relay {
				a.Mailbox.SMTP.Auth, a.Mailbox.SMTP.PasswordEnv = campaign.AuthNone, ""
			}
			s, logs := newSender(pool)

			start := time.Now()
			sent, err := s.Send(context.Background(), a)
			end := time.Now()
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			token := Token(a.ProbeID)
			if want := (Sent{MessageID: "<" + token + "@probes.example>", Token: token, T0: sent.T0}); sent != want {
				t.Errorf("Send = %+v, want %+v", sent, want)
			}
			msgs := srv.messages()
			if len(msgs) != 1 {
				t.Fatalf("server received %d messages, want 1", len(msgs))
			}
			got := msgs[0]
			if diff := cmp.Diff(received{Helo: "[127.0.0.1]", User: tt.wantUser, From: "shopper@probes.example", To: []string{"support@acme.example"}},
				received{Helo: got.Helo, User: got.User, From: got.From, To: got.To}); diff != "" {
				t.Errorf("SMTP envelope (-want +got):\n%s", diff)
			}
			// t0 is when the server's acceptance reached us: after the server read the
			// message, and before Send returned.
			if sent.T0.Before(start) || sent.T0.Before(got.At) || sent.T0.After(end) || sent.T0.Sub(got.At) > 5*time.Second {
				t.Errorf("T0 = %v, want between server receipt %v and Send's return %v (start %v)", sent.T0, got.At, end, start)
			}
			p := parseMessage(t, got.Data)
			if p.MessageID != sent.MessageID {
				t.Errorf("Message-ID = %q, want %q", p.MessageID, sent.MessageID)
			}
			if want := `"Zoë Lefèvre" <shopper+` + token + `@probes.example>`; p.ReplyTo != want {
				t.Errorf("Reply-To = %q, want %q", p.ReplyTo, want)
			}
			if want := "Où est ma commande ? " + SubjectTag(token); p.Subject != want {
				t.Errorf("Subject = %q, want %q", p.Subject, want)
			}
			if !strings.HasSuffix(p.Body, "\r\n\r\nZoë Lefèvre\r\n") {
				t.Errorf("body does not end with the persona's signature: %q", p.Body)
			}
			if !strings.Contains(logs.String(), `"msg":"email sent"`) {
				t.Errorf("logs have no \"email sent\" record: %s", logs)
			}
			checkNoPassword(t, "logs", logs.String(), tt.wantUser)
		})
	}
}

func TestSendErrors(t *testing.T) {
	cert, pool := testCert(t)
	t.Setenv(passwordEnv, testPassword)
	t.Setenv("STAKEOUT_TEST_WRONG", "not the password")
	echo := &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
		Message: "bad login shopper@probes.example/" + testPassword + " (" + base64.StdEncoding.EncodeToString([]byte("\x00shopper@probes.example\x00"+testPassword)) + ")"}
	refused := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		return port
	}()
	type want struct {
		Permanent bool
		Code      int
		Stage     string
	}
	tests := []struct {
		name    string
		server  *serverOpts // nil: no server
		tls     string      // the mailbox's TLS, default the server's
		modify  func(*tasks.Assignment)
		trusted bool
		want    want
		wantMsg string // a part of the error message
	}{
		{"451 at RCPT is transient", &serverOpts{TLS: "none", RcptErr: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}},
			"", nil, true, want{false, 451, StageRcptTo}, "smtp rcpt to: SMTP error 451: Try again later"},
		{"550 at RCPT is permanent", &serverOpts{TLS: "starttls", RcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}},
			"", nil, true, want{true, 550, StageRcptTo}, "smtp rcpt to: SMTP error 550: No such user"},
		{"535 at AUTH is permanent", &serverOpts{TLS: "implicit"},
			"", func(a *tasks.Assignment) { a.Mailbox.SMTP.PasswordEnv = "STAKEOUT_TEST_WRONG" }, true,
			want{true, 535, StageAuth}, "smtp auth: SMTP error 535: Authentication failed"},
		{"535 at AUTH LOGIN is permanent", &serverOpts{TLS: "none", Mechs: []string{sasl.Login}, AuthErr: smtp.ErrAuthFailed},
			"", nil, true, want{true, 535, StageAuth}, "smtp auth: SMTP error 535: Authentication failed"},
		{"a reply echoing the password is redacted", &serverOpts{TLS: "starttls", AuthErr: echo},
			"", nil, true, want{true, 535, StageAuth}, "smtp auth: SMTP error 535: bad login shopper@probes.example/[redacted] ([redacted])"},
		{"454 at AUTH is transient", &serverOpts{TLS: "none", AuthErr: &smtp.SMTPError{Code: 454, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Temporary authentication failure"}},
			"", nil, true, want{false, 454, StageAuth}, "smtp auth: SMTP error 454"},
		{"554 at end of DATA is permanent", &serverOpts{TLS: "none", DataErr: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Spam"}},
			"", nil, true, want{true, 554, StageData}, "smtp data: SMTP error 554: Spam"},
		{"no AUTH mechanism in common", &serverOpts{TLS: "none", Mechs: []string{"CRAM-MD5"}},
			"", nil, true, want{true, 0, StageAuth}, "smtp auth: server offers neither AUTH PLAIN nor AUTH LOGIN"},
		{"no AUTH offered to a mailbox with a password", &serverOpts{TLS: "none", Relay: true},
			"", nil, true, want{true, 0, StageAuth}, `set the mailbox's smtp auth to "none"`},
		{"a login-less server refusing the sender", &serverOpts{TLS: "none", Relay: true, RcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying denied"}},
			"", func(a *tasks.Assignment) { a.Mailbox.SMTP.Auth, a.Mailbox.SMTP.PasswordEnv = campaign.AuthNone, "" }, true,
			want{true, 550, StageRcptTo}, "smtp rcpt to: SMTP error 550: Relaying denied"},
		{"no STARTTLS offered", &serverOpts{TLS: "none"},
			"starttls", nil, true, want{true, 0, StageStartTLS}, "smtp starttls: smtp: server doesn't support STARTTLS"},
		{"untrusted certificate, STARTTLS", &serverOpts{TLS: "starttls"},
			"", nil, false, want{true, 0, StageStartTLS}, "certificate signed by unknown authority"},
		{"untrusted certificate, implicit TLS", &serverOpts{TLS: "implicit"},
			"", nil, false, want{true, 0, StageTLS}, "certificate signed by unknown authority"},
		{"connection refused is transient", nil,
			"none", func(a *tasks.Assignment) { a.Mailbox.SMTP.Port = refused }, true, want{false, 0, StageDial}, "connection refused"},
		{"no password is transient", &serverOpts{TLS: "none"},
			"", func(a *tasks.Assignment) { a.Mailbox.SMTP.PasswordEnv = "STAKEOUT_TEST_UNSET" }, true,
			want{false, 0, StageCredentials}, "smtp credentials: password: environment variable STAKEOUT_TEST_UNSET is not set"},
		{"tls none off loopback", nil,
			"none", func(a *tasks.Assignment) { a.Mailbox.SMTP.Host = "192.0.2.1" }, true,
			want{true, 0, StageConfig}, `smtp config: tls "none" is allowed only on loopback, not 192.0.2.1`},
		{"no mailbox", nil,
			"none", func(a *tasks.Assignment) { a.Mailbox = nil }, true, want{true, 0, StageConfig}, "smtp config: build message: no probe mailbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := 0
			tlsMode := tt.tls
			var srv *testServer
			if tt.server != nil {
				srv = startServer(t, *tt.server, cert)
				port = srv.Port
				if tlsMode == "" {
					tlsMode = tt.server.TLS
				}
			}
			a := sendAssignment(port, tlsMode)
			if tt.modify != nil {
				tt.modify(&a)
			}
			s, logs := newSender(pool)
			if !tt.trusted {
				s.TLSConfig = nil
			}
			sent, err := s.Send(context.Background(), a)
			if err == nil {
				t.Fatalf("Send = %+v, want an error", sent)
			}
			var se *SMTPError
			if !errors.As(err, &se) {
				t.Fatalf("Send error %v is %T, want *SMTPError", err, err)
			}
			if diff := cmp.Diff(tt.want, want{se.Permanent, se.Code, se.Stage}); diff != "" {
				t.Errorf("Send error %q (-want +got):\n%s", err, diff)
			}
			if IsPermanent(err) != tt.want.Permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, IsPermanent(err), tt.want.Permanent)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Send error %q, want it to contain %q", err, tt.wantMsg)
			}
			if srv != nil && len(srv.messages()) != 0 {
				t.Errorf("server accepted %d messages, want none", len(srv.messages()))
			}
			if !strings.Contains(logs.String(), `"msg":"email send failed"`) {
				t.Errorf("logs have no \"email send failed\" record: %s", logs)
			}
			checkNoPassword(t, "error", err.Error(), "shopper@probes.example")
			checkNoPassword(t, "logs", logs.String(), "shopper@probes.example")
		})
	}
}

// TestSendHangingServer checks that a server that stops answering costs no more than
// the context's deadline or the Sender's Timeout.
func TestSendHangingServer(t *testing.T) {
	cert, pool := testCert(t)
	t.Setenv(passwordEnv, testPassword)

	// silent accepts connections and never says a word.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	conns.Go(func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	})
	t.Cleanup(func() {
		silent.Close()
		conns.Wait()
	})
	silentPort := silent.Addr().(*net.TCPAddr).Port

	const wait = 300 * time.Millisecond
	tests := []struct {
		name      string
		port      func(t *testing.T) int
		tls       string
		ctx       func() (context.Context, context.CancelFunc)
		timeout   time.Duration
		wantStage string
		wantIs    error
	}{
		{"no greeting, context deadline", func(*testing.T) int { return silentPort }, "none",
			func() (context.Context, context.CancelFunc) { return context.WithTimeout(context.Background(), wait) }, 0,
			StageHello, context.DeadlineExceeded},
		{"no greeting, Sender timeout", func(*testing.T) int { return silentPort }, "none",
			func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, wait,
			StageHello, context.DeadlineExceeded},
		{"no TLS handshake, context canceled", func(*testing.T) int { return silentPort }, "implicit",
			func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(wait, cancel)
				return ctx, cancel
			}, 0,
			StageTLS, context.Canceled},
		{"no reply to the end of DATA", func(t *testing.T) int {
			return startServer(t, serverOpts{TLS: "starttls", DataHold: make(chan struct{})}, cert).Port
		}, "starttls",
			func() (context.Context, context.CancelFunc) { return context.WithTimeout(context.Background(), wait) }, 0,
			StageData, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := sendAssignment(tt.port(t), tt.tls)
			s, logs := newSender(pool)
			s.Timeout = tt.timeout
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			_, err := s.Send(ctx, a)
			took := time.Since(start)
			var se *SMTPError
			if !errors.As(err, &se) || se.Permanent || se.Stage != tt.wantStage || !errors.Is(err, tt.wantIs) {
				t.Errorf("Send = %v, want a transient %s error that is %v", err, tt.wantStage, tt.wantIs)
			}
			// Generous: the point is that Send does not wait for go-smtp's own
			// 5-minute command timeout.
			if took > wait+10*time.Second {
				t.Errorf("Send returned after %v, want about %v", took, wait)
			}
			checkNoPassword(t, "logs", logs.String(), "shopper@probes.example")
		})
	}
}

func TestLoginClient(t *testing.T) {
	tests := []struct {
		name       string
		challenges []string
		want       []string
	}{
		{"Username then Password", []string{"Username:", "Password:"}, []string{"u", "p"}},
		{"lowercase", []string{"username:", "password:"}, []string{"u", "p"}},
		{"unnamed challenges", []string{"", ""}, []string{"u", "p"}},
		{"Password only", []string{"Password:"}, []string{"p"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &loginClient{username: "u", password: "p"}
			mech, ir, err := c.Start()
			if mech != sasl.Login || ir != nil || err != nil {
				t.Fatalf("Start = %q, %q, %v, want LOGIN, nil, nil", mech, ir, err)
			}
			var got []string
			for _, ch := range tt.challenges {
				resp, err := c.Next([]byte(ch))
				if err != nil {
					t.Fatalf("Next(%q): %v", ch, err)
				}
				got = append(got, string(resp))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("responses (-want +got):\n%s", diff)
			}
		})
	}
}
