package secrets

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// A server may echo the password in another case or encoded as the client sent it;
// every such form is redacted (a lower-case echo reached the log).
func TestRedactLogin(t *testing.T) {
	const user, pw = "shopper@probes.example", "Tr0ub4dor&3"
	b64 := base64.StdEncoding.EncodeToString
	for _, echo := range []string{
		pw,
		strings.ToLower(pw),
		strings.ToUpper(pw),
		b64([]byte(pw)),
		strings.ToLower(b64([]byte(pw))),
		base64.RawURLEncoding.EncodeToString([]byte(pw)),
		b64([]byte("\x00" + user + "\x00" + pw)),
		b64([]byte(user + "\x00" + user + "\x00" + pw)),
		b64([]byte(user)), // AUTH LOGIN sends the username and the password, each base64
	} {
		err := RedactLogin(errors.New("535 bad login: "+echo+" (again "+echo+")"), user, pw)
		want := "535 bad login: [redacted] (again [redacted])"
		if err.Error() != want {
			t.Errorf("RedactLogin(echo %q) = %q, want %q", echo, err, want)
		}
	}
	plain := errors.New("535 bad login")
	if got := RedactLogin(plain, user, pw); got != plain {
		t.Errorf("RedactLogin(no secret) = %v, want the same error", got)
	}
	if got := RedactLogin(errors.New("x"), user, ""); got.Error() != "x" {
		t.Errorf("RedactLogin(no password) = %v", got)
	}
}

func TestRedact(t *testing.T) {
	url := `redis://:s3cret"pw@127.0.0.1:1/0`
	for _, msg := range []string{
		`parse "` + strings.ReplaceAll(url, `"`, `\"`) + `": invalid port`,
		"dial " + strings.ToUpper(url),
		"auth S3CRET\"PW failed",
	} {
		got := Redact(errors.New(msg), url, `s3cret"pw`).Error()
		if strings.Contains(strings.ToLower(got), "s3cret") {
			t.Errorf("Redact(%q) = %q, still shows the secret", msg, got)
		}
	}
	if Redact(nil, "x") != nil {
		t.Error("Redact(nil) != nil")
	}
	// A secret that is not valid UTF-8 (a %-escaped byte of a URL) is removed too, in
	// every form, without a panic.
	bad := "pw\xca\xfe"
	msg := "auth " + bad + " failed, quoted " + strconv.Quote(bad) + ", base64 " + base64.StdEncoding.EncodeToString([]byte(bad))
	for _, got := range []string{Redact(errors.New(msg), bad).Error(), RedactLogin(errors.New(msg), "u", bad).Error()} {
		if strings.Contains(got, bad) || strings.Contains(got, `pw\xca`) || strings.Contains(got, base64.StdEncoding.EncodeToString([]byte(bad))) {
			t.Errorf("Redact of a non-UTF-8 secret = %q, still shows it", got)
		}
	}
}

func ExampleRedactLogin() {
	// A server echoed the AUTH PLAIN response, and the password in lower case.
	err := errors.New("535 5.7.8 bad credentials AHNob3BwZXJAcHJvYmVzLmV4YW1wbGUAQ29ycmVjdCBIb3JzZQ== (correct horse)")
	fmt.Println(RedactLogin(err, "shopper@probes.example", "Correct Horse"))
	// Output:
	// 535 5.7.8 bad credentials [redacted] ([redacted])
}
