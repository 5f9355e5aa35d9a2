package campaign

import (
	"net"
	"net/mail"
	"regexp"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// address checks a required bare email address.
func (k *checker) address(path, s string) {
	if s == "" {
		k.p.Add(path, "required")
		return
	}
	if !validAddress(s) {
		k.p.Add(path, "%s is not an email address (want e.g. support@acme.example)", yamlcheck.Quote(s))
	}
}

// validAddress reports whether s is a bare address, without a display name.
func validAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

func (k *checker) mailboxes() {
	ms := k.c.Mailboxes
	ids := make([]string, len(ms))
	for i := range ms {
		path := yamlcheck.Index("mailboxes", i)
		m := &ms[i]
		k.id(yamlcheck.Join(path, "id"), m.ID)
		k.address(yamlcheck.Join(path, "address"), m.Address)
		k.server(yamlcheck.Join(path, "smtp"), &m.SMTP, m.Address, true)
		k.server(yamlcheck.Join(path, "imap"), &m.IMAP, m.Address, false)
		ids[i] = m.ID
	}
	k.unique("mailboxes", ids)
}

// server checks a mail server endpoint; Username defaults to the mailbox address and
// Auth to "password". Only a submission server (smtp) may be used without login.
func (k *checker) server(path string, s *Server, address string, smtp bool) {
	if !k.p.Present(path) {
		k.p.Add(path, "required: host, port, tls and password_env or password_file")
		return
	}
	k.required(yamlcheck.Join(path, "host"), s.Host)
	switch {
	case !k.p.Present(yamlcheck.Join(path, "port")):
		k.p.Add(yamlcheck.Join(path, "port"), "required")
	case s.Port < 1 || s.Port > 65535:
		k.p.Add(yamlcheck.Join(path, "port"), "must be between 1 and 65535, got %d", s.Port)
	}
	k.auth(path, s, smtp)
	switch s.TLS {
	case "starttls", "implicit":
	case "none":
		if s.Host != "" && !isLoopback(s.Host) && !s.NoLogin() {
			k.p.Add(yamlcheck.Join(path, "tls"), `"none" is allowed only for a loopback host (localhost, 127.0.0.1, ::1): the password would cross the network in clear`)
		}
	case "":
		k.p.Add(yamlcheck.Join(path, "tls"), "required: one of starttls, implicit, none")
	default:
		k.p.Add(yamlcheck.Join(path, "tls"), "%s is not one of starttls, implicit, none", yamlcheck.Quote(s.TLS))
	}
	if s.Username == "" && !s.NoLogin() {
		s.Username = address
	}
	if !s.NoLogin() {
		k.credentials(path, s)
	}
}

// auth checks the login mode: "password" (default) needs credentials, "none" refuses them.
func (k *checker) auth(path string, s *Server, smtp bool) {
	at := yamlcheck.Join(path, "auth")
	switch s.Auth {
	case "":
		s.Auth = AuthPassword
	case AuthPassword:
	case AuthNone:
		if !smtp {
			k.p.Add(at, `"none" is only for a submission server (smtp): reading replies over IMAP needs a login`)
			return
		}
		for _, f := range []struct{ name, v string }{{"password_env", s.PasswordEnv}, {"password_file", s.PasswordFile}, {"username", s.Username}} {
			if f.v != "" {
				k.p.Add(yamlcheck.Join(path, f.name), `not used with auth "none" (sending without login): remove it, or set auth to "password"`)
			}
		}
	default:
		k.p.Add(at, "%s is not one of password, none", yamlcheck.Quote(s.Auth))
	}
}

func (k *checker) credentials(path string, s *Server) {
	switch {
	case s.PasswordEnv != "" && s.PasswordFile != "":
		k.p.Add(path, "set password_env or password_file, not both")
	case s.PasswordEnv == "" && s.PasswordFile == "":
		k.p.Add(path, "credentials required: set password_env (an environment variable name) or password_file")
	case s.PasswordEnv != "" && !envName.MatchString(s.PasswordEnv):
		k.p.Add(yamlcheck.Join(path, "password_env"), "%s is not an environment variable name", yamlcheck.Quote(s.PasswordEnv))
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (k *checker) scenarios() {
	ss := k.c.Scenarios
	if len(ss) == 0 {
		k.p.Add("scenarios", "required: at least one scenario")
		return
	}
	probed := k.c.probedChannels()
	emailProbed := false
	for _, ch := range probed {
		emailProbed = emailProbed || ch == ChannelEmail
	}
	ids := make([]string, len(ss))
	for i := range ss {
		k.scenario(yamlcheck.Index("scenarios", i), &ss[i], emailProbed)
		ids[i] = ss[i].ID
	}
	k.unique("scenarios", ids)
	for _, ch := range probed {
		if !k.anyScenarioUses(ch) {
			k.p.Add("scenarios", "no scenario is used on %[1]s, but targets are probed on %[1]s", ch)
		}
	}
}

func (k *checker) anyScenarioUses(ch Channel) bool {
	for _, s := range k.c.Scenarios {
		if s.UsesChannel(ch) {
			return true
		}
	}
	return false
}

func (k *checker) scenario(path string, s *Scenario, emailProbed bool) {
	k.id(yamlcheck.Join(path, "id"), s.ID)
	if k.p.Present(yamlcheck.Join(path, "channels")) && len(s.Channels) == 0 && !k.p.BadUnder(yamlcheck.Join(path, "channels")) {
		k.p.Add(yamlcheck.Join(path, "channels"), "empty: list channels, or leave channels out to use the scenario on every channel")
	}
	k.required(yamlcheck.Join(path, "message"), s.Message)
	if emailProbed && s.UsesChannel(ChannelEmail) {
		if s.Subject == "" {
			k.p.Add(yamlcheck.Join(path, "subject"), "required for a scenario used on email")
		}
	}
	k.required(yamlcheck.Join(path, "persona.name"), s.Persona.Name)
	k.quality(path, s)
	if s.Persona.Email != "" && !validAddress(s.Persona.Email) {
		k.p.Add(yamlcheck.Join(path, "persona.email"), "%s is not an email address (want e.g. jane@example.com)", yamlcheck.Quote(s.Persona.Email))
	}
}
