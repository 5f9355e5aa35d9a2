package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/secrets"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// DefaultSendTimeout bounds one SMTP session when Sender.Timeout is zero.
var DefaultSendTimeout = 2 * time.Minute

// quitTimeout bounds the wait for the reply to QUIT, after the message was accepted.
const quitTimeout = 5 * time.Second

// The stages of an SMTP session, as SMTPError.Stage names them.
const (
	StageConfig      = "config"      // the assignment or its mailbox cannot be sent with
	StageCredentials = "credentials" // the mailbox password could not be read
	StageDial        = "dial"        // TCP connection
	StageTLS         = "tls"         // implicit TLS handshake
	StageHello       = "hello"       // greeting and EHLO
	StageStartTLS    = "starttls"    // greeting, EHLO, STARTTLS and its handshake
	StageAuth        = "auth"
	StageMailFrom    = "mail from"
	StageRcptTo      = "rcpt to"
	StageRecord      = "record" // recording the probe before DATA (the BeforeData hook)
	StageData        = "data"   // DATA, the message, and the reply to its end
)

// Sender sends probe messages from their probe mailbox over SMTP.
type Sender struct {
	// Timeout bounds one SMTP session, from dial to the reply to DATA
	// (default DefaultSendTimeout). The context's deadline applies too.
	Timeout time.Duration
	// Logger receives one record per send (default: discard).
	Logger *slog.Logger
	// TLSConfig is the base TLS configuration (default: system roots); its ServerName
	// defaults to the SMTP host. Tests set RootCAs.
	TLSConfig *tls.Config
}

// Sent is a message the mailbox's SMTP server accepted.
type Sent struct {
	// MessageID is the message's Message-ID, with angle brackets.
	MessageID string
	// Token is the probe's correlation token.
	Token string
	// T0 is when the server's reply accepting the message (250 to the end of DATA)
	// was received: the moment the target could first see it.
	T0 time.Time
}

// SMTPError is why a send failed. Every error Send returns is one.
type SMTPError struct {
	// Permanent is true when sending again cannot help: a 5xx reply, a server without
	// STARTTLS or a usable AUTH mechanism, a certificate that does not verify, or an
	// assignment that cannot be sent. The probe then fails with reason smtp_rejected.
	// Otherwise (4xx replies, timeouts, refused or reset connections) the task retries.
	Permanent bool
	// Code is the server's reply code, 0 when the server did not reply.
	Code int
	// Stage is the step that failed: one of the Stage constants.
	Stage string
	// Err is the cause, with any password removed from its text.
	// MaybeSent is true when the whole message may have reached the server: the
	// session failed after the end of DATA was sent and before the server answered
	// (a timeout, a dropped connection). Sending again could deliver it twice.
	MaybeSent bool
	Err       error
}

