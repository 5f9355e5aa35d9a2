package sim

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTP replies the submission server gives.
var (
	errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	errNoSuchUser   = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	errMalformed    = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Malformed message"}
	errUnavailable  = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service shutting down"}
)

// maxMessageBytes bounds a probe message.
const maxMessageBytes = 10 << 20

// newSMTPServer returns the submission server of s.
func newSMTPServer(s *Sim) *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{sim: s}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // loopback fake: plain text AUTH is allowed
	srv.MaxMessageBytes = maxMessageBytes
	srv.MaxRecipients = 100
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = logAdapter{s.log.With("server", "smtp")}
	return srv
}

// session is one SMTP connection: authenticated as a probe mailbox, then mail
// to company support addresses.
type session struct {
	sim       *Sim
	box       *hosted // nil until AUTH succeeds
	companies []*Company
}

var _ smtp.AuthSession = (*session)(nil)

// AuthMechanisms implements smtp.AuthSession: PLAIN and LOGIN.
func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

// Auth implements smtp.AuthSession.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return smtp.ErrAuthFailed
			}
			return ss.login(username, password)
		}), nil
	case sasl.Login:
		return &loginServer{check: ss.login}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// login checks a mailbox's credentials.
func (ss *session) login(username, password string) error {
	for _, b := range ss.sim.boxList {
		if b.username == username && subtle.ConstantTimeCompare([]byte(b.password), []byte(password)) == 1 {
			ss.box = b
			return nil
		}
	}
	ss.sim.log.Warn("smtp auth failed", "username", username)
	return smtp.ErrAuthFailed
}

// Mail implements smtp.Session.
func (ss *session) Mail(string, *smtp.MailOptions) error {
	if ss.box == nil {
		return errAuthRequired
	}
	return nil
}

// Rcpt implements smtp.Session: only company support addresses are accepted.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.box == nil {
		return errAuthRequired
	}
	co := ss.sim.companies[strings.ToLower(to)]
	if co == nil {
		return errNoSuchUser
	}
	if !slices.Contains(ss.companies, co) {
		ss.companies = append(ss.companies, co)
	}
	return nil
}

// Data implements smtp.Session: the message is read, t0 taken, replies planned.
func (ss *session) Data(r io.Reader) error {
	if ss.box == nil {
		return errAuthRequired
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	acceptedAt := time.Now()
	ss.sim.recvMu.RLock()
	defer ss.sim.recvMu.RUnlock()
	if ss.sim.stopping() {
		return errUnavailable
	}
	if err := ss.sim.receive(raw, acceptedAt, ss.companies); err != nil {
		ss.sim.log.Warn("probe message rejected", "err", err)
		return errMalformed
	}
	return nil
}

// Reset implements smtp.Session.
func (ss *session) Reset() { ss.companies = nil }

// Logout implements smtp.Session.
func (ss *session) Logout() error { return nil }

// loginServer is the server side of the LOGIN SASL mechanism, which go-sasl
// only implements as a client.
type loginServer struct {
	check    func(username, password string) error
	username string
	step     int
}

// Next implements sasl.Server.
func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		l.step = 1
		if response == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		l.username, l.step = string(response), 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.check(l.username, string(response))
	}
	return nil, false, errors.New("sasl: unexpected client response")
}

// logAdapter sends a library's Printf logging to slog.
type logAdapter struct {
	log interface{ Warn(string, ...any) }
}

// Printf implements the Logger interfaces of go-smtp and go-imap.
func (a logAdapter) Printf(format string, v ...any) { a.log.Warn(fmt.Sprintf(format, v...)) }

// Println implements go-smtp's Logger.
func (a logAdapter) Println(v ...any) { a.log.Warn(strings.TrimSuffix(fmt.Sprintln(v...), "\n")) }
