package secrets

import (
	"encoding/base64"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Redacted replaces a secret in redacted text.
const Redacted = "[redacted]"

// Redact returns err, or, when its text carries one of the secrets in a form a server
// could echo, a new error with the same text, each such form replaced by Redacted, and
// no way back to the original. The forms are: the secret in any letter case, as Go
// quotes it, and its base64 (standard or URL alphabet, with or without padding, in any
// letter case). Empty secrets are ignored.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var forms []string
	for _, s := range secrets {
		forms = append(forms, formsOf(s)...)
	}
	return redactForms(redactRaw(err, secrets), forms)
}

// redactRaw replaces the secrets that are not valid UTF-8 byte for byte: a regular
// expression reads invalid UTF-8 as U+FFFD, so formsOf cannot match them (their quoted
// and base64 forms, which are ASCII, it can).
func redactRaw(err error, secrets []string) error {
	msg := err.Error()
	out := msg
	for _, s := range secrets {
		if s != "" && !utf8.ValidString(s) {
			out = strings.ReplaceAll(out, s, Redacted)
		}
	}
	if out == msg {
		return err
	}
	return errors.New(out)
}

// RedactLogin is Redact for the credentials of a mail login: besides the forms of
// password, it removes what AUTH PLAIN sends ("\x00username\x00password" and
// "username\x00username\x00password", base64) and what AUTH LOGIN sends (the
// username and the password, each base64). Nothing is removed when password is empty
// (a login without password has nothing to hide).
func RedactLogin(err error, username, password string) error {
	if err == nil || password == "" {
		return err
	}
	forms := formsOf(password)
	for _, plain := range []string{"\x00" + username + "\x00" + password, username + "\x00" + username + "\x00" + password} {
		forms = append(forms, encoded(plain)...)
	}
	if username != "" {
		forms = append(forms, encoded(username)...)
	}
	return redactForms(redactRaw(err, []string{password}), forms)
}

// formsOf lists the patterns of the forms of secret that Redact removes.
func formsOf(secret string) []string {
	if secret == "" {
		return nil
	}
	var forms []string
	if utf8.ValidString(secret) {
		forms = append(forms, regexp.QuoteMeta(secret))
	}
	if q := strconv.Quote(secret); q[1:len(q)-1] != secret {
		forms = append(forms, regexp.QuoteMeta(q[1:len(q)-1]))
	}
	return append(forms, encoded(secret)...)
}

// encoded lists the patterns of the base64 forms of s, padded or not.
func encoded(s string) []string {
	var out []string
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		out = append(out, regexp.QuoteMeta(enc.EncodeToString([]byte(s)))+"={0,2}")
	}
	return out
}

// redactForms replaces what matches the patterns forms in err's text.
func redactForms(err error, forms []string) error {
	if len(forms) == 0 {
		return err
	}
	// The longest first, so that a form containing another is removed whole.
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	re := regexp.MustCompile("(?i)" + strings.Join(forms, "|"))
	msg := err.Error()
	if !re.MatchString(msg) {
		return err
	}
	return errors.New(re.ReplaceAllLiteralString(msg, Redacted))
}
