package email

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
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
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// An in-process go-smtp server (real TCP) for the sender's tests.

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
	// Relay offers no AUTH at all and accepts mail from anyone (a local MTA or relay).
	Relay bool
	// AuthErr, when set, is the reply to any login.
	AuthErr error
	// RcptErr and DataErr, when set, are the replies to RCPT TO and to the end of DATA.
	RcptErr, DataErr error
	// DataHold, when set, delays the reply to the end of DATA until it is closed.
	DataHold chan struct{}
	// DataRead, when set, receives a value each time the server has read a whole
	// message (before DataHold); it must be buffered or read.
	DataRead chan struct{}
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
	// Release lets held answers to DATA go (with serverOpts.DataHold).
	Release func()

	mu     sync.Mutex
	msgs   []received
	bodies int // messages read whole, accepted or not
}

// bodiesRead is the number of messages the server read whole: what a company would
// have received, whether or not the client saw the server's answer.
func (s *testServer) bodiesRead() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies
}

func (s *testServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func startServer(t *testing.T, opts serverOpts, cert tls.Certificate) *testServer {
	t.Helper()
	switch {
	case opts.Relay:
		opts.Mechs = []string{}
	case opts.Mechs == nil:
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
		ts.Release = sync.OnceFunc(func() { close(opts.DataHold) })
		t.Cleanup(ts.Release) // runs before the server closes
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
	if s.user == "" && !s.srv.opts.Relay {
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
	s.srv.mu.Lock()
	s.srv.bodies++
	s.srv.mu.Unlock()
	if s.srv.opts.DataRead != nil {
		s.srv.opts.DataRead <- struct{}{}
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
