package email

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"log/slog"
	"math/big"
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

// testCert is a self-signed certificate for 127.0.0.1 and localhost, and a pool
// trusting it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mail.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// serverOpts says how a test SMTP server behaves.
type serverOpts struct {
	// TLS is "none", "starttls" (STARTTLS offered, AUTH only after it) or "implicit".
	TLS string
	// Mechs are the AUTH mechanisms offered (default PLAIN and LOGIN).
	Mechs []string
	// AuthErr, when set, is the reply to any login.
	AuthErr error
	// RcptErr and DataErr, when set, are the replies to RCPT TO and to the end of DATA.
	RcptErr, DataErr error
	// DataHold, when set, delays the reply to the end of DATA until it is closed.
	DataHold chan struct{}
}

// received is a message a test server accepted.
type received struct {
	Helo, User, From string
	To               []string
	Data             []byte
	// At is when the server had read the whole message, just before accepting it.
	At time.Time
}

// testServer is an in-process go-smtp submission server on a loopback port.
type testServer struct {
	opts serverOpts
	Port int

	mu   sync.Mutex
	msgs []received
}

func (s *testServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func startServer(t *testing.T, opts serverOpts, cert tls.Certificate) *testServer {
	t.Helper()
	if opts.Mechs == nil {
		opts.Mechs = []string{sasl.Plain, sasl.Login}
	}
	ts := &testServer{opts: opts}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &testSession{srv: ts, conn: c}, nil
	}))
	srv.Domain = "mail.test"
	srv.ErrorLog = log.New(io.Discard, "", 0) // connections the client closes are not news
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}}
	switch opts.TLS {
	case "none":
		srv.AllowInsecureAuth = true
	case "starttls":
		srv.TLSConfig = tlsConfig
	case "implicit":
		l = tls.NewListener(l, tlsConfig)
	default:
		t.Fatalf("startServer: unknown TLS %q", opts.TLS)
	}
	ts.Port = l.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		l.Close() // Serve may not have registered l with srv yet
		<-done
	})
	if opts.DataHold != nil {
		t.Cleanup(func() { close(opts.DataHold) }) // runs before the server closes
	}
	return ts
}

type testSession struct {
	srv  *testServer
	conn *smtp.Conn
	user string
	msg  received
}

func (s *testSession) AuthMechanisms() []string { return s.srv.opts.Mechs }

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	login := func(user, pass string) error {
		if s.srv.opts.AuthErr != nil {
			return s.srv.opts.AuthErr
		}
		if pass != testPassword {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return login(user, pass) }), nil
	case sasl.Login:
		return &loginServer{login: login}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.msg = received{Helo: s.conn.Hostname(), User: s.user, From: from}
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.opts.RcptErr != nil {
		return s.srv.opts.RcptErr
	}
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.srv.opts.DataHold != nil {
		<-s.srv.opts.DataHold
	}
	if s.srv.opts.DataErr != nil {
		return s.srv.opts.DataErr
	}
	s.msg.Data, s.msg.At = b, time.Now()
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.msg)
	s.srv.mu.Unlock()
	return nil
}

func (s *testSession) Reset()        {}
func (s *testSession) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl does not provide.
type loginServer struct {
	login      func(user, pass string) error
	user       string
	step       int
	gotInitial bool
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if response != nil {
			l.user, l.gotInitial = string(response), true
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		if l.gotInitial {
			return nil, true, l.login(l.user, string(response))
		}
		l.user = string(response)
		return []byte("Password:"), false, nil
	case 3:
		return nil, true, l.login(l.user, string(response))
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

// sendAssignment is testAssignment sending through 127.0.0.1:port.
func sendAssignment(port int, tlsMode string) tasks.Assignment {
	a := testAssignment()
	a.Mailbox.SMTP = campaign.Server{Host: "127.0.0.1", Port: port, TLS: tlsMode, PasswordEnv: passwordEnv}
	return a
}

// logBuffer collects a Sender's JSON log records.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newSender(pool *x509.CertPool) (*Sender, *logBuffer) {
	logs := &logBuffer{}
	s := &Sender{
		Logger:    slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		TLSConfig: &tls.Config{RootCAs: pool},
	}
	return s, logs
}

// checkNoPassword fails if s shows the password in any form AUTH might carry it.
func checkNoPassword(t *testing.T, what, s, username string) {
	t.Helper()
	for _, form := range []string{
		testPassword,
		base64.StdEncoding.EncodeToString([]byte(testPassword)),
		base64.StdEncoding.EncodeToString([]byte("\x00" + username + "\x00" + testPassword)),
	} {
		if strings.Contains(s, form) {
			t.Errorf("%s shows the password (%q): %s", what, form, s)
		}
	}
}

func TestSend(t *testing.T) {
	cert, pool := testCert(t)
	t.Setenv(passwordEnv, testPassword)
	tests := []struct {
		name     string
		tls      string
		mechs    []string
		username string
		wantUser string
	}{
		{"plain loopback, AUTH PLAIN", "none", nil, "", "shopper@probes.example"},
		{"plain loopback, AUTH LOGIN only", "none", []string{sasl.Login}, "", "shopper@probes.example"},
		{"STARTTLS, AUTH PLAIN", "starttls", nil, "", "shopper@probes.example"},
		{"STARTTLS, AUTH LOGIN only, own username", "starttls", []string{sasl.Login}, "shopper-login", "shopper-login"},
		{"implicit TLS, AUTH PLAIN", "implicit", nil, "", "shopper@probes.example"},
		{"implicit TLS, AUTH LOGIN only", "implicit", []string{sasl.Login}, "", "shopper@probes.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, serverOpts{TLS: tt.tls, Mechs: tt.mechs}, cert)
			a := sendAssignment(srv.Port, tt.tls)
			a.Mailbox.SMTP.Username = tt.username
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