func (e *SMTPError) Error() string { return "smtp " + e.Stage + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *SMTPError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is an SMTPError that sending again cannot cure.
func IsPermanent(err error) bool {
	var se *SMTPError
	return errors.As(err, &se) && se.Permanent
}

// Send builds probe a's message and submits it to the SMTP server of its probe mailbox,
// addressed to the target's support address. The session ends when ctx does.
func (s *Sender) Send(ctx context.Context, a tasks.Assignment) (Sent, error) {
	return s.SendWith(ctx, a, nil)
}

// SendWith is Send with a hook: once the server has accepted the recipient, and before
// DATA, beforeData is called with the message's Message-ID and token (T0 zero), so the
// caller can record the probe durably before the company can receive anything. An
// error from it ends the session before DATA (stage StageRecord, not permanent).
func (s *Sender) SendWith(ctx context.Context, a tasks.Assignment, beforeData func(Sent) error) (Sent, error) {
	start := time.Now()
	log := s.logger().With("probe", a.ProbeID)
	sent, err := s.send(ctx, a, start, beforeData)
	if err != nil {
		se := &SMTPError{}
		errors.As(err, &se)
		log.Warn("email send failed", "stage", se.Stage, "code", se.Code, "permanent", se.Permanent, "err", err)
		return Sent{}, err
	}
	log.Info("email sent", "message_id", sent.MessageID, "server", net.JoinHostPort(a.Mailbox.SMTP.Host, strconv.Itoa(a.Mailbox.SMTP.Port)),
		"to", a.Email.Address, "duration", sent.T0.Sub(start))
	return sent, nil
}

func (s *Sender) send(ctx context.Context, a tasks.Assignment, now time.Time, beforeData func(Sent) error) (Sent, error) {
	msg, id, err := BuildMessage(a, now)
	if err != nil {
		return Sent{}, &SMTPError{Permanent: true, Stage: StageConfig, Err: err}
	}
	srv := a.Mailbox.SMTP
	var username, password string
	if !srv.NoLogin() {
		if password, err = secrets.Password(srv); err != nil {
			// Not permanent: another worker, or this one once fixed, may have the secret.
			return Sent{}, &SMTPError{Stage: StageCredentials, Err: err}
		}
		if username = srv.Username; username == "" {
			username = a.Mailbox.Address
		}
	}
	sess := &session{
		srv: srv, tlsConfig: s.TLSConfig,
		username: username, password: password,
		from: a.Mailbox.Address, to: a.Email.Address, msg: msg,
	}
	if beforeData != nil {
		sess.beforeData = func() error { return beforeData(Sent{MessageID: id, Token: Token(a.ProbeID)}) }
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSendTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("smtp session longer than %v: %w", timeout, context.DeadlineExceeded))
	defer cancel()
	t0, err := sess.run(ctx, timeout)
	if err != nil {
		return Sent{}, err
	}
	return Sent{MessageID: id, Token: Token(a.ProbeID), T0: t0}, nil
}

// session is one SMTP submission of one message.
type session struct {
	srv                campaign.Server
	tlsConfig          *tls.Config
	username, password string
	from, to           string
	msg                []byte
	beforeData         func() error
}

// run submits the message and returns when the server accepted it. go-smtp's client
// has no context: the connection is closed when ctx ends, which fails whatever
// command is waiting.
func (ss *session) run(ctx context.Context, timeout time.Duration) (time.Time, error) {
	port := ss.srv.Port
	if port == 0 {
		port = map[string]int{"starttls": 587, "implicit": 465, "none": 25}[ss.srv.TLS]
	}
	addr := net.JoinHostPort(ss.srv.Host, strconv.Itoa(port))
	if ss.srv.TLS == "none" && !loopbackHost(ss.srv.Host) && !ss.srv.NoLogin() {
		return time.Time{}, &SMTPError{Permanent: true, Stage: StageConfig,
			Err: fmt.Errorf(`tls "none" is allowed only on loopback, not %s`, ss.srv.Host)}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return time.Time{}, ss.fail(ctx, StageDial, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()

	c, err := ss.client(ctx, conn)
	if err != nil {
		return time.Time{}, err
	}
	defer c.Close()
	c.CommandTimeout, c.SubmissionTimeout = timeout, timeout

	if !ss.srv.NoLogin() {
		if err := ss.auth(c); err != nil {
			return time.Time{}, ss.fail(ctx, StageAuth, err)
		}
	}
	if err := c.Mail(ss.from, nil); err != nil {
		return time.Time{}, ss.fail(ctx, StageMailFrom, err)
	}
	if err := c.Rcpt(ss.to, nil); err != nil {
		return time.Time{}, ss.fail(ctx, StageRcptTo, err)
	}
	if ss.beforeData != nil {
		if err := ss.beforeData(); err != nil {
			return time.Time{}, &SMTPError{Stage: StageRecord, Err: err}
		}
	}
	w, err := c.Data()
	if err != nil {
		return time.Time{}, ss.fail(ctx, StageData, err)
	}
	if _, err := w.Write(ss.msg); err != nil {
		return time.Time{}, ss.fail(ctx, StageData, err)
	}
	if err := w.Close(); err != nil {
		// The end of the message went out (or was going out): unless the server
		// answered no, it may have the message.
		e := ss.fail(ctx, StageData, err)
		e.MaybeSent = e.Code == 0
		return time.Time{}, e
	}
	t0 := time.Now()
	// The message is accepted: a failed or slow goodbye changes nothing.
	c.CommandTimeout = quitTimeout
	_ = c.Quit()
	return t0, nil
}

// client opens the SMTP conversation on conn as srv.TLS asks, up to a (secure) EHLO.
func (ss *session) client(ctx context.Context, conn net.Conn) (*smtp.Client, error) {
	cfg := ss.tlsConfig.Clone()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = ss.srv.Host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	// Mail clients introduce themselves by their address literal.
	helo := "localhost"
	if ta, ok := conn.LocalAddr().(*net.TCPAddr); ok {
		helo = "[" + ta.IP.String() + "]"
		if ta.IP.To4() == nil {
			helo = "[IPv6:" + ta.IP.String() + "]"
		}
	}
	switch ss.srv.TLS {
	case "implicit":
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, ss.fail(ctx, StageTLS, err)
		}
		c := smtp.NewClient(tc)
		if err := c.Hello(helo); err != nil {
			c.Close()
			return nil, ss.fail(ctx, StageHello, err)
		}
		return c, nil
	case "starttls":
		// NewClientStartTLS greets the server as "localhost" before TLS; the EHLO that
		// counts, after it, carries our address.
		c, err := smtp.NewClientStartTLS(conn, cfg)
		if err != nil {
			return nil, ss.fail(ctx, StageStartTLS, err)
		}
		if err := c.Hello(helo); err != nil {
			c.Close()
			return nil, ss.fail(ctx, StageStartTLS, err)
		}
		return c, nil
	case "none":
		// Checked again on the address dialed: "localhost" may resolve anywhere. Without
		// a login no password crosses the network, so any host will do.
		ra, ok := conn.RemoteAddr().(*net.TCPAddr)
		if !ss.srv.NoLogin() && (!ok || !ra.IP.IsLoopback()) {
			return nil, &SMTPError{Permanent: true, Stage: StageConfig,
				Err: fmt.Errorf(`tls "none" is allowed only on loopback, not %s`, conn.RemoteAddr())}
		}
		c := smtp.NewClient(conn)
		if err := c.Hello(helo); err != nil {
			c.Close()
			return nil, ss.fail(ctx, StageHello, err)
		}
		return c, nil
	}
	return nil, &SMTPError{Permanent: true, Stage: StageConfig, Err: fmt.Errorf("tls %q is not one of starttls, implicit, none", ss.srv.TLS)}
}

// loopbackHost reports whether host names the loopback interface.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// errNoAuthMechanism is a server offering neither AUTH PLAIN nor AUTH LOGIN.
var errNoAuthMechanism = errors.New(`server offers neither AUTH PLAIN nor AUTH LOGIN (for a server that accepts mail without login, set the mailbox's smtp auth to "none")`)

// errNoStartTLS is go-smtp's message for a server without STARTTLS.
const errNoStartTLS = "doesn't support STARTTLS"

// auth logs in with AUTH PLAIN, or LOGIN when the server offers only that.
func (ss *session) auth(c *smtp.Client) error {
	switch {
	case c.SupportsAuth(sasl.Plain):
		return c.Auth(sasl.NewPlainClient("", ss.username, ss.password))
	case c.SupportsAuth(sasl.Login):
		return c.Auth(&loginClient{username: ss.username, password: ss.password})
	}
	return errNoAuthMechanism
}

// loginClient is the LOGIN mechanism as servers speak it: no initial response, then
// the username and the password, each asked for by a challenge. (go-sasl's LOGIN
// client sends the username as an initial response, which some servers refuse.)
type loginClient struct {
	username, password string
	step               int
}

func (l *loginClient) Start() (string, []byte, error) { return sasl.Login, nil, nil }

func (l *loginClient) Next(challenge []byte) ([]byte, error) {
	ch := strings.ToLower(string(challenge))
	l.step++
	switch {
	case strings.HasPrefix(ch, "user"), l.step == 1 && !strings.HasPrefix(ch, "pass"):
		return []byte(l.username), nil
	case strings.HasPrefix(ch, "pass"), l.step == 2:
		return []byte(l.password), nil
	}
	return nil, sasl.ErrUnexpectedServerChallenge
}

// fail classifies err, which happened at stage, and removes the password from it.
func (ss *session) fail(ctx context.Context, stage string, err error) *SMTPError {
	e := &SMTPError{Stage: stage}
	var se *smtp.SMTPError
	var cve *tls.CertificateVerificationError
	switch {
	case ctx.Err() != nil:
		// The connection was closed under the command: the timeout is the cause.
		err = fmt.Errorf("%w (%v)", context.Cause(ctx), err)
	case errors.As(err, &se):
		e.Code = se.Code
		e.Permanent = se.Code >= 500 && se.Code < 600
	case errors.Is(err, errNoAuthMechanism), strings.Contains(err.Error(), errNoStartTLS),
		errors.As(err, &cve):
		e.Permanent = true
	}
	e.Err = secrets.RedactLogin(err, ss.username, ss.password)
	return e
}

func (s *Sender) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
